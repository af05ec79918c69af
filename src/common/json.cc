#include "common/json.h"

#include <cmath>
#include <cstdio>

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>

namespace rmq::json {

int NestingDepth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '[': case '{':
        if (++depth > deepest) deepest = depth;
        if (deepest > limit) return deepest;
        break;
      case ']': case '}':
        // The first value is complete: anything after it is either refused by the parser or,
        // with kStopWhenDone, never read.
        if (--depth <= 0) return deepest;
        break;
      default: break;
    }
  }
  return deepest;
}

Status Parse(std::string_view text, rapidjson::Document* doc, unsigned flags) {
  if (NestingDepth(text, kMaxDepth) > kMaxDepth) {
    doc->SetNull();
    return Status::Corruption("JSON nested deeper than " + std::to_string(kMaxDepth) + " levels (rmqd limit)");
  }
  // A MemoryStream does not need a terminating NUL, and stops at the end of `text`.
  rapidjson::MemoryStream ms(text.data(), text.size());
  if (flags & kStopWhenDone) {
    doc->ParseStream<rapidjson::kParseIterativeFlag | rapidjson::kParseStopWhenDoneFlag>(ms);
  } else {
    doc->ParseStream<rapidjson::kParseIterativeFlag>(ms);
  }
  if (doc->HasParseError()) {
    Status s = Status::Corruption(std::string(rapidjson::GetParseError_En(doc->GetParseError())) + " at " +
                                  std::to_string(doc->GetErrorOffset()));
    doc->SetNull();
    return s;
  }
  return Status::OK();
}

void AppendString(std::string* out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 0xF]);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

Writer& Writer::Double(double v) {
  Sep();
  char buf[64];
  snprintf(buf, sizeof(buf), "%.6g", v);
  std::string s(buf);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  out_->append(s);
  return *this;
}

bool GetString(const rapidjson::Value& obj, const char* key, std::string* out) {
  if (!obj.IsObject()) return false;
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd()) return false;
  if (it->value.IsString()) {
    out->assign(it->value.GetString(), it->value.GetStringLength());
    return true;
  }
  return ScalarToString(it->value, out);
}

bool GetInt64(const rapidjson::Value& obj, const char* key, int64_t* out) {
  if (!obj.IsObject()) return false;
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd()) return false;
  const auto& v = it->value;
  if (v.IsInt64()) { *out = v.GetInt64(); return true; }
  if (v.IsUint64()) { *out = static_cast<int64_t>(v.GetUint64()); return true; }
  if (v.IsDouble()) {
    // Casting a double outside int64's range is undefined behaviour.
    double d = v.GetDouble();
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return false;
    *out = static_cast<int64_t>(d);
    return true;
  }
  if (v.IsString()) {
    char* end = nullptr;
    long long x = strtoll(v.GetString(), &end, 10);
    if (end && *end == '\0' && v.GetStringLength() > 0) { *out = x; return true; }
  }
  return false;
}

bool GetInt32(const rapidjson::Value& obj, const char* key, int32_t* out) {
  int64_t v;
  if (!GetInt64(obj, key, &v)) return false;
  *out = static_cast<int32_t>(v);
  return true;
}

bool GetBool(const rapidjson::Value& obj, const char* key, bool* out) {
  if (!obj.IsObject()) return false;
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd()) return false;
  if (it->value.IsBool()) { *out = it->value.GetBool(); return true; }
  if (it->value.IsString()) { *out = std::string_view(it->value.GetString()) == "true"; return true; }
  return false;
}

const rapidjson::Value* GetObject(const rapidjson::Value& obj, const char* key) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || !it->value.IsObject()) return nullptr;
  return &it->value;
}

const rapidjson::Value* GetArray(const rapidjson::Value& obj, const char* key) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || !it->value.IsArray()) return nullptr;
  return &it->value;
}

namespace {

// Integer.parseInt over ASCII digits: an optional sign, at least one digit, int32 range.
bool ParseJavaInt(std::string_view s, int32_t* out) {
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  if (i == s.size()) return false;
  int64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
    if (v > int64_t{1} << 31) return false;
  }
  if (negative) v = -v;
  if (v > INT32_MAX) return false;
  *out = static_cast<int32_t>(v);
  return true;
}

}  // namespace

