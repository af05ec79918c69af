// PullMessageService: the broker's read path for PULL_MESSAGE and LITE_PULL_MESSAGE (mirrors
// Java's PullMessageProcessor + PullRequestHoldService): the group/topic/queue checks, the
// subscription (from the pull header or the consumer's heartbeat), the TAG / SQL92 filters, the
// store read and its response header, the consumer-offset commit piggybacked on a pull, and
// suspending a pull that found nothing (long polling, or Java's short polling when
// longPollingEnable=false).
//
// Users: pull_handlers.cc (PULL_MESSAGE), and the POP issue, which reuses the checks, the
// subscription and filter building and the hold queue for its own requests. Messages stored by any
// path (send, reply, send-back, schedule/timer delivery, transaction commit) wake held pulls via
// OnMessagesStored. Loop thread only.
//
// Timers (Start/Stop): every 100 ms the held pulls whose suspend time ran out are answered; with
// longPollingEnable=false, every shortPollingTimeMills each held queue is checked against its max
// offset. A close handler drops the held pulls of a closed connection.
#pragma once

#include <cstdint>

#include "protocol/headers/message_headers.h"
#include "protocol/remoting_command.h"
#include "server/broker/client_manager.h"
#include "server/broker/consumer_offset_manager.h"
#include "server/broker/pull_request_hold_service.h"
#include "server/broker/subscription_group_manager.h"
#include "server/broker/topic_config_manager.h"
#include "server/config.h"
#include "server/remoting_server.h"
#include "server/service_timers.h"
#include "store/message_store.h"

namespace rmq::server {

class PullMessageService {
 public:
  // `get_message_total` counts the messages answered (GET_BROKER_RUNTIME_INFO).
  PullMessageService(RemotingServer& server, const BrokerConfig& config, store::MessageStore& store,
                     TopicConfigManager& topics, SubscriptionGroupManager& groups, ClientManager& clients,
                     ConsumerOffsetManager& offsets, int64_t* get_message_total);
  PullMessageService(const PullMessageService&) = delete;
  PullMessageService& operator=(const PullMessageService&) = delete;

  void Start();
  // Removes the timers and the close handler. Held pulls stay unanswered (their connections are
  // about to close).
  void Stop();

  // The pull path. Returns true when the pull was parked (answered later); else *resp is the answer.
  bool ProcessPull(const protocol::PullMessageRequestHeader& h, const ReplyTarget& to, bool allow_suspend,
                   protocol::RemotingCommand* resp);
  // Messages arrived on topic/queue: wakes the pulls held there (long polling only).
  void OnMessagesStored(const std::string& topic, int32_t queue_id);
  size_t held() const { return holds_.size(); }

  // The steps of ProcessPull, public for POP (same checks, same answers). Each fills *resp with
  // the refusal and returns false when the request cannot go on.
  bool CheckGroupAndTopic(const protocol::PullMessageRequestHeader& h, const ReplyTarget& to,
                          const SubscriptionGroupConfig** group, protocol::RemotingCommand* resp);
  bool ResolveSubscription(const protocol::PullMessageRequestHeader& h, const SubscriptionGroupConfig& group,
                           SubscriptionData* sub, protocol::RemotingCommand* resp);
  bool BuildRecordFilter(const protocol::PullMessageRequestHeader& h, const SubscriptionData& sub,
                         store::RecordFilter* filter, protocol::RemotingCommand* resp);
  // filterSupportRetry: a retry-topic record is matched against its group's SQL92 filter of the
  // record's original topic (Java's ExpressionForRetryMessageFilter). Empty when nothing applies.
  store::RecordFilter RetryTopicFilter(const protocol::PullMessageRequestHeader& h);

 private:
  // Reads, fills the response, commits the piggybacked offset, and holds a pull that found nothing.
  bool ReadAndAnswer(const protocol::PullMessageRequestHeader& h, const ReplyTarget& to, bool allow_suspend,
                     const SubscriptionData& sub, const store::RecordFilter& filter, protocol::RemotingCommand* resp);

  RemotingServer& server_;
  const BrokerConfig& config_;
  store::MessageStore& store_;
  TopicConfigManager& topics_;
  SubscriptionGroupManager& groups_;
  ClientManager& clients_;
  ConsumerOffsetManager& offsets_;
  int64_t* get_message_total_;
  PullRequestHoldService holds_;
  ServiceTimers timers_;
};

}  // namespace rmq::server
