// The request table: one row per request code rmqd serves, with every per-code rule as a column
// (RequestRules in dispatcher.h): the ACL resources it names, whether it is flow-controlled as a
// send, and whether it writes (refused on a slave). A new code is one row plus one handler
// function; Dispatcher::Dispatch enforces the columns, so no other file keeps a list of codes.
#include "protocol/request_code.h"
#include "server/handlers/handlers.h"

namespace rmq::server {

namespace {

using RC = protocol::RequestCode;
constexpr uint32_t kN = kRoleNamesrv;
constexpr uint32_t kB = kRoleBroker;

using acl::AclRule;
constexpr acl::AclResourceRule kNoAcl{};  // only the signature is checked

// ROW(code, roles, handler[, RequestRules designated fields]); rules default to none.
#define ROW(code, roles, fn, ...) {static_cast<int32_t>(RC::code), #code, roles, fn, {__VA_ARGS__}}

// Java's ACL (PlainAccessValidator.parse, 4.9.x) reads SEND_MESSAGE's group from "group", a field
// that request does not have, so its retry-topic case checks nothing; SEND_BATCH_MESSAGE and
// LITE_PULL_MESSAGE are not mapped in 4.9.x. Flow control is Java's send executor's codes.

constexpr RequestSpec kRequests[] = {
    // NameServer
    ROW(kRegisterBroker, kN, HandleRegisterBroker),
    ROW(kUnregisterBroker, kN, HandleUnregisterBroker),
    ROW(kQueryDataVersion, kN, HandleQueryDataVersion),
    ROW(kGetRouteinfoByTopic, kN, HandleGetRouteInfoByTopic),
    ROW(kGetBrokerClusterInfo, kN, HandleGetBrokerClusterInfo),
    ROW(kGetAllTopicListFromNameserver, kN, HandleGetAllTopicListFromNamesrv),
    ROW(kGetTopicsByCluster, kN, HandleGetTopicsByCluster),
    ROW(kGetSystemTopicListFromNs, kN, HandleGetSystemTopicListFromNs),
    ROW(kGetUnitTopicList, kN, HandleGetUnitTopicList),
    ROW(kGetHasUnitSubTopicList, kN, HandleGetUnitTopicList),
    ROW(kGetHasUnitSubUnunitTopicList, kN, HandleGetUnitTopicList),
    ROW(kDeleteTopicInNamesrv, kN, HandleDeleteTopicInNamesrv),
    ROW(kWipeWritePermOfBroker, kN, HandleWipeWritePermOfBroker),
    ROW(kAddWritePermOfBroker, kN, HandleWipeWritePermOfBroker),
    ROW(kPutKvConfig, kN, HandlePutKvConfig),
    ROW(kGetKvConfig, kN, HandleGetKvConfig),
    ROW(kDeleteKvConfig, kN, HandleDeleteKvConfig),
    ROW(kGetKvlistByNamespace, kN, HandleGetKvListByNamespace),
    ROW(kGetNamesrvConfig, kN, HandleGetNamesrvConfig),
    // Broker: messages
    ROW(kSendMessage, kB, HandleSendMessage, .acl = {AclRule::kSend, "topic", "group"}, .flow_controlled = true,
        .writes = Writes::kMessage),
    ROW(kSendMessageV2, kB, HandleSendMessage, .acl = {AclRule::kSend, "b", "a"}, .flow_controlled = true,
        .writes = Writes::kMessage),
    ROW(kSendBatchMessage, kB, HandleSendBatchMessage, .acl = kNoAcl, .flow_controlled = true, .writes = Writes::kMessage),
    ROW(kPullMessage, kB, HandlePullMessage, .acl = {AclRule::kTopicThenGroupSub, "topic", "consumerGroup"}),
    ROW(kLitePullMessage, kB, HandlePullMessage),
    ROW(kViewMessageById, kB, HandleViewMessageById),
    ROW(kQueryMessage, kB, HandleQueryMessage, .acl = {AclRule::kTopicSub, "topic", nullptr}),
    ROW(kConsumerSendMsgBack, kB, HandleConsumerSendMsgBack, .acl = {AclRule::kGroupSub, nullptr, "group"},
        .flow_controlled = true, .writes = Writes::kSendBack),
    ROW(kEndTransaction, kB, HandleEndTransaction, .acl = kNoAcl, .writes = Writes::kEndTransaction),
    ROW(kSendReplyMessage, kB, HandleSendReplyMessage, .acl = kNoAcl, .writes = Writes::kReply),
    ROW(kSendReplyMessageV2, kB, HandleSendReplyMessage, .acl = kNoAcl, .writes = Writes::kReply),
    // Broker: clients and offsets
    ROW(kHeartBeat, kB, HandleHeartBeat, .acl = {AclRule::kHeartbeat}),
    ROW(kUnregisterClient, kB, HandleUnregisterClient, .acl = {AclRule::kGroupSub, nullptr, "consumerGroup"}),
    ROW(kGetConsumerListByGroup, kB, HandleGetConsumerListByGroup,
        .acl = {AclRule::kGroupSub, nullptr, "consumerGroup"}),
    ROW(kQueryConsumerOffset, kB, HandleQueryConsumerOffset),
    ROW(kUpdateConsumerOffset, kB, HandleUpdateConsumerOffset,
        .acl = {AclRule::kGroupThenTopicSub, "topic", "consumerGroup"}),
    ROW(kGetMaxOffset, kB, HandleGetMaxOffset),
    ROW(kGetMinOffset, kB, HandleGetMinOffset),
    ROW(kSearchOffsetByTimestamp, kB, HandleSearchOffsetByTimestamp),
    ROW(kGetEarliestMsgStoretime, kB, HandleGetEarliestMsgStoretime),
    ROW(kLockBatchMq, kB, HandleLockBatchMq),
    ROW(kUnlockBatchMq, kB, HandleLockBatchMq),
    ROW(kCheckClientConfig, kB, HandleCheckClientConfig),
    // Broker: administration
    ROW(kUpdateAndCreateTopic, kB, HandleUpdateAndCreateTopic),
    ROW(kDeleteTopicInBroker, kB, HandleDeleteTopicInBroker),
    ROW(kGetAllTopicConfig, kB, HandleGetAllTopicConfig),
    ROW(kGetSystemTopicListFromBroker, kB, HandleGetSystemTopicListFromBroker),
    ROW(kCleanExpiredConsumequeue, kB, HandleCleanExpiredConsumeQueue),
    ROW(kDeleteExpiredCommitlog, kB, HandleDeleteExpiredCommitLog),
    ROW(kGetBrokerConfig, kB, HandleGetBrokerConfig),
    ROW(kGetBrokerRuntimeInfo, kB, HandleGetBrokerRuntimeInfo),
    ROW(kGetTopicStatsInfo, kB, HandleGetTopicStatsInfo),
    ROW(kGetConsumeStats, kB, HandleGetConsumeStats),
    ROW(kGetConsumerConnectionList, kB, HandleGetConsumerConnectionList),
    ROW(kGetProducerConnectionList, kB, HandleGetProducerConnectionList),
    ROW(kGetAllConsumerOffset, kB, HandleGetAllConsumerOffset),
    ROW(kGetAllDelayOffset, kB, HandleGetAllDelayOffset),
    ROW(kGetAllSubscriptionGroupConfig, kB, HandleGetAllSubscriptionGroupConfig),
    ROW(kUpdateAndCreateSubscriptionGroup, kB, HandleUpdateAndCreateSubscriptionGroup),
    ROW(kDeleteSubscriptionGroup, kB, HandleDeleteSubscriptionGroup),
    ROW(kQueryTopicConsumeByWho, kB, HandleQueryTopicConsumeByWho),
    ROW(kGetConsumerRunningInfo, kB, HandleGetConsumerRunningInfo),
    ROW(kConsumeMessageDirectly, kB, HandleConsumeMessageDirectly),
    ROW(kInvokeBrokerToResetOffset, kB, HandleInvokeBrokerToResetOffset),
    ROW(kCloneGroupOffset, kB, HandleCloneGroupOffset),
    ROW(kQueryConsumeTimeSpan, kB, HandleQueryConsumeTimeSpan),
    // Broker: ACL 1.0 administration (the ACL check itself is Dispatcher's gate)
    ROW(kUpdateAndCreateAclConfig, kB, HandleUpdateAndCreateAclConfig),
    ROW(kDeleteAclConfig, kB, HandleDeleteAclConfig),
    ROW(kGetBrokerClusterAclInfo, kB, HandleGetBrokerClusterAclInfo),
    ROW(kUpdateGlobalWhiteAddrsConfig, kB, HandleUpdateGlobalWhiteAddrsConfig),
    ROW(kGetBrokerClusterAclConfig, kB, HandleGetBrokerClusterAclConfig),
};

#undef ROW

// Direct index by code for the codes below kIndexed (all but the POP family), built once.
constexpr int32_t kIndexed = 1024;
struct Index {
  const RequestSpec* namesrv[kIndexed] = {};
  const RequestSpec* broker[kIndexed] = {};
  Index() {
    for (const auto& r : kRequests) {
      if (r.code < 0 || r.code >= kIndexed) continue;
      if (r.roles & kRoleNamesrv) namesrv[r.code] = &r;
      if (r.roles & kRoleBroker) broker[r.code] = &r;
    }
  }
};

}  // namespace

const RequestSpec* FindRequestSpec(int32_t code, uint32_t role) {
  static const Index index;
  if (code >= 0 && code < kIndexed) {
    if (role & kRoleBroker) return index.broker[code];
    if (role & kRoleNamesrv) return index.namesrv[code];
    return nullptr;
  }
  for (const auto& r : kRequests)
    if (r.code == code && (r.roles & role)) return &r;
  return nullptr;
}

acl::AclResourceRule AclRuleForCode(int32_t code) {
  const RequestSpec* spec = FindRequestSpec(code, kRoleBroker);
  return spec ? spec->rules.acl : acl::AclResourceRule{};
}

size_t RequestSpecCount() { return sizeof(kRequests) / sizeof(kRequests[0]); }
const RequestSpec& RequestSpecAt(size_t i) { return kRequests[i]; }

}  // namespace rmq::server
