// RemotingCommand: one request or response of RocketMQ's remoting protocol, and the frame codec.
// Frame: len:i32 (excludes itself) | hdrInfo:i32 (serializeType<<24 | headerLen) | header | body.
// Pure bytes in, structs out: no sockets here.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "protocol/ext_fields.h"

namespace rmq::protocol {

// Mirrors SerializeType.
enum class SerializeType : uint8_t { kJson = 0, kRocketMQ = 1 };

// Mirrors LanguageCode; the byte is the binary-header value.
enum class LanguageCode : uint8_t {
  kJava = 0, kCpp = 1, kDotnet = 2, kPython = 3, kDelphi = 4, kErlang = 5, kRuby = 6,
  kOther = 7, kHttp = 8, kGo = 9, kPhp = 10, kOms = 11, kRust = 12, kNodeJs = 13,
};
const char* LanguageName(LanguageCode c);
bool ParseLanguage(std::string_view name, LanguageCode* out);

// Mirrors MQVersion.Version ordinals that rmqd reports and checks.
inline constexpr int32_t kVersionV4_9_4 = 401;
inline constexpr int32_t kVersionV4_9_8 = 409;
inline constexpr int32_t kServerVersion = kVersionV4_9_8;

inline constexpr int32_t kFlagResponse = 0x1;
inline constexpr int32_t kFlagOneway = 0x2;
inline constexpr uint32_t kDefaultMaxFrameSize = 16 * 1024 * 1024;

struct RemotingCommand {
  int32_t code = 0;
  LanguageCode language = LanguageCode::kJava;
  int32_t version = kServerVersion;
  int32_t opaque = 0;
  int32_t flag = 0;
  std::optional<std::string> remark;
  ExtFields ext_fields;
  SerializeType serialize_type = SerializeType::kJson;

  bool IsResponse() const { return (flag & kFlagResponse) != 0; }
  bool IsOneway() const { return (flag & kFlagOneway) != 0; }

  // The body. A decoded request borrows it from the frame (valid while the frame is); a
  // response usually owns it (SetBody). `extra_body` parts follow it on the wire and are
  // kept alive by `body_hold` (zero-copy pull responses point into mapped files).
  std::string_view Body() const { return owns_body_ ? std::string_view(owned_body_) : body_view_; }
  void SetBody(std::string b) { owned_body_ = std::move(b); owns_body_ = true; }
  void SetBodyView(std::string_view v) { body_view_ = v; owns_body_ = false; }
  size_t BodySize() const;
  std::vector<std::string_view> extra_body;
  std::shared_ptr<void> body_hold;

  static RemotingCommand CreateResponse(int32_t code, std::string remark = {});
  static RemotingCommand CreateRequest(int32_t code);

 private:
  std::string owned_body_;
  std::string_view body_view_;
  bool owns_body_ = false;
};

// Decodes one frame *without* its leading 4-byte length word. The body borrows `frame`.
// Fails (Corruption) on anything malformed; the caller then closes the connection.
Result<RemotingCommand> DecodeFrame(std::string_view frame);

// Encodes length word, hdrInfo and header in `cmd.serialize_type`; the body follows separately.
std::string EncodeFrameHeader(const RemotingCommand& cmd);
// Header + body in one string (tests and small messages).
std::string EncodeFrame(const RemotingCommand& cmd);

// The two header serializations (json_header.cc, rocketmq_header.cc).
Status DecodeJsonHeader(std::string_view header, RemotingCommand* cmd);
void EncodeJsonHeader(const RemotingCommand& cmd, std::string* out);
Status DecodeRocketMQHeader(std::string_view header, RemotingCommand* cmd);
void EncodeRocketMQHeader(const RemotingCommand& cmd, std::string* out);

}  // namespace rmq::protocol
