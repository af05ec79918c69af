// CONSUMER_SEND_MSG_BACK (36) and GET_ALL_DELAY_OFFSET (45): the retry/DLQ path of Java 4.9's
// SendMessageProcessor.asyncConsumerSendMsgBack and AdminBrokerProcessor.getAllDelayOffset.
#include <optional>

#include "common/logging.h"
#include "protocol/headers/message_headers.h"
#include "protocol/message.h"
#include "server/broker/broker_controller.h"
#include "server/broker/message_builder.h"
#include "server/broker/queue_picker.h"
#include "server/broker/retry_policy.h"
#include "server/handlers/handlers.h"
#include "store/commit_log_record.h"

namespace rmq::server {

using rmq::PropertyMap;
using protocol::RemotingCommand;
using protocol::ResponseCode;

namespace {

constexpr const char* kFaqSuffix = " \nSee http://rocketmq.apache.org/docs/faq/ for further details.";


}  // namespace

HandlerResult HandleConsumerSendMsgBack(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::ConsumerSendMsgBackRequestHeader h;
  RMQ_DECODE_HEADER(protocol::ConsumerSendMsgBackRequestHeader::Decode(req.ext_fields, &h), resp);

  BrokerController& b = *ctx.broker;
  const SubscriptionGroupConfig* g = b.groups().FindOrCreate(h.group);
  if (g == nullptr) {
    *resp = ErrorResponse(ResponseCode::kSubscriptionGroupNotExist, "subscription group not exist, " + h.group + kFaqSuffix);
    return HandlerResult::kRespond;
  }
  if (!IsWriteable(b.config().broker_permission)) {
    *resp = ErrorResponse(ResponseCode::kNoPermission, "the broker[" + b.config().broker_ip1 + "] sending message is forbidden");
    return HandlerResult::kRespond;
  }
  // Java answers SUCCESS and drops the message when the group has no retry queues.
  if (g->retry_queue_nums <= 0) return HandlerResult::kRespond;
  const int32_t retry_queue_nums = g->retry_queue_nums;
  const int32_t group_max_times = g->retry_max_times;

  std::string topic = RetryTopicOf(h.group);
  int32_t queue_id = PickQueueId(-1, retry_queue_nums);
  const TopicConfig* tc = b.topics().CreateTopicIfAbsent(topic, retry_queue_nums, kPermRead | kPermWrite);
  if (tc == nullptr) {
    *resp = ErrorResponse(ResponseCode::kSystemError, "topic[" + topic + "] not exist");
    return HandlerResult::kRespond;
  }
  if (!IsWriteable(tc->perm)) {
    *resp = ErrorResponse(ResponseCode::kNoPermission, "the topic[" + topic + "] sending message is forbidden");
    return HandlerResult::kRespond;
  }

  Result<store::SelectedMessage> sel = b.store().LookMessageByOffset(h.offset);
  store::RecordView rec;
  if (!sel.ok() || !store::DecodeRecord(sel->data, &rec, false).ok()) {
    *resp = ErrorResponse(ResponseCode::kSystemError, "look message by offset failed, " + std::to_string(h.offset));
    return HandlerResult::kRespond;
  }

  // Java edits the decoded record's HashMap (RETRY_TOPIC if absent, WAIT=false, DELAY, then
  // ORIGIN_MESSAGE_ID) and stores it re-serialized.
  PropertyMap props = PropertyMap::Parse(rec.properties);
  if (!props.Contains(protocol::kPropertyRetryTopic)) props.Put(protocol::kPropertyRetryTopic, rec.topic);
  props.Put(protocol::kPropertyWaitStoreMsgOk, "false");

  const int32_t max = EffectiveMaxReconsumeTimes(group_max_times, req.version, h.max_reconsume_times);
  SendBackDecision d = DecideSendBack(rec.reconsume_times, max, h.delay_level);
  if (d.to_dlq) {
    topic = DlqTopicOf(h.group);
    queue_id = PickQueueId(-1, kDlqNumsPerGroup);
    // Java 4.9 creates the DLQ readable and writable (3.x made it write-only).
    if (b.topics().CreateTopicIfAbsent(topic, kDlqNumsPerGroup, kPermRead | kPermWrite) == nullptr) {
      *resp = ErrorResponse(ResponseCode::kSystemError, "topic[" + topic + "] not exist");
      return HandlerResult::kRespond;
    }
  }
  props.Put(protocol::kPropertyDelayTimeLevel, std::to_string(d.delay_level));

  // ORIGIN_MESSAGE_ID: kept from an earlier retry, else the original's offset message id
  // (Java uses the msgId of the MessageExt it decoded from the store, which is that id).
  std::string_view origin;
  if (!props.Get(protocol::kPropertyOriginMessageId, &origin) || origin.empty()) {
    props.Put(protocol::kPropertyOriginMessageId,
              protocol::CreateOffsetMessageId(rec.store_host.ip, rec.store_host.v6 ? 16 : 4, rec.store_host.port,
                                              rec.physical_offset));
  }

  MessageBuilder mb = MessageBuilder::FromRecord(rec);
  mb.Topic(topic).QueueId(queue_id).ReconsumeTimes(rec.reconsume_times + 1).PreparedTransactionOffset(0)
      .Properties(props.Encode());
  store::PutMessageResult put = b.store().PutMessage(mb.Build());
  // Only PUT_OK is success here (Java's switch has no other case).
  if (put.status != store::PutMessageStatus::kPutOk) {
    *resp = ErrorResponse(ResponseCode::kSystemError, store::PutMessageStatusName(put.status));
    return HandlerResult::kRespond;
  }
  b.put_message_total += 1;
  if (d.to_dlq) b.OnMessagesStored(topic, queue_id);  // a retry is parked; the schedule service wakes later
  return HandlerResult::kRespond;
}

HandlerResult HandleGetAllDelayOffset(RequestContext& ctx, const RemotingCommand&, RemotingCommand* resp) {
  resp->SetBody(ctx.broker->schedule().Encode());
  return HandlerResult::kRespond;
}

}  // namespace rmq::server
