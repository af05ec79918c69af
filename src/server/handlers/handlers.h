// Every request handler; the table in request_table.cc maps codes to them.
#pragma once

#include "protocol/headers/message_headers.h"
#include "server/dispatcher.h"

namespace rmq::server {

struct TopicConfig;
// Java's msgCheck for a send (send_handlers.cc): the topic config, or null with `resp` filled.
const TopicConfig* CheckSendMessage(RequestContext& ctx, protocol::SendMessageRequestHeader& h,
                                    protocol::RemotingCommand* resp);

#define RMQ_HANDLER(name) \
  HandlerResult name(RequestContext& ctx, const protocol::RemotingCommand& req, protocol::RemotingCommand* resp)

// NameServer (namesrv_handlers.cc)
RMQ_HANDLER(HandleRegisterBroker);
RMQ_HANDLER(HandleUnregisterBroker);
RMQ_HANDLER(HandleQueryDataVersion);
RMQ_HANDLER(HandleGetRouteInfoByTopic);
RMQ_HANDLER(HandleGetBrokerClusterInfo);
RMQ_HANDLER(HandleGetAllTopicListFromNamesrv);
RMQ_HANDLER(HandleGetTopicsByCluster);
RMQ_HANDLER(HandleGetSystemTopicListFromNs);
RMQ_HANDLER(HandleGetUnitTopicList);
RMQ_HANDLER(HandleDeleteTopicInNamesrv);
RMQ_HANDLER(HandleWipeWritePermOfBroker);
RMQ_HANDLER(HandlePutKvConfig);
RMQ_HANDLER(HandleGetKvConfig);
RMQ_HANDLER(HandleDeleteKvConfig);
RMQ_HANDLER(HandleGetKvListByNamespace);
RMQ_HANDLER(HandleGetNamesrvConfig);

// Broker: send_handlers.cc, pull_handlers.cc
RMQ_HANDLER(HandleSendMessage);
RMQ_HANDLER(HandleSendBatchMessage);
RMQ_HANDLER(HandlePullMessage);

// Broker: send_back_handlers.cc
RMQ_HANDLER(HandleConsumerSendMsgBack);
RMQ_HANDLER(HandleGetAllDelayOffset);

// Broker: consumer_manage_handlers.cc
RMQ_HANDLER(HandleHeartBeat);
RMQ_HANDLER(HandleUnregisterClient);
RMQ_HANDLER(HandleGetConsumerListByGroup);
RMQ_HANDLER(HandleQueryConsumerOffset);
RMQ_HANDLER(HandleUpdateConsumerOffset);
RMQ_HANDLER(HandleGetMaxOffset);
RMQ_HANDLER(HandleGetMinOffset);
RMQ_HANDLER(HandleSearchOffsetByTimestamp);
RMQ_HANDLER(HandleGetEarliestMsgStoretime);
RMQ_HANDLER(HandleLockBatchMq);
RMQ_HANDLER(HandleCheckClientConfig);

// Broker: admin_handlers.cc
RMQ_HANDLER(HandleUpdateAndCreateTopic);
RMQ_HANDLER(HandleDeleteTopicInBroker);
RMQ_HANDLER(HandleGetAllTopicConfig);
RMQ_HANDLER(HandleGetSystemTopicListFromBroker);
RMQ_HANDLER(HandleGetBrokerConfig);
RMQ_HANDLER(HandleGetBrokerRuntimeInfo);
RMQ_HANDLER(HandleGetTopicStatsInfo);
RMQ_HANDLER(HandleGetConsumeStats);
RMQ_HANDLER(HandleGetConsumerConnectionList);
RMQ_HANDLER(HandleGetProducerConnectionList);
RMQ_HANDLER(HandleGetAllConsumerOffset);
RMQ_HANDLER(HandleGetAllSubscriptionGroupConfig);
RMQ_HANDLER(HandleUpdateAndCreateSubscriptionGroup);
RMQ_HANDLER(HandleDeleteSubscriptionGroup);
RMQ_HANDLER(HandleQueryTopicConsumeByWho);
RMQ_HANDLER(HandleViewMessageById);

// Broker: transaction_handlers.cc, reply_handlers.cc
RMQ_HANDLER(HandleEndTransaction);
RMQ_HANDLER(HandleSendReplyMessage);

// Broker: store_admin_handlers.cc
RMQ_HANDLER(HandleDeleteExpiredCommitLog);
RMQ_HANDLER(HandleCleanExpiredConsumeQueue);

// Broker: query_handlers.cc
RMQ_HANDLER(HandleQueryMessage);

// Broker: acl_handlers.cc
RMQ_HANDLER(HandleUpdateAndCreateAclConfig);
RMQ_HANDLER(HandleDeleteAclConfig);
RMQ_HANDLER(HandleGetBrokerClusterAclInfo);
RMQ_HANDLER(HandleUpdateGlobalWhiteAddrsConfig);
RMQ_HANDLER(HandleGetBrokerClusterAclConfig);

// Broker: consumer_admin_handlers.cc
RMQ_HANDLER(HandleGetConsumerRunningInfo);
RMQ_HANDLER(HandleConsumeMessageDirectly);
RMQ_HANDLER(HandleInvokeBrokerToResetOffset);
RMQ_HANDLER(HandleCloneGroupOffset);
RMQ_HANDLER(HandleQueryConsumeTimeSpan);

#undef RMQ_HANDLER

}  // namespace rmq::server
