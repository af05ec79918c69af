// The JSON header serialization (Java's RemotingSerializable via fastjson).
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "common/json.h"
#include "protocol/remoting_command.h"

namespace rmq::protocol {

namespace {
// Headers above this size are scanned for their number of values before the parse: a header of a
// million extFields would otherwise cost the loop tens of ms to parse only to be refused.
constexpr size_t kScanHeaderAbove = 64 * 1024;
// Room for the header's own members besides extFields.
constexpr size_t kMaxHeaderValues = kMaxExtFields + 64;

// Counts the ',' between values outside strings, stopping once past `limit`.
size_t CountValueSeparators(std::string_view text, size_t limit) {
  size_t commas = 0;
  for (size_t i = 0; i < text.size() && commas <= limit; ++i) {
    char ch = text[i];
    if (ch == ',') {
      ++commas;
    } else if (ch == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\') ++i;
    }
  }
  return commas;
}
}  // namespace

Status DecodeJsonHeader(std::string_view header, RemotingCommand* cmd) {
  if (header.size() > kScanHeaderAbove && CountValueSeparators(header, kMaxHeaderValues) > kMaxHeaderValues) {
    return Status::Corruption("header has more than " + std::to_string(kMaxHeaderValues) +
                              " values (extFields limit " + std::to_string(kMaxExtFields) + ")");
  }
  rapidjson::Document doc;
  if (Status s = json::Parse(header, &doc, json::kStopWhenDone); !s.ok()) {
    return Status::Corruption("header JSON: " + s.message());
  }
  if (!doc.IsObject()) return Status::Corruption("header JSON is not an object");
  // The int fields bind as fastjson binds them into RemotingCommand: a missing one is 0, a value
  // fastjson refuses (2^32+30, " 30", an array) fails the frame and closes the connection.
  struct IntField { const char* key; int32_t* out; };
  for (IntField f : {IntField{"code", &cmd->code}, IntField{"version", &cmd->version},
                     IntField{"opaque", &cmd->opaque}, IntField{"flag", &cmd->flag}}) {
    *f.out = 0;
    auto m = doc.FindMember(f.key);
    if (m != doc.MemberEnd() && !json::FastjsonInt32(m->value, f.out)) {
      return Status::Corruption(std::string("header JSON field ") + f.key + " is not a Java int");
    }
  }
  std::string s;
  if (json::GetString(doc, "language", &s)) {
    LanguageCode lang;
    if (ParseLanguage(s, &lang)) cmd->language = lang;
    else cmd->language = LanguageCode::kOther;
  }
  auto remark = doc.FindMember("remark");
  if (remark != doc.MemberEnd() && remark->value.IsString()) {
    cmd->remark = std::string(remark->value.GetString(), remark->value.GetStringLength());
  }
  auto ext = doc.FindMember("extFields");
  if (ext != doc.MemberEnd() && ext->value.IsObject()) {
    if (ext->value.MemberCount() > kMaxExtFields) {
      return Status::Corruption("header has " + std::to_string(ext->value.MemberCount()) + " extFields, more than " +
                                std::to_string(kMaxExtFields));
    }
    for (auto m = ext->value.MemberBegin(); m != ext->value.MemberEnd(); ++m) {
      std::string value;
      if (m->value.IsNull() || !json::ScalarToString(m->value, &value)) continue;
      cmd->ext_fields.Set(std::string_view(m->name.GetString(), m->name.GetStringLength()), std::move(value));
    }
  }
  return Status::OK();
}

void EncodeJsonHeader(const RemotingCommand& cmd, std::string* out) {
  json::Writer w(out);
  w.BeginObject();
  w.Key("code").Int(cmd.code);
  if (!cmd.ext_fields.empty()) {
    w.Key("extFields").BeginObject();
    for (const auto& [k, v] : cmd.ext_fields.items()) w.Key(k).String(v);
    w.EndObject();
  }
  w.Key("flag").Int(cmd.flag);
  w.Key("language").String(LanguageName(cmd.language));
  w.Key("opaque").Int(cmd.opaque);
  if (cmd.remark) w.Key("remark").String(*cmd.remark);
  w.Key("serializeTypeCurrentRPC").String(cmd.serialize_type == SerializeType::kJson ? "JSON" : "ROCKETMQ");
  w.Key("version").Int(cmd.version);
  w.EndObject();
}

}  // namespace rmq::protocol
