#include "protocol/remoting_command.h"

#include <cstring>

#include "common/coding.h"

namespace rmq::protocol {

namespace {
struct LanguageEntry {
  LanguageCode code;
  const char* name;
};
constexpr LanguageEntry kLanguages[] = {
    {LanguageCode::kJava, "JAVA"},     {LanguageCode::kCpp, "CPP"},       {LanguageCode::kDotnet, "DOTNET"},
    {LanguageCode::kPython, "PYTHON"}, {LanguageCode::kDelphi, "DELPHI"}, {LanguageCode::kErlang, "ERLANG"},
    {LanguageCode::kRuby, "RUBY"},     {LanguageCode::kOther, "OTHER"},   {LanguageCode::kHttp, "HTTP"},
    {LanguageCode::kGo, "GO"},         {LanguageCode::kPhp, "PHP"},       {LanguageCode::kOms, "OMS"},
    {LanguageCode::kRust, "RUST"},     {LanguageCode::kNodeJs, "NODE_JS"},
};
}  // namespace

const char* LanguageName(LanguageCode c) {
  for (const auto& e : kLanguages)
    if (e.code == c) return e.name;
  return "OTHER";
}

bool ParseLanguage(std::string_view name, LanguageCode* out) {
  for (const auto& e : kLanguages) {
    if (name == e.name) {
      *out = e.code;
      return true;
    }
  }
  return false;
}

size_t RemotingCommand::BodySize() const {
  size_t n = Body().size();
  for (auto v : extra_body) n += v.size();
  return n;
}

RemotingCommand RemotingCommand::CreateResponse(int32_t code, std::string remark) {
  RemotingCommand c;
  c.code = code;
  c.flag = kFlagResponse;
  if (!remark.empty()) c.remark = std::move(remark);
  return c;
}

RemotingCommand RemotingCommand::CreateRequest(int32_t code) {
  RemotingCommand c;
  c.code = code;
  return c;
}

Result<RemotingCommand> DecodeFrame(std::string_view frame) {
  if (frame.size() < 4) return Status::Corruption("frame shorter than its header-length word");
  uint32_t info = DecodeFixed32(frame.data());
  uint8_t type = static_cast<uint8_t>(info >> 24);
  uint32_t header_len = info & 0x00FFFFFF;
  if (header_len > frame.size() - 4) return Status::Corruption("header length exceeds frame");
  std::string_view header = frame.substr(4, header_len);
  RemotingCommand cmd;
  Status s;
  if (type == static_cast<uint8_t>(SerializeType::kJson)) {
    cmd.serialize_type = SerializeType::kJson;
    s = DecodeJsonHeader(header, &cmd);
  } else if (type == static_cast<uint8_t>(SerializeType::kRocketMQ)) {
    cmd.serialize_type = SerializeType::kRocketMQ;
    s = DecodeRocketMQHeader(header, &cmd);
  } else {
    return Status::Corruption("unknown serialize type " + std::to_string(type));
  }
  if (!s.ok()) return s;
  cmd.SetBodyView(frame.substr(4 + header_len));
  return cmd;
}

std::string EncodeFrameHeader(const RemotingCommand& cmd) {
  std::string out(8, '\0');
  if (cmd.serialize_type == SerializeType::kRocketMQ) {
    EncodeRocketMQHeader(cmd, &out);
  } else {
    EncodeJsonHeader(cmd, &out);
  }
  uint32_t header_len = static_cast<uint32_t>(out.size() - 8);
  uint64_t total = 4 + uint64_t(header_len) + cmd.BodySize();
  EncodeFixed32(out.data(), static_cast<uint32_t>(total));
  EncodeFixed32(out.data() + 4, (uint32_t(static_cast<uint8_t>(cmd.serialize_type)) << 24) | (header_len & 0xFFFFFF));
  return out;
}

std::string EncodeFrame(const RemotingCommand& cmd) {
  std::string out = EncodeFrameHeader(cmd);
  out.append(cmd.Body());
  for (auto v : cmd.extra_body) out.append(v);
  return out;
}

}  // namespace rmq::protocol
