#include "protocol/ext_fields.h"

#include <charconv>
#include <strings.h>

namespace rmq::protocol {

namespace {
// Keys are short and often one letter (SEND_MESSAGE_V2's "a".."n"): test length and first byte
// inline before calling memcmp.
inline bool SameKey(const std::string& a, std::string_view b) {
  return a.size() == b.size() && (b.empty() || (a[0] == b[0] && a.compare(0, a.size(), b) == 0));
}
}  // namespace

const std::string* ExtFields::Find(std::string_view key) const {
  for (const auto& kv : items_)
    if (SameKey(kv.first, key)) return &kv.second;
  return nullptr;
}

void ExtFields::Set(std::string_view key, std::string value) {
  for (auto& kv : items_) {
    if (SameKey(kv.first, key)) {
      kv.second = std::move(value);
      return;
    }
  }
  if (items_.empty()) items_.reserve(16);  // a send header has 10-15 fields
  items_.emplace_back(std::string(key), std::move(value));
}

bool ParseInt64(std::string_view s, int64_t* out) {
  bool plus = !s.empty() && s.front() == '+';
  if (plus) s.remove_prefix(1);
  if (s.empty() || (plus && s.front() == '-')) return false;  // Java rejects "+-1"
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool ParseInt32(std::string_view s, int32_t* out) {
  bool plus = !s.empty() && s.front() == '+';
  if (plus) s.remove_prefix(1);
  if (s.empty() || (plus && s.front() == '-')) return false;  // Java rejects "+-1"
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool ParseBool(std::string_view s, bool* out) {
  *out = s.size() == 4 && strncasecmp(s.data(), "true", 4) == 0;
  return true;
}

const std::string* HeaderReader::Get(const char* key, bool required) {
  if (!status_.ok()) return nullptr;
  const std::string* v = f_.Find(key);
  if (v == nullptr && required) {
    status_ = Status::InvalidArgument(std::string("the custom field <") + key + "> is null");
  }
  return v;
}

void HeaderReader::Malformed(const char* key, const std::string& value) {
  std::string shown = value.size() > 64 ? value.substr(0, 64) + "..." : value;
  status_ = Status::InvalidArgument(std::string("the custom field <") + key + "> has a malformed value: " + shown);
}

void HeaderReader::Required(const char* key, std::string* out) {
  if (const std::string* v = Get(key, true)) *out = *v;
}
void HeaderReader::Optional(const char* key, std::string* out) {
  if (const std::string* v = Get(key, false)) *out = *v;
}
void HeaderReader::Required(const char* key, int32_t* out) {
  if (const std::string* v = Get(key, true); v && !ParseInt32(*v, out)) Malformed(key, *v);
}
void HeaderReader::Optional(const char* key, int32_t* out) {
  if (const std::string* v = Get(key, false); v && !ParseInt32(*v, out)) Malformed(key, *v);
}
void HeaderReader::Required(const char* key, int64_t* out) {
  if (const std::string* v = Get(key, true); v && !ParseInt64(*v, out)) Malformed(key, *v);
}
void HeaderReader::Optional(const char* key, int64_t* out) {
  if (const std::string* v = Get(key, false); v && !ParseInt64(*v, out)) Malformed(key, *v);
}
void HeaderReader::Required(const char* key, bool* out) {
  if (const std::string* v = Get(key, true)) (void)ParseBool(*v, out);
}
void HeaderReader::Optional(const char* key, bool* out) {
  if (const std::string* v = Get(key, false)) (void)ParseBool(*v, out);
}

}  // namespace rmq::protocol
