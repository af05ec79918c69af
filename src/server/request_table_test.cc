#include <doctest/doctest.h>

#include <set>

#include "protocol/request_code.h"
#include "server/dispatcher.h"

using namespace rmq::server;
using rmq::protocol::RequestCode;

TEST_CASE("request table: every row is found for its roles and only those") {
  std::set<std::pair<int32_t, uint32_t>> seen;
  for (size_t i = 0; i < RequestSpecCount(); ++i) {
    const RequestSpec& r = RequestSpecAt(i);
    for (uint32_t role : {uint32_t(kRoleNamesrv), uint32_t(kRoleBroker)}) {
      const RequestSpec* found = FindRequestSpec(r.code, role);
      if (r.roles & role) {
        CHECK(found == &r);
        CHECK(seen.insert({r.code, role}).second);  // no code listed twice for a role
      }
    }
    bool has_handler = r.handler != nullptr;
    CHECK(has_handler);
  }
}

TEST_CASE("request table: codes of the other role and unknown codes are not served") {
  CHECK(FindRequestSpec(static_cast<int32_t>(RequestCode::kSendMessageV2), kRoleNamesrv) == nullptr);
  CHECK(FindRequestSpec(static_cast<int32_t>(RequestCode::kRegisterBroker), kRoleBroker) == nullptr);
  CHECK(FindRequestSpec(9999, kRoleBroker) == nullptr);
  CHECK(FindRequestSpec(-5, kRoleNamesrv) == nullptr);
  CHECK(FindRequestSpec(200050, kRoleBroker) == nullptr);
  CHECK(FindRequestSpec(static_cast<int32_t>(RequestCode::kPullMessage), kRoleClient) == nullptr);
}

namespace {

int32_t Code(RequestCode c) { return static_cast<int32_t>(c); }

// The codes whose rule differs from the default, as the separate lists had them before the
// table carried the rules (acl/access_resource.cc kAclResources, broker/flow_control.cc
// IsFlowControlledSend) and the slave answers Java 4.9.7 gives.
struct Expected {
  RequestCode code;
  rmq::acl::AclRule acl;
  const char* topic_key;
  const char* group_key;
  bool flow_controlled;
  Writes writes;
};

using rmq::acl::AclRule;
const Expected kExpected[] = {
    {RequestCode::kSendMessage, AclRule::kSend, "topic", "group", true, Writes::kMessage},
    {RequestCode::kSendMessageV2, AclRule::kSend, "b", "a", true, Writes::kMessage},
    {RequestCode::kSendBatchMessage, AclRule::kNone, nullptr, nullptr, true, Writes::kMessage},
    {RequestCode::kConsumerSendMsgBack, AclRule::kGroupSub, nullptr, "group", true, Writes::kSendBack},
    {RequestCode::kPullMessage, AclRule::kTopicThenGroupSub, "topic", "consumerGroup", false, Writes::kNo},
    {RequestCode::kQueryMessage, AclRule::kTopicSub, "topic", nullptr, false, Writes::kNo},
    {RequestCode::kHeartBeat, AclRule::kHeartbeat, nullptr, nullptr, false, Writes::kNo},
    {RequestCode::kUnregisterClient, AclRule::kGroupSub, nullptr, "consumerGroup", false, Writes::kNo},
    {RequestCode::kGetConsumerListByGroup, AclRule::kGroupSub, nullptr, "consumerGroup", false, Writes::kNo},
    {RequestCode::kUpdateConsumerOffset, AclRule::kGroupThenTopicSub, "topic", "consumerGroup", false, Writes::kNo},
    {RequestCode::kEndTransaction, AclRule::kNone, nullptr, nullptr, false, Writes::kEndTransaction},
    {RequestCode::kSendReplyMessage, AclRule::kNone, nullptr, nullptr, false, Writes::kReply},
    {RequestCode::kSendReplyMessageV2, AclRule::kNone, nullptr, nullptr, false, Writes::kReply},
};

std::string Key(const char* k) { return k ? k : "(none)"; }

}  // namespace

TEST_CASE("request table: every code's ACL, flow-control and writes columns are the former lists") {
  std::set<int32_t> listed;
  for (const Expected& e : kExpected) {
    CAPTURE(Code(e.code));
    listed.insert(Code(e.code));
    const RequestSpec* spec = FindRequestSpec(Code(e.code), kRoleBroker);
    REQUIRE(spec != nullptr);
    CHECK(spec->rules.acl.rule == e.acl);
    CHECK(Key(spec->rules.acl.topic_key) == Key(e.topic_key));
    CHECK(Key(spec->rules.acl.group_key) == Key(e.group_key));
    CHECK(spec->rules.flow_controlled == e.flow_controlled);
    CHECK(spec->rules.writes == e.writes);
    CHECK(AclRuleForCode(Code(e.code)).rule == e.acl);
  }
  // Every other row (NameServer rows included) has no rule: no resources, no flow control, no write.
  for (size_t i = 0; i < RequestSpecCount(); ++i) {
    const RequestSpec& r = RequestSpecAt(i);
    if (listed.count(r.code) && (r.roles & kRoleBroker)) continue;
    CAPTURE(r.name);
    CHECK(r.rules.acl.rule == AclRule::kNone);
    CHECK(r.rules.acl.topic_key == nullptr);
    CHECK(r.rules.acl.group_key == nullptr);
    CHECK_FALSE(r.rules.flow_controlled);
    CHECK(r.rules.writes == Writes::kNo);
  }
  // What Java accepts on a slave is not a write.
  for (RequestCode c : {RequestCode::kUpdateConsumerOffset, RequestCode::kUpdateAndCreateTopic,
                        RequestCode::kUpdateAndCreateSubscriptionGroup, RequestCode::kPullMessage,
                        RequestCode::kLitePullMessage, RequestCode::kHeartBeat}) {
    CHECK(FindRequestSpec(Code(c), kRoleBroker)->rules.writes == Writes::kNo);
  }
  CHECK(AclRuleForCode(9999).rule == AclRule::kNone);  // unknown codes: signature only
}
