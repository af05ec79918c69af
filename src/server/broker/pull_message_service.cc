#include "server/broker/pull_message_service.h"

#include <algorithm>
#include <map>
#include <memory>

#include "filter/sql_expression.h"
#include "protocol/message.h"
#include "protocol/response_code.h"
#include "server/dispatcher.h"
#include "server/topic_config.h"
#include "store/commit_log_record.h"

namespace rmq::server {

using protocol::PullMessageRequestHeader;
using protocol::RemotingCommand;
using protocol::ResponseCode;
using store::GetMessageStatus;

namespace {

constexpr const char* kFaq = "\nSee http://rocketmq.apache.org/docs/faq/ for further details.";
constexpr uint64_t kHoldCheckIntervalMs = 100;

ResponseCode PullCodeOf(GetMessageStatus s, int64_t requested_offset) {
  switch (s) {
    case GetMessageStatus::kFound: return ResponseCode::kSuccess;
    case GetMessageStatus::kMessageWasRemoving:
    case GetMessageStatus::kNoMatchedMessage: return ResponseCode::kPullRetryImmediately;
    case GetMessageStatus::kNoMatchedLogicQueue:
    case GetMessageStatus::kNoMessageInQueue:
      return requested_offset != 0 ? ResponseCode::kPullOffsetMoved : ResponseCode::kPullNotFound;
    case GetMessageStatus::kOffsetFoundNull:
    case GetMessageStatus::kOffsetOverflowOne: return ResponseCode::kPullNotFound;
    case GetMessageStatus::kOffsetOverflowBadly:
    case GetMessageStatus::kOffsetTooSmall: return ResponseCode::kPullOffsetMoved;
  }
  return ResponseCode::kPullNotFound;
}

bool Refuse(ResponseCode code, std::string remark, RemotingCommand* resp) {
  *resp = ErrorResponse(code, std::move(remark));
  return false;
}

}  // namespace

PullMessageService::PullMessageService(RemotingServer& server, const BrokerConfig& config, store::MessageStore& store,
                                       TopicConfigManager& topics, SubscriptionGroupManager& groups,
                                       ClientManager& clients, ConsumerOffsetManager& offsets,
                                       int64_t* get_message_total)
    : server_(server),
      config_(config),
      store_(store),
      topics_(topics),
      groups_(groups),
      clients_(clients),
      offsets_(offsets),
      get_message_total_(get_message_total),
      holds_([this](HeldPull& p) {
        RemotingCommand resp;
        ProcessPull(p.header, p.to, false, &resp);
        server_.Reply(p.to, std::move(resp));
      }) {}

void PullMessageService::Start() {
  timers_.OnClose(server_, [this](Connection& c) { holds_.OnConnectionClosed(c.id()); });
  if (config_.long_polling_enable) {
    timers_.Add(server_, kHoldCheckIntervalMs, kHoldCheckIntervalMs, [this] { holds_.CheckTimeouts(server_.NowMs()); });
    return;
  }
  // Java's PullRequestHoldService with longPollingEnable=false: one check per period answers the
  // held pulls that can read something or whose hold has run out; arrivals wake nothing.
  const auto period = static_cast<uint64_t>(std::max<int64_t>(1, config_.short_polling_time_mills));
  timers_.Add(server_, period, period, [this] {
    holds_.CheckAll(server_.NowMs(), [this](const std::string& topic, int32_t queue_id) {
      return store_.GetMaxOffsetInQueue(topic, queue_id);
    });
  });
}

void PullMessageService::Stop() { timers_.Clear(); }

void PullMessageService::OnMessagesStored(const std::string& topic, int32_t queue_id) {
  if (holds_.size() == 0 || !config_.long_polling_enable) return;  // short polling: CheckAll finds it
  holds_.NotifyMessageArriving(topic, queue_id, store_.GetMaxOffsetInQueue(topic, queue_id));
}

bool PullMessageService::ProcessPull(const PullMessageRequestHeader& h, const ReplyTarget& to, bool allow_suspend,
                                     RemotingCommand* resp) {
  const SubscriptionGroupConfig* group = nullptr;
  if (!CheckGroupAndTopic(h, to, &group, resp)) return false;
  SubscriptionData sub;
  if (!ResolveSubscription(h, *group, &sub, resp)) return false;
  store::RecordFilter record_filter;
  if (!BuildRecordFilter(h, sub, &record_filter, resp)) return false;
  return ReadAndAnswer(h, to, allow_suspend, sub, record_filter, resp);
}

bool PullMessageService::CheckGroupAndTopic(const PullMessageRequestHeader& h, const ReplyTarget& to,
                                            const SubscriptionGroupConfig** group, RemotingCommand* resp) {
  *group = groups_.FindOrCreate(h.consumer_group);
  if (*group == nullptr) {
    return Refuse(ResponseCode::kSubscriptionGroupNotExist,
                  "subscription group [" + h.consumer_group + "] does not exist," + kFaq, resp);
  }
  if (!(*group)->consume_enable) {
    return Refuse(ResponseCode::kNoPermission, "subscription group no permission, " + h.consumer_group, resp);
  }
  const TopicConfig* tc = topics_.Find(h.topic);
  if (tc == nullptr) {
    return Refuse(ResponseCode::kTopicNotExist, "topic[" + h.topic + "] not exist, apply first please!" + kFaq, resp);
  }
  if (!IsReadable(tc->perm)) {
    return Refuse(ResponseCode::kNoPermission, "the topic[" + h.topic + "] pulling message is forbidden", resp);
  }
  if (h.queue_id < 0 || h.queue_id >= tc->read_queue_nums) {
    Connection* c = server_.Find(to.conn);
    return Refuse(ResponseCode::kSystemError,
                  "queueId[" + std::to_string(h.queue_id) + "] is illegal, topic:[" + h.topic +
                      "] topicConfig.readQueueNums:[" + std::to_string(tc->read_queue_nums) + "] consumer:[" +
                      (c ? c->remote_addr() : std::string()) + "]",
                  resp);
  }
  return true;
}

bool PullMessageService::ResolveSubscription(const PullMessageRequestHeader& h, const SubscriptionGroupConfig& group,
                                             SubscriptionData* sub, RemotingCommand* resp) {
  if (h.sys_flag & protocol::kPullFlagSubscription) {
    // Java's FilterAPI.build refuses only an empty non-TAG expression here.
    if (h.subscription.empty() && !h.expression_type.empty() && h.expression_type != "TAG") {
      return Refuse(ResponseCode::kSubscriptionParseFailed, "parse the consumer's subscription failed", resp);
    }
    *sub = BuildSubscription(h.topic, h.subscription, h.expression_type);
    return true;
  }
  const ConsumerGroupInfo* info = clients_.FindConsumerGroup(h.consumer_group);
  if (info == nullptr) {
    return Refuse(ResponseCode::kSubscriptionNotExist, "the consumer's group info not exist" + std::string(kFaq), resp);
  }
  if (!group.consume_broadcast_enable && info->message_model == "BROADCASTING") {
    return Refuse(ResponseCode::kNoPermission,
                  "the consumer group[" + h.consumer_group + "] can not consume by broadcast way", resp);
  }
  auto it = info->subscriptions.find(h.topic);
  if (it == info->subscriptions.end()) {
    return Refuse(ResponseCode::kSubscriptionNotExist, "the consumer's subscription not exist" + std::string(kFaq), resp);
  }
  if (it->second.sub_version < h.sub_version) {
    return Refuse(ResponseCode::kSubscriptionNotLatest, "the consumer's subscription not latest", resp);
  }
  *sub = it->second;
  return true;
}

bool PullMessageService::BuildRecordFilter(const PullMessageRequestHeader& h, const SubscriptionData& sub,
                                           store::RecordFilter* filter, RemotingCommand* resp) {
  // SQL92 (Java's ExpressionMessageFilter): every ConsumeQueue entry passes, then each record is
  // evaluated on its properties.
  std::shared_ptr<const filter::SqlExpression> sql;
  if (sub.expression_type != "TAG") {
    if (!config_.enable_property_filter) {
      return Refuse(ResponseCode::kSystemError,
                    "The broker does not support consumer to filter message by " + sub.expression_type, resp);
    }
    auto compiled = sub.expression_type == filter::kSql92 ? filter::CompileCached(sub.sub_string)
                                                          : Result<std::shared_ptr<const filter::SqlExpression>>(
                                                                Status::NotSupported(sub.expression_type));
    if (compiled.ok()) {
      sql = compiled.value();
    } else if (!(h.sys_flag & protocol::kPullFlagSubscription)) {
      // Java registered no filter data for the heartbeat's expression.
      return Refuse(ResponseCode::kFilterDataNotExist,
                    "The broker's consumer filter data is not exist!Your expression may be wrong!", resp);
    }
    // An expression in the pull header that does not compile filters nothing: Java 4.9.7's
    // ConsumerFilterManager.build returns null (the assert after it is off), and ExpressionMessageFilter
    // without compiled filter data passes every message.
  }
  if (sql != nullptr) {
    *filter = [sql](std::string_view rec) {
      store::RecordView view;
      if (!store::DecodeRecord(rec, &view, false).ok()) return false;
      return sql->MatchesProperties(view.properties);
    };
  } else if (config_.enable_property_filter && config_.filter_support_retry &&
             h.topic.rfind(kRetryGroupTopicPrefix, 0) == 0) {
    *filter = RetryTopicFilter(h);
  }
  return true;
}

store::RecordFilter PullMessageService::RetryTopicFilter(const PullMessageRequestHeader& h) {
  const ConsumerGroupInfo* info = clients_.FindConsumerGroup(h.consumer_group);
  if (info == nullptr) return {};
  std::map<std::string, std::shared_ptr<const filter::SqlExpression>> by_topic;
  for (const auto& [topic, s] : info->subscriptions) {
    if (s.expression_type != filter::kSql92) continue;
    auto compiled = filter::CompileCached(s.sub_string);
    if (compiled.ok()) by_topic[topic] = compiled.value();
  }
  if (by_topic.empty()) return {};
  return [by_topic = std::move(by_topic)](std::string_view rec) {
    store::RecordView view;
    if (!store::DecodeRecord(rec, &view, false).ok()) return false;
    std::string_view real_topic;
    if (!protocol::PropertiesView(view.properties).Get(protocol::kPropertyRetryTopic, &real_topic)) return true;
    auto it = by_topic.find(std::string(real_topic));
    return it == by_topic.end() || it->second->MatchesProperties(view.properties);
  };
}

bool PullMessageService::ReadAndAnswer(const PullMessageRequestHeader& h, const ReplyTarget& to, bool allow_suspend,
                                       const SubscriptionData& sub, const store::RecordFilter& filter,
                                       RemotingCommand* resp) {
  auto result = std::make_shared<store::GetMessageResult>(store_.GetMessage(
      h.topic, h.queue_id, h.queue_offset, h.max_msg_nums,
      [&sub](int64_t tags_code) { return sub.MatchesTagsCode(tags_code); }, &filter));

  *resp = RemotingCommand::CreateResponse(static_cast<int32_t>(PullCodeOf(result->status, h.queue_offset)),
                                          store::GetMessageStatusName(result->status));
  resp->ext_fields.SetInt("suggestWhichBrokerId", 0);
  resp->ext_fields.SetInt("nextBeginOffset", result->next_begin_offset);
  resp->ext_fields.SetInt("minOffset", result->min_offset);
  resp->ext_fields.SetInt("maxOffset", result->max_offset);

  bool has_commit = (h.sys_flag & protocol::kPullFlagCommitOffset) != 0;
  if (allow_suspend && has_commit) offsets_.CommitOffset(h.consumer_group, h.topic, h.queue_id, h.commit_offset);

  if (result->status == GetMessageStatus::kFound) {
    *get_message_total_ += static_cast<int64_t>(result->messages.size());
    resp->extra_body = result->messages;  // zero-copy: views into the mapped files
    resp->body_hold = result;
    return false;
  }
  if (resp->code == static_cast<int32_t>(ResponseCode::kPullNotFound) && allow_suspend &&
      (h.sys_flag & protocol::kPullFlagSuspend)) {
    uint64_t wait = config_.long_polling_enable ? static_cast<uint64_t>(h.suspend_timeout_millis)
                                                : static_cast<uint64_t>(config_.short_polling_time_mills);
    HeldPull p;
    p.header = h;
    p.to = to;
    p.deadline_ms = server_.NowMs() + wait;
    holds_.Hold(std::move(p));
    return true;
  }
  return false;
}

}  // namespace rmq::server
