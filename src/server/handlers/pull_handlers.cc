// PULL_MESSAGE and LITE_PULL_MESSAGE (mirrors Java's PullMessageProcessor), with long polling.
#include <memory>

#include "common/logging.h"
#include "filter/sql_expression.h"
#include "protocol/message.h"
#include "store/commit_log_record.h"
#include "server/broker/broker_controller.h"
#include "server/handlers/handlers.h"

namespace rmq::server {

using protocol::PullMessageRequestHeader;
using protocol::RemotingCommand;
using protocol::ResponseCode;
using store::GetMessageStatus;

namespace {

constexpr const char* kFaq = "\nSee http://rocketmq.apache.org/docs/faq/ for further details.";

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

}  // namespace

bool BrokerController::ProcessPull(const PullMessageRequestHeader& h, const ReplyTarget& to, bool allow_suspend,
                                   RemotingCommand* resp) {
  const SubscriptionGroupConfig* group = groups_.FindOrCreate(h.consumer_group);
  if (group == nullptr) {
    *resp = ErrorResponse(ResponseCode::kSubscriptionGroupNotExist,
                          "subscription group [" + h.consumer_group + "] does not exist," + kFaq);
    return false;
  }
  if (!group->consume_enable) {
    *resp = ErrorResponse(ResponseCode::kNoPermission, "subscription group no permission, " + h.consumer_group);
    return false;
  }
  const TopicConfig* tc = topics_.Find(h.topic);
  if (tc == nullptr) {
    *resp = ErrorResponse(ResponseCode::kTopicNotExist, "topic[" + h.topic + "] not exist, apply first please!" + kFaq);
    return false;
  }
  if (!IsReadable(tc->perm)) {
    *resp = ErrorResponse(ResponseCode::kNoPermission, "the topic[" + h.topic + "] pulling message is forbidden");
    return false;
  }
  if (h.queue_id < 0 || h.queue_id >= tc->read_queue_nums) {
    *resp = ErrorResponse(ResponseCode::kSystemError,
                          "queueId[" + std::to_string(h.queue_id) + "] is illegal, topic:[" + h.topic +
                              "] topicConfig.readQueueNums:[" + std::to_string(tc->read_queue_nums) +
                              "] consumer:[" + (server_.Find(to.conn) ? server_.Find(to.conn)->remote_addr() : std::string()) + "]");
    return false;
  }

  SubscriptionData sub;
  if (h.sys_flag & protocol::kPullFlagSubscription) {
    // Java's FilterAPI.build refuses only an empty non-TAG expression here.
    if (h.subscription.empty() && !h.expression_type.empty() && h.expression_type != "TAG") {
      *resp = ErrorResponse(ResponseCode::kSubscriptionParseFailed, "parse the consumer's subscription failed");
      return false;
    }
    sub = BuildSubscription(h.topic, h.subscription, h.expression_type);
  } else {
    const ConsumerGroupInfo* info = clients_.FindConsumerGroup(h.consumer_group);
    if (info == nullptr) {
      *resp = ErrorResponse(ResponseCode::kSubscriptionNotExist,
                            "the consumer's group info not exist" + std::string(kFaq));
      return false;
    }
    if (!group->consume_broadcast_enable && info->message_model == "BROADCASTING") {
      *resp = ErrorResponse(ResponseCode::kNoPermission,
                            "the consumer group[" + h.consumer_group + "] can not consume by broadcast way");
      return false;
    }
    auto it = info->subscriptions.find(h.topic);
    if (it == info->subscriptions.end()) {
      *resp = ErrorResponse(ResponseCode::kSubscriptionNotExist, "the consumer's subscription not exist" + std::string(kFaq));
      return false;
    }
    if (it->second.sub_version < h.sub_version) {
      *resp = ErrorResponse(ResponseCode::kSubscriptionNotLatest, "the consumer's subscription not latest");
      return false;
    }
    sub = it->second;
  }
  // SQL92 (Java's ExpressionMessageFilter): every ConsumeQueue entry passes, then each record is
  // evaluated on its properties. Retry-topic messages are evaluated against the group's filter of
  // their original topic only with filterSupportRetry (ExpressionForRetryMessageFilter).
  std::shared_ptr<const filter::SqlExpression> sql;
  if (sub.expression_type != "TAG") {
    if (!config_.enable_property_filter) {
      *resp = ErrorResponse(ResponseCode::kSystemError,
                            "The broker does not support consumer to filter message by " + sub.expression_type);
      return false;
    }
    auto compiled = sub.expression_type == filter::kSql92 ? filter::CompileCached(sub.sub_string)
                                                          : Result<std::shared_ptr<const filter::SqlExpression>>(
                                                                Status::NotSupported(sub.expression_type));
    if (compiled.ok()) {
      sql = compiled.value();
    } else if (!(h.sys_flag & protocol::kPullFlagSubscription)) {
      // Java registered no filter data for the heartbeat's expression.
      *resp = ErrorResponse(ResponseCode::kFilterDataNotExist,
                            "The broker's consumer filter data is not exist!Your expression may be wrong!");
      return false;
    }
    // An expression in the pull header that does not compile filters nothing: Java 4.9.7's
    // ConsumerFilterManager.build returns null (the assert after it is off), and ExpressionMessageFilter
    // without compiled filter data passes every message.
  }
  store::RecordFilter record_filter;
  if (sql != nullptr) {
    record_filter = [sql](std::string_view rec) {
      store::RecordView view;
      if (!store::DecodeRecord(rec, &view, false).ok()) return false;
      return sql->MatchesProperties(view.properties);
    };
  } else if (config_.enable_property_filter && config_.filter_support_retry &&
             h.topic.rfind(kRetryGroupTopicPrefix, 0) == 0) {
    const ConsumerGroupInfo* info = clients_.FindConsumerGroup(h.consumer_group);
    if (info != nullptr) {
      std::map<std::string, std::shared_ptr<const filter::SqlExpression>> by_topic;
      for (const auto& [topic, s] : info->subscriptions) {
        if (s.expression_type != filter::kSql92) continue;
        auto compiled = filter::CompileCached(s.sub_string);
        if (compiled.ok()) by_topic[topic] = compiled.value();
      }
      if (!by_topic.empty()) {
        record_filter = [by_topic = std::move(by_topic)](std::string_view rec) {
          store::RecordView view;
          if (!store::DecodeRecord(rec, &view, false).ok()) return false;
          std::string_view real_topic;
          if (!protocol::PropertiesView(view.properties).Get(protocol::kPropertyRetryTopic, &real_topic)) return true;
          auto it = by_topic.find(std::string(real_topic));
          return it == by_topic.end() || it->second->MatchesProperties(view.properties);
        };
      }
    }
  }

  auto result = std::make_shared<store::GetMessageResult>(store_->GetMessage(
      h.topic, h.queue_id, h.queue_offset, h.max_msg_nums,
      [&sub](int64_t tags_code) { return sub.MatchesTagsCode(tags_code); }, &record_filter));

  *resp = RemotingCommand::CreateResponse(static_cast<int32_t>(PullCodeOf(result->status, h.queue_offset)),
                                          store::GetMessageStatusName(result->status));
  resp->ext_fields.SetInt("suggestWhichBrokerId", 0);
  resp->ext_fields.SetInt("nextBeginOffset", result->next_begin_offset);
  resp->ext_fields.SetInt("minOffset", result->min_offset);
  resp->ext_fields.SetInt("maxOffset", result->max_offset);

  bool has_commit = (h.sys_flag & protocol::kPullFlagCommitOffset) != 0;
  if (allow_suspend && has_commit) offsets_.CommitOffset(h.consumer_group, h.topic, h.queue_id, h.commit_offset);

  if (result->status == GetMessageStatus::kFound) {
    get_message_total += static_cast<int64_t>(result->messages.size());
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

HandlerResult HandlePullMessage(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  PullMessageRequestHeader h;
  Status s = PullMessageRequestHeader::Decode(req.ext_fields, &h);
  if (!s.ok()) {
    *resp = ErrorResponse(ResponseCode::kSystemError, s.message());
    return HandlerResult::kRespond;
  }
  return ctx.broker->ProcessPull(h, ctx.reply_to, true, resp) ? HandlerResult::kDeferred : HandlerResult::kRespond;
}

}  // namespace rmq::server
