// What a request asks of the ACL (mirrors PlainAccessValidator.parse, 4.9.x): its credentials,
// the signed content and the (resource, permission) pairs its request code needs. Which
// resources a code names is its AclResourceRule, one column of the request table
// (server/request_table.cc, read by Dispatcher::Dispatch); codes whose rule is kNone (and
// codes rmqd does not serve) need no resource permission, only a valid signature (and admin
// codes an admin). Pure; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "protocol/remoting_command.h"

namespace rmq::acl {

// How a request code names its resources (the cases of Java's parse switch).
enum class AclRule : uint8_t {
  kNone,               // no resource: only the signature (and, for admin codes, the account) is checked
  kSend,               // topic PUB; a retry topic instead needs SUB on the group field's retry topic
  kGroupSub,           // %RETRY%<group> SUB
  kTopicSub,           // topic SUB
  kTopicThenGroupSub,  // topic SUB, %RETRY%<group> SUB
  kGroupThenTopicSub,  // %RETRY%<group> SUB, topic SUB
  kHeartbeat,          // per consumer in the body: %RETRY%<group> SUB, each subscribed topic SUB
};

// A request code's rule and the extFields its topic and group are read from.
struct AclResourceRule {
  AclRule rule = AclRule::kNone;
  const char* topic_key = nullptr;
  const char* group_key = nullptr;
};

struct AccessResource {
  int32_t request_code = 0;
  std::string remote_ip;                   // Java's whiteRemoteAddress of the request
  std::optional<std::string> access_key;   // extFields AccessKey
  std::optional<std::string> signature;    // extFields Signature
  std::optional<std::string> security_token;
  // (resource, needed permission) in Java's HashMap iteration order, which decides which failure
  // is reported first; groups appear as their retry topic.
  std::vector<std::pair<std::string, uint8_t>> resources;
  bool has_resources = false;
  // The signed text as 4.9.x brokers compute it (without _UNIQUE_KEY_QUERY), and, when the
  // request carries that field, the text with it (what clients sign).
  std::string content;
  std::optional<std::string> content_with_unique_key;
  // Set when the resources could not be read (a bad heartbeat body): Java's message.
  std::optional<std::string> parse_error;
};

// `rule` is the request code's row in the request table (kNone for codes not served).
AccessResource ParseAccessResource(const protocol::RemotingCommand& req, std::string_view remote_ip,
                                   const AclResourceRule& rule);

// Orders (key, value) pairs as a java.util.HashMap<String, Byte> filled in this order iterates
// (later duplicates replace the value in place).
std::vector<std::pair<std::string, uint8_t>> JavaHashMapOrder(const std::vector<std::pair<std::string, uint8_t>>& in);

}  // namespace rmq::acl