bool FastjsonInt32(const rapidjson::Value& v, int32_t* out) {
  if (v.IsNull()) { *out = 0; return true; }
  if (v.IsBool()) { *out = v.GetBool() ? 1 : 0; return true; }
  if (v.IsInt()) { *out = v.GetInt(); return true; }
  if (v.IsInt64() || v.IsUint64()) return false;  // an integer literal beyond int32
  if (v.IsDouble()) {
    double d = std::trunc(v.GetDouble());
    if (!(d > -9223372036854775808.0 && d < 9223372036854775808.0)) return false;
    *out = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(static_cast<int64_t>(d))));
    return true;
  }
  if (!v.IsString()) return false;
  std::string_view raw(v.GetString(), v.GetStringLength());
  if (raw.empty() || raw == "null" || raw == "NULL") { *out = 0; return true; }
  std::string s;
  for (char c : raw)
    if (c != ',') s.push_back(c);
  size_t dot = s.rfind('.');
  if (dot != std::string::npos && s.find_first_not_of('0', dot + 1) == std::string::npos) s.resize(dot);
  return ParseJavaInt(s, out);
}

bool ScalarToString(const rapidjson::Value& v, std::string* out) {
  if (v.IsString()) { out->assign(v.GetString(), v.GetStringLength()); return true; }
  if (v.IsBool()) { *out = v.GetBool() ? "true" : "false"; return true; }
  if (v.IsInt64()) { *out = std::to_string(v.GetInt64()); return true; }
  if (v.IsUint64()) { *out = std::to_string(v.GetUint64()); return true; }
  if (v.IsDouble()) {
    char buf[64];
    snprintf(buf, sizeof(buf), "%.17g", v.GetDouble());
    *out = buf;
    return true;
  }
  return false;
}

namespace {

// Copies a JSON string literal starting at in[i] (a quote) to out; returns the index after it.
size_t CopyString(std::string_view in, size_t i, std::string* out) {
  char q = in[i];
  out->push_back('"');
  ++i;
  while (i < in.size() && in[i] != q) {
    if (in[i] == '\\' && i + 1 < in.size()) {
      out->push_back(in[i]);
      out->push_back(in[i + 1]);
      i += 2;
      continue;
    }
    if (in[i] == '"') out->push_back('\\');
    out->push_back(in[i]);
    ++i;
  }
  out->push_back('"');
  return i < in.size() ? i + 1 : i;
}

// Index just past the JSON value starting at in[i] (balanced braces/brackets, strings skipped).
size_t SkipValue(std::string_view in, size_t i) {
  int depth = 0;
  while (i < in.size()) {
    char c = in[i];
    if (c == '"' || c == '\'') {
      char q = c;
      ++i;
      while (i < in.size() && in[i] != q) i += (in[i] == '\\') ? 2 : 1;
      ++i;
      if (depth == 0) return i;
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') {
      --depth;
      ++i;
      if (depth <= 0) return i;
      continue;
    }
    ++i;
  }
  return i < in.size() ? i : in.size();  // a trailing '\\' skip may overshoot the end
}

}  // namespace

std::string NormalizeFastjson(std::string_view in) {
  std::string out;
  out.reserve(in.size() + 16);
  // expecting_key: we are right after '{' or after ',' inside an object.
  std::string stack;  // '{' or '['
  bool expecting_key = false;
  size_t i = 0;
  while (i < in.size()) {
    char c = in[i];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') { out.push_back(c); ++i; continue; }
    if (expecting_key) {
      expecting_key = false;
      if (c == '}') { stack.pop_back(); out.push_back(c); ++i; continue; }
      if (c == '"' || c == '\'') { i = CopyString(in, i, &out); continue; }
      if (c == '{' || c == '[') {
        size_t end = SkipValue(in, i);
        std::string key;
        for (size_t j = i; j < end; ++j) {
          char d = in[j];
          if (d == ' ' || d == '\n' || d == '\r' || d == '\t') continue;  // compact form
          key.push_back(d);
        }
        AppendString(&out, key);
        i = end;
        continue;
      }
      // Unquoted key (number or identifier) up to ':'.
      size_t end = i;
      while (end < in.size() && in[end] != ':' && in[end] != ' ') ++end;
      AppendString(&out, in.substr(i, end - i));
      i = end;
      continue;
    }
    switch (c) {
      case '{': stack.push_back('{'); expecting_key = true; out.push_back(c); ++i; break;
      case '[': stack.push_back('['); out.push_back(c); ++i; break;
      case '}': case ']': if (!stack.empty()) stack.pop_back(); out.push_back(c); ++i; break;
      case ',': out.push_back(c); ++i; expecting_key = !stack.empty() && stack.back() == '{'; break;
      case '"': case '\'': i = CopyString(in, i, &out); break;
      default: out.push_back(c); ++i;
    }
  }
  return out;
}

}  // namespace rmq::json
