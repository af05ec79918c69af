// SEND_MESSAGE, SEND_MESSAGE_V2 and SEND_BATCH_MESSAGE (mirrors Java's SendMessageProcessor).
#include <optional>

#include "common/coding.h"
#include "common/logging.h"
#include "protocol/headers/message_headers.h"
#include "protocol/message.h"
#include "protocol/request_code.h"
#include "server/broker/broker_controller.h"
#include "server/broker/flow_control.h"
#include "server/broker/message_builder.h"
#include "server/broker/queue_picker.h"
#include "server/broker/retry_policy.h"
#include "server/broker/transactional_message_util.h"
#include "server/handlers/handlers.h"
#include "store/delay_level.h"

namespace rmq::server {

using protocol::PropertiesView;
using rmq::PropertyMap;
using protocol::RemotingCommand;
using protocol::ResponseCode;
using protocol::SendMessageRequestHeader;
using store::PutMessageStatus;

namespace {

constexpr const char* kFaq = "\nSee http://rocketmq.apache.org/docs/faq/ for further details.";

// Java's msgCheck: broker permission, topic name, forbidden topics, existence or
// auto-creation, queue id. Returns the topic config, or null with `resp` filled.
const TopicConfig* CheckMessage(RequestContext& ctx, SendMessageRequestHeader& h, RemotingCommand* resp) {
  BrokerController& b = *ctx.broker;
  if (!IsWriteable(b.config().broker_permission)) {
    const TopicConfig* tc = b.topics().Find(h.topic);
    if (tc != nullptr && tc->order) {
      *resp = ErrorResponse(ResponseCode::kNoPermission, "the broker[" + b.config().broker_ip1 + "] sending message is forbidden");
      return nullptr;
    }
  }
  std::string why;
  if (!IsValidTopicName(h.topic, &why)) {
    *resp = ErrorResponse(ResponseCode::kSystemError, why);
    return nullptr;
  }
  if (IsNotAllowedSendTopic(h.topic)) {
    *resp = ErrorResponse(ResponseCode::kNoPermission, "Sending message to topic[" + h.topic + "] is forbidden.");
    return nullptr;
  }
  const TopicConfig* tc = b.topics().Find(h.topic);
  if (tc == nullptr) {
    int32_t sys_flag = h.unit_mode ? 1 : 0;
    if (h.topic.rfind(kRetryGroupTopicPrefix, 0) == 0) {
      tc = b.topics().CreateTopicIfAbsent(h.topic, 1, kPermRead | kPermWrite);
    } else {
      tc = b.topics().CreateTopicInSendMessageMethod(h.topic, h.default_topic, h.default_topic_queue_nums, sys_flag);
    }
    if (tc == nullptr) {
      *resp = ErrorResponse(ResponseCode::kTopicNotExist, "topic[" + h.topic + "] not exist, apply first please!" + kFaq);
      return nullptr;
    }
  }
  int32_t max_qid = std::max(tc->read_queue_nums, tc->write_queue_nums);
  if (h.queue_id >= max_qid) {
    *resp = ErrorResponse(ResponseCode::kSystemError,
                          "request queueId[" + std::to_string(h.queue_id) + "] is illegal, topic:[" + h.topic +
                              "] topicConfig.writeQueueNums:[" + std::to_string(tc->write_queue_nums) +
                              "] topicConfig.readQueueNums:[" + std::to_string(tc->read_queue_nums) +
                              "] Producer:[" + ctx.conn.remote_addr() + "]");
    return nullptr;
  }
  return tc;
}

// The header's sysFlag (CheckProducerSysFlag). Java 4.9.7 checks nothing and acknowledges a
// message it then never dispatches; rmqd answers MESSAGE_ILLEGAL, which a Java producer does not
// retry. False with `resp` filled.
bool CheckSysFlag(int32_t sys_flag, bool half_message, RemotingCommand* resp) {
  Status s = protocol::CheckProducerSysFlag(sys_flag, half_message);
  if (s.ok()) return true;
  *resp = ErrorResponse(ResponseCode::kMessageIllegal, s.message());
  return false;
}

// Java's handleRetryAndDLQ: a plain send to %RETRY%<group> whose reconsumeTimes reached the
// max is stored to %DLQ%<group> instead. False with `resp` filled on error. Like Java 4.9 the
// message keeps the producer's properties (its DELAY too: Java sets DELAY=0 before it copies
// the request's properties over the message's).
bool HandleRetryAndDlq(RequestContext& ctx, const RemotingCommand& req, const SendMessageRequestHeader& h,
                       std::string* topic, int32_t* queue_id, RemotingCommand* resp) {
  if (h.topic.rfind(kRetryGroupTopicPrefix, 0) != 0) return true;
  BrokerController& b = *ctx.broker;
  std::string group = h.topic.substr(std::string_view(kRetryGroupTopicPrefix).size());
  const SubscriptionGroupConfig* g = b.groups().FindOrCreate(group);
  if (g == nullptr) {
    *resp = ErrorResponse(ResponseCode::kSubscriptionGroupNotExist, "subscription group not exist, " + group + " " + kFaq);
    return false;
  }
  std::optional<int32_t> header_max;
  if (h.max_reconsume_times >= 0) header_max = h.max_reconsume_times;
  int32_t max = EffectiveMaxReconsumeTimes(g->retry_max_times, req.version, header_max);
  if (!RetrySendGoesToDlq(h.reconsume_times, max)) return true;
  *topic = DlqTopicOf(group);
  *queue_id = 0;
  if (b.topics().CreateTopicIfAbsent(*topic, kDlqNumsPerGroup, kPermRead | kPermWrite) == nullptr) {
    *resp = ErrorResponse(ResponseCode::kSystemError, "topic[" + *topic + "] not exist");
    return false;
  }
  return true;
}

// Maps a store result to the response (handlePutMessageResult). True when stored.
bool FillPutResponse(const store::PutMessageResult& r, int32_t max_message_size, RemotingCommand* resp) {
  switch (r.status) {
    case PutMessageStatus::kPutOk: resp->code = 0; return true;
    case PutMessageStatus::kFlushDiskTimeout: resp->code = static_cast<int32_t>(ResponseCode::kFlushDiskTimeout); return true;
    case PutMessageStatus::kFlushSlaveTimeout: resp->code = static_cast<int32_t>(ResponseCode::kFlushSlaveTimeout); return true;
    case PutMessageStatus::kSlaveNotAvailable: resp->code = static_cast<int32_t>(ResponseCode::kSlaveNotAvailable); return true;
    case PutMessageStatus::kCreateMappedFileFailed:
      *resp = ErrorResponse(ResponseCode::kSystemError, "create mapped file failed, server is busy or broken.");
      return false;
    case PutMessageStatus::kMessageIllegal:
    case PutMessageStatus::kPropertiesSizeExceeded:
      *resp = ErrorResponse(ResponseCode::kMessageIllegal,
                            "the message is illegal, maybe msg body or properties length not matched. msg body length "
                            "limit " + std::to_string(max_message_size) + "B, msg properties length limit 32KB.");
      return false;
    case PutMessageStatus::kServiceNotAvailable:
      *resp = ErrorResponse(ResponseCode::kServiceNotAvailable, ServiceNotAvailableRemark(r.disk_util));
      return false;
    case PutMessageStatus::kOsPageCacheBusy:
      *resp = ErrorResponse(ResponseCode::kSystemBusy, kPcSynchronizedRemark);
      return false;
    case PutMessageStatus::kUnknownError:
      *resp = ErrorResponse(ResponseCode::kSystemError, "UNKNOWN_ERROR");
      return false;
  }
  return false;
}

bool ParseBornHost(const Connection& conn, store::HostAddress* out) {
  return ParseHostAddress(conn.remote_addr(), out);
}

void FinishSend(RequestContext& ctx, const store::PutMessageResult& r, int32_t queue_id, std::string_view properties,
                const std::string& topic, RemotingCommand* resp) {
  BrokerController& b = *ctx.broker;
  const store::HostAddress& sh = b.store_host();
  std::string ids;
  for (size_t i = 0; i < r.phy_offsets.size(); ++i) {
    if (i) ids.push_back(',');
    ids += protocol::CreateOffsetMessageId(sh.ip, sh.v6 ? 16 : 4, sh.port, r.phy_offsets[i]);
  }
  if (r.phy_offsets.empty()) ids = protocol::CreateOffsetMessageId(sh.ip, sh.v6 ? 16 : 4, sh.port, r.wrote_offset);
  resp->ext_fields.Set("msgId", ids);
  resp->ext_fields.SetInt("queueId", queue_id);
  resp->ext_fields.SetInt("queueOffset", r.queue_offset);
  resp->ext_fields.Set(protocol::kPropertyMsgRegion, b.config().region_id);
  resp->ext_fields.Set(protocol::kPropertyTraceSwitch, b.config().trace_on ? "true" : "false");
  b.put_message_total += r.msg_num;
  b.OnMessagesStored(topic, queue_id);
  std::string_view wait;
  bool wait_store = !PropertiesView(properties).Get(protocol::kPropertyWaitStoreMsgOk, &wait) || wait != "false";
  b.ReplyAfterPut(ctx.reply_to, r.wrote_offset + r.wrote_bytes, wait_store, std::move(*resp));
}

}  // namespace

const TopicConfig* CheckSendMessage(RequestContext& ctx, SendMessageRequestHeader& h, RemotingCommand* resp) {
  return CheckMessage(ctx, h, resp);
}

HandlerResult HandleSendMessage(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  bool v2 = req.code != static_cast<int32_t>(protocol::RequestCode::kSendMessage);
  SendMessageRequestHeader h;
  Status s = SendMessageRequestHeader::Decode(req.ext_fields, v2, &h);
  if (!s.ok()) {
    *resp = ErrorResponse(ResponseCode::kSystemError, s.message());
    return HandlerResult::kRespond;
  }
  // TRAN_MSG matters only to a PREPARED flag; other sends skip the property scan.
  std::string_view tran_msg;
  bool half_message = false;
  if ((h.sys_flag & protocol::kSysFlagTransactionType) == protocol::kSysFlagTransactionPrepared &&
      PropertiesView(h.properties).Get(protocol::kPropertyTransactionPrepared, &tran_msg)) {
    protocol::ParseBool(tran_msg, &half_message);
  }
  if (!CheckSysFlag(h.sys_flag, half_message, resp)) return HandlerResult::kRespond;
  const TopicConfig* tc = CheckMessage(ctx, h, resp);
  if (tc == nullptr) return HandlerResult::kRespond;
  BrokerController& b = *ctx.broker;

  // Java parses the properties into a HashMap, puts CLUSTER, and stores them re-serialized
  // without WAIT (message_builder.h); the half message and delay parking still see WAIT.
  PropertyMap map = SendPropertyMap(h.properties, b.config().broker_cluster_name);
  std::string topic = h.topic;
  int32_t queue_id = PickQueueId(h.queue_id, tc->write_queue_nums);
  if (!HandleRetryAndDlq(ctx, req, h, &topic, &queue_id, resp)) return HandlerResult::kRespond;
  store::HostAddress born;
  ParseBornHost(ctx.conn, &born);
  MessageBuilder mb = MessageBuilder::FromSend(h, req.Body(), born, b.store_host());
  mb.Topic(topic).QueueId(queue_id);
  if (tc->topic_filter_type == "MULTI_TAG") mb.SysFlag(h.sys_flag | protocol::kSysFlagMultiTags);

  // A transaction's half message goes to RMQ_SYS_TRANS_HALF_TOPIC (Java's prepareMessage);
  // like Java, not for a pre-4.6.1 client's retry of one (reconsumed with a delay level).
  std::string_view tran, delay;
  bool prepared = false;
  int32_t delay_level = 0;
  if (map.Get(protocol::kPropertyTransactionPrepared, &tran)) protocol::ParseBool(tran, &prepared);
  if (map.Get(protocol::kPropertyDelayTimeLevel, &delay)) protocol::ParseInt32(delay, &delay_level);
  if (prepared && !(h.reconsume_times > 0 && delay_level > 0)) {
    if (b.config().reject_transaction_message) {
      *resp = ErrorResponse(ResponseCode::kNoPermission,
                            "the broker[" + b.config().broker_ip1 + "] sending transaction message is forbidden");
      return HandlerResult::kRespond;
    }
    HalfMessageRewrite half = RewriteAsHalfMessage(map, topic, queue_id, mb.sys_flag());
    mb.Topic(kTransHalfTopic).QueueId(0).SysFlag(half.sys_flag).Properties(std::move(half.properties));
  } else {
    std::string stored = StoredSendProperties(map);
    // Java's CommitLog parks a delayed message from the map, which holds WAIT again by then.
    mb.Properties(store::NeedsDelay(mb.sys_flag(), stored) ? map.Encode() : std::move(stored));
  }

  // 5.x timer messages (HookUtils.handleScheduleMessage): park in rmq_sys_wheel_timer until due.
  TimerDecision timer;
  if (mb.topic() != kTransHalfTopic) {
    const TimerConfig& tc_timer = b.timers().config();
    timer = CheckTimerMessage(mb.topic(), mb.queue_id(), mb.properties(), NowMillis(), tc_timer);
    if (timer.action == TimerAction::kNotEnabled || timer.action == TimerAction::kIllegal) {
      *resp = ErrorResponse(timer.action == TimerAction::kIllegal ? ResponseCode::kMessageIllegal
                                                                   : ResponseCode::kSystemError,
                            TimerRefusalRemark(timer.action, tc_timer));
      return HandlerResult::kRespond;
    }
    if (timer.rewritten) mb.Properties(std::move(timer.properties));
    if (timer.action == TimerAction::kPark) mb.Topic(kTimerTopic).QueueId(0);
  }

  store::PutMessageResult r = b.store().PutMessage(mb.Build());
  if (!FillPutResponse(r, b.config().max_message_size, resp)) return HandlerResult::kRespond;
  FinishSend(ctx, r, queue_id, h.properties, topic, resp);
  return HandlerResult::kDeferred;  // FinishSend answered (now or after the flush)
}

HandlerResult HandleSendBatchMessage(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  SendMessageRequestHeader h;
  Status s = SendMessageRequestHeader::Decode(req.ext_fields, true, &h);
  if (!s.ok()) {
    *resp = ErrorResponse(ResponseCode::kSystemError, s.message());
    return HandlerResult::kRespond;
  }
  if (!CheckSysFlag(h.sys_flag, false, resp)) return HandlerResult::kRespond;  // no transactional batches
  const TopicConfig* tc = CheckMessage(ctx, h, resp);
  if (tc == nullptr) return HandlerResult::kRespond;
  if (h.topic.rfind(kRetryGroupTopicPrefix, 0) == 0) {
    *resp = ErrorResponse(ResponseCode::kMessageIllegal, "batch request does not support retry group " + h.topic);
    return HandlerResult::kRespond;
  }
  BrokerController& b = *ctx.broker;
  int32_t queue_id = PickQueueId(h.queue_id, tc->write_queue_nums);
  store::HostAddress born;
  ParseBornHost(ctx.conn, &born);

  // Each inner message keeps its own properties as sent; the batch's (the header's, with
  // CLUSTER put, re-serialized) follow them (BatchItemProperties).
  std::vector<protocol::BatchItem> items;
  if (!protocol::DecodeBatchBody(req.Body(), &items)) {
    *resp = ErrorResponse(ResponseCode::kMessageIllegal, "the batch message body is malformed");
    return HandlerResult::kRespond;
  }
  const std::string batch_props = BatchProperties(h.properties, b.config().broker_cluster_name);
  std::vector<MessageBuilder> builders;
  builders.reserve(items.size());
  for (const protocol::BatchItem& item : items) {
    builders.push_back(MessageBuilder::FromSend(h, item.body, born, b.store_host()));
    builders.back().QueueId(queue_id).Flag(item.flag).Properties(BatchItemProperties(item.properties, batch_props));
  }
  std::vector<store::MessageToStore> msgs;
  msgs.reserve(builders.size());
  for (MessageBuilder& mb : builders) msgs.push_back(mb.Build());
  store::PutMessageResult r = b.store().PutMessages(msgs);
  if (!FillPutResponse(r, b.config().max_message_size, resp)) return HandlerResult::kRespond;
  FinishSend(ctx, r, queue_id, h.properties, h.topic, resp);
  return HandlerResult::kDeferred;
}

}  // namespace rmq::server
