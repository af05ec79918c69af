// Consumer administration that mqadmin reaches through the broker: relaying requests to a
// live client (GET_CONSUMER_RUNNING_INFO, CONSUME_MESSAGE_DIRECTLY), resetting a group's
// offsets by time, cloning offsets and consume time spans (mirrors the consumer parts of
// Java's AdminBrokerProcessor and Broker2Client).
#include "common/json.h"
#include "common/logging.h"
#include "protocol/message.h"
#include "protocol/request_code.h"
#include "protocol/headers/admin_headers.h"
#include "server/broker/broker_controller.h"
#include "server/handlers/handlers.h"
#include "server/handlers/json_shapes.h"

namespace rmq::server {

using protocol::RemotingCommand;
using protocol::RequestCode;
using protocol::ResponseCode;

namespace {

constexpr uint64_t kRelayTimeoutMs = 5000;
constexpr int32_t kVersionV3_1_8_Snapshot = 62;

const ClientChannelInfo* FindClient(BrokerController& b, const std::string& group, const std::string& client_id) {
  const ConsumerGroupInfo* g = b.clients().FindConsumerGroup(group);
  if (g == nullptr) return nullptr;
  for (const auto& [_, ch] : g->channels)
    if (ch.client_id == client_id) return &ch;
  return nullptr;
}

// Forwards `fwd` to the client's connection and relays its answer (code, remark, body).
HandlerResult Relay(RequestContext& ctx, ConnectionId client, RemotingCommand&& fwd) {
  ReplyTarget to = ctx.reply_to;
  RemotingServer* server = &ctx.server;
  server->Invoke(client, std::move(fwd), kRelayTimeoutMs, [server, to](Result<RemotingCommand> r) {
    RemotingCommand resp;
    if (!r.ok()) {
      resp = ErrorResponse(ResponseCode::kSystemError, "invoke consumer failed: " + r.status().message());
    } else {
      resp = RemotingCommand::CreateResponse(r->code, r->remark.value_or(""));
      resp.SetBody(std::string(r->Body()));
    }
    server->Reply(to, std::move(resp));
  });
  return HandlerResult::kDeferred;
}

}  // namespace

HandlerResult HandleGetConsumerRunningInfo(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::GetConsumerRunningInfoRequestHeader h;
  RMQ_DECODE_HEADER(protocol::GetConsumerRunningInfoRequestHeader::Decode(req.ext_fields, &h), resp);
  const std::string& group = h.consumer_group;
  const std::string& client_id = h.client_id;
  const ClientChannelInfo* ch = FindClient(*ctx.broker, group, client_id);
  if (ch == nullptr) {
    *resp = ErrorResponse(ResponseCode::kSystemError, "The Consumer <" + group + "> <" + client_id + "> not online");
    return HandlerResult::kRespond;
  }
  if (ch->version < kVersionV3_1_8_Snapshot) {
    *resp = ErrorResponse(ResponseCode::kSystemError, "The Consumer <" + client_id + "> Version <" +
                                                          std::to_string(ch->version) +
                                                          "> too low to finish, please upgrade it to V3_1_8_SNAPSHOT");
    return HandlerResult::kRespond;
  }
  RemotingCommand fwd = RemotingCommand::CreateRequest(static_cast<int32_t>(RequestCode::kGetConsumerRunningInfo));
  fwd.ext_fields = req.ext_fields;
  return Relay(ctx, ch->conn, std::move(fwd));
}

HandlerResult HandleConsumeMessageDirectly(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::ConsumeMessageDirectlyRequestHeader h;
  RMQ_DECODE_HEADER(protocol::ConsumeMessageDirectlyRequestHeader::Decode(req.ext_fields, &h), resp);
  const std::string& group = h.consumer_group;
  const std::string& client_id = h.client_id;
  const std::string& msg_id = h.msg_id;
  std::string host;
  int64_t offset = 0;
  if (!protocol::DecodeOffsetMessageId(msg_id, &host, &offset)) {
    *resp = ErrorResponse(ResponseCode::kSystemError, "the msgId " + msg_id + " is not an offset message id");
    return HandlerResult::kRespond;
  }
  auto msg = ctx.broker->store().LookMessageByOffset(offset);
  if (!msg.ok()) {
    *resp = ErrorResponse(ResponseCode::kSystemError, "can not find message by the offset, " + std::to_string(offset));
    return HandlerResult::kRespond;
  }
  const ClientChannelInfo* ch = FindClient(*ctx.broker, group, client_id);
  if (ch == nullptr) {
    *resp = ErrorResponse(ResponseCode::kSystemError, "The Consumer <" + group + "> <" + client_id + "> not online");
    return HandlerResult::kRespond;
  }
  RemotingCommand fwd = RemotingCommand::CreateRequest(static_cast<int32_t>(RequestCode::kConsumeMessageDirectly));
  fwd.ext_fields = req.ext_fields;
  fwd.SetBody(std::string(msg->data));
  return Relay(ctx, ch->conn, std::move(fwd));
}

HandlerResult HandleInvokeBrokerToResetOffset(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::ResetOffsetRequestHeader h;
  RMQ_DECODE_HEADER(protocol::ResetOffsetRequestHeader::Decode(req.ext_fields, &h), resp);
  const std::string& topic = h.topic;
  const std::string& group = h.group;
  const int64_t timestamp = h.timestamp;
  const bool force = h.is_force;
  BrokerController& b = *ctx.broker;
  const TopicConfig* tc = b.topics().Find(topic);
  if (tc == nullptr) {
    *resp = ErrorResponse(ResponseCode::kSystemError, "[reset-offset] reset offset failed, no topic in this broker. topic=" + topic);
    return HandlerResult::kRespond;
  }
  // Java: -1 means the max offset; without force an offset only moves backwards.
  std::vector<std::pair<int32_t, int64_t>> table;
  for (int32_t q = 0; q < tc->write_queue_nums; ++q) {
    int64_t consumer = b.offsets().QueryOffset(group, topic, q);
    if (consumer == -1) {
      *resp = ErrorResponse(ResponseCode::kSystemError, "THe consumer group <" + group + "> not exist");
      return HandlerResult::kRespond;
    }
    int64_t target = timestamp == -1 ? b.store().GetMaxOffsetInQueue(topic, q)
                                     : b.store().GetOffsetInQueueByTime(topic, q, timestamp);
    table.emplace_back(q, (force || target < consumer) ? target : consumer);
  }
  std::string body;
  json::Writer w(&body);
  w.BeginObject().Key("offsetTable").BeginObject();
  for (const auto& [q, off] : table) w.RawKey(MessageQueueKey(b.config().broker_name, topic, q)).Int(off);
  w.EndObject().EndObject();
  std::string cpp_body;  // C++ clients read a list instead of a map keyed by objects
  json::Writer cw(&cpp_body);
  cw.BeginObject().Key("offsetTable").BeginArray();
  for (const auto& [q, off] : table) {
    cw.BeginObject().Key("brokerName").String(b.config().broker_name).Key("offset").Int(off);
    cw.Key("queueId").Int(q).Key("topic").String(topic).EndObject();
  }
  cw.EndArray().EndObject();

  const ConsumerGroupInfo* g = b.clients().FindConsumerGroup(group);
  if (g == nullptr || g->channels.empty()) {
    *resp = ErrorResponse(ResponseCode::kConsumerNotOnline, "Consumer not online, so can not reset offset, Group: " +
                                                                group + " Topic: " + topic +
                                                                " Timestamp: " + std::to_string(timestamp));
    return HandlerResult::kRespond;
  }
  for (const auto& [conn, ch] : g->channels) {
    RemotingCommand push = RemotingCommand::CreateRequest(static_cast<int32_t>(RequestCode::kResetConsumerClientOffset));
    push.ext_fields.Set("topic", topic);
    push.ext_fields.Set("group", group);
    push.ext_fields.SetInt("timestamp", timestamp);
    push.ext_fields.SetBool("isForce", force);
    push.SetBody(ch.language == protocol::LanguageCode::kCpp ? cpp_body : body);
    ctx.server.InvokeOneway(conn, std::move(push));
  }
  resp->SetBody(std::move(body));
  return HandlerResult::kRespond;
}

HandlerResult HandleCloneGroupOffset(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::CloneGroupOffsetRequestHeader h;
  RMQ_DECODE_HEADER(protocol::CloneGroupOffsetRequestHeader::Decode(req.ext_fields, &h), resp);
  const std::string& src = h.src_group;
  const std::string& dest = h.dest_group;
  BrokerController& b = *ctx.broker;
  std::set<std::string> topics;
  if (!h.topic.empty()) topics.insert(h.topic);
  else topics = b.offsets().TopicsOfGroup(src);
  for (const auto& t : topics) {
    if (!h.offline && b.clients().FindConsumerGroup(src) != nullptr) {
      const ConsumerGroupInfo* g = b.clients().FindConsumerGroup(src);
      if (g->subscriptions.count(t) == 0) continue;
    }
    for (const auto& [q, off] : b.offsets().QueryOffsets(src, t)) b.offsets().CommitOffset(dest, t, q, off);
  }
  return HandlerResult::kRespond;
}

HandlerResult HandleQueryConsumeTimeSpan(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::QueryConsumeTimeSpanRequestHeader h;
  RMQ_DECODE_HEADER(protocol::QueryConsumeTimeSpanRequestHeader::Decode(req.ext_fields, &h), resp);
  const std::string& topic = h.topic;
  const std::string& group = h.group;
  BrokerController& b = *ctx.broker;
  const TopicConfig* tc = b.topics().Find(topic);
  if (tc == nullptr) {
    *resp = ErrorResponse(ResponseCode::kTopicNotExist, "topic[" + topic + "] not exist");
    return HandlerResult::kRespond;
  }
  int64_t now = NowMillis();
  std::string out;
  json::Writer w(&out);
  w.BeginObject().Key("consumeTimeSpanSet").BeginArray();
  for (int32_t q = 0; q < tc->write_queue_nums; ++q) {
    int64_t max = b.store().GetMaxOffsetInQueue(topic, q);
    int64_t min = b.store().GetMinOffsetInQueue(topic, q);
    int64_t min_ts = b.store().GetEarliestMessageTime(topic, q);
    int64_t max_ts = max > 0 ? b.store().GetMessageStoreTimeStamp(topic, q, max - 1) : 0;
    int64_t consumer = b.offsets().QueryOffset(group, topic, q);
    int64_t consume_ts = consumer > 0 ? b.store().GetMessageStoreTimeStamp(topic, q, consumer - 1) : min_ts;
    int64_t delay = max > consumer && consumer >= 0 ? now - b.store().GetMessageStoreTimeStamp(topic, q, std::max(consumer, min)) : 0;
    w.BeginObject();
    w.Key("consumeTimeStamp").Int(consume_ts < 0 ? 0 : consume_ts);
    w.Key("delayTime").Int(delay < 0 ? 0 : delay);
    w.Key("maxTimeStamp").Int(max_ts < 0 ? 0 : max_ts);
    w.Key("messageQueue").Raw(MessageQueueKey(b.config().broker_name, topic, q));
    w.Key("minTimeStamp").Int(min_ts < 0 ? 0 : min_ts);
    w.EndObject();
  }
  w.EndArray().EndObject();
  resp->SetBody(std::move(out));
  return HandlerResult::kRespond;
}

}  // namespace rmq::server
