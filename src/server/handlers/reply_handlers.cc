// SEND_REPLY_MESSAGE / SEND_REPLY_MESSAGE_V2 (mirrors Java 4.9's ReplyMessageProcessor): a
// replying consumer's message is stored (storeReplyMessageEnable) and pushed with
// PUSH_REPLY_MESSAGE_TO_CLIENT to the requester, the producer whose client id is the
// message's REPLY_TO_CLIENT. The send is answered once the requester acknowledged the push.
#include "common/logging.h"
#include "protocol/headers/message_headers.h"
#include "protocol/message.h"
#include "protocol/request_code.h"
#include "server/broker/broker_controller.h"
#include "server/broker/message_builder.h"
#include "server/broker/queue_picker.h"
#include "server/handlers/handlers.h"

namespace rmq::server {

using protocol::PropertiesView;
using protocol::RemotingCommand;
using protocol::ResponseCode;
using protocol::SendMessageRequestHeader;

namespace {

// Mirrors Broker2Client.callClient's timeout.
constexpr uint64_t kPushReplyTimeoutMs = 10000;


// Mirrors ReplyMessageRequestHeader.
RemotingCommand BuildPushReply(const SendMessageRequestHeader& h, const std::string& born_host,
                               const std::string& store_host, std::string properties, std::string_view body) {
  RemotingCommand push = RemotingCommand::CreateRequest(static_cast<int32_t>(protocol::RequestCode::kPushReplyMessageToClient));
  push.serialize_type = protocol::SerializeType::kJson;
  auto& f = push.ext_fields;
  f.Set("producerGroup", h.producer_group);
  f.Set("topic", h.topic);
  f.Set("defaultTopic", h.default_topic);
  f.SetInt("defaultTopicQueueNums", h.default_topic_queue_nums);
  f.SetInt("queueId", h.queue_id);
  f.SetInt("sysFlag", h.sys_flag);
  f.SetInt("bornTimestamp", h.born_timestamp);
  f.SetInt("flag", h.flag);
  f.Set("properties", std::move(properties));
  f.SetInt("reconsumeTimes", h.reconsume_times);
  f.SetBool("unitMode", h.unit_mode);
  f.Set("bornHost", born_host);
  f.Set("storeHost", store_host);
  f.SetInt("storeTimestamp", NowMillis());
  push.SetBody(std::string(body));
  return push;
}

}  // namespace

HandlerResult HandleSendReplyMessage(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  bool v2 = req.code == static_cast<int32_t>(protocol::RequestCode::kSendReplyMessageV2);
  SendMessageRequestHeader h;
  if (Status s = SendMessageRequestHeader::Decode(req.ext_fields, v2, &h); !s.ok()) {
    *resp = ErrorResponse(ResponseCode::kSystemError, s.message());
    return HandlerResult::kRespond;
  }
  BrokerController& b = *ctx.broker;
  resp->ext_fields.Set(protocol::kPropertyMsgRegion, b.config().region_id);
  resp->ext_fields.Set(protocol::kPropertyTraceSwitch, b.config().trace_on ? "true" : "false");
  const TopicConfig* tc = CheckSendMessage(ctx, h, resp);
  if (tc == nullptr) return HandlerResult::kRespond;
  int32_t queue_id = PickQueueId(h.queue_id, tc->write_queue_nums);

  // The push: properties gain PUSH_REPLY_TIME (the stored copy keeps the sender's, as in Java).
  std::string_view reply_to;
  bool has_reply_to = PropertiesView(h.properties).Get(kPropertyReplyToClient, &reply_to);
  ConnectionId requester = has_reply_to ? b.clients().FindProducerByClientId(std::string(reply_to)) : 0;
  std::string push_remark;
  if (!has_reply_to) {
    push_remark = std::string("reply message properties[") + kPropertyReplyToClient + "] is null";
  } else if (requester == 0 || ctx.server.Find(requester) == nullptr) {
    requester = 0;
    push_remark = "push reply message fail, channel of <" + std::string(reply_to) + "> not found.";
  }
  if (!push_remark.empty()) RMQ_LOG_WARN("%s", push_remark.c_str());

  // "ip:port" (4.9.7 and 5.3.1 ReplyMessageProcessor: getHostAddress() + ":" + getPort()); the
  // client splits it at the last ':' into an InetSocketAddress, so a leading '/' (as
  // InetSocketAddress.toString() gives) would make it resolve "/127.0.0.1" as a host name.
  const std::string& born_host = ctx.conn.remote_addr();
  const std::string& store_host = b.broker_addr();
  // Response header fields: "0"/0 for a pushed reply (Java avoids a client decoding error),
  // then the stored copy's id and offset when it is stored.
  if (requester != 0) {
    resp->ext_fields.Set("msgId", "0");
    resp->ext_fields.SetInt("queueId", queue_id);
    resp->ext_fields.SetInt("queueOffset", 0);
  }
  if (b.config().store_reply_message_enable && !ctx.store_refused) {  // a slave: Java's store refuses, only logged
    // Java stores the sender's properties string as sent (setPropertiesString of the header's).
    store::HostAddress born;
    ParseHostAddress(ctx.conn.remote_addr(), &born);
    MessageBuilder mb = MessageBuilder::FromSend(h, req.Body(), born, b.store_host());
    mb.QueueId(queue_id).Properties(h.properties);
    store::PutMessageResult r = b.store().PutMessage(mb.Build());
    if (r.status == store::PutMessageStatus::kPutOk || r.status == store::PutMessageStatus::kFlushDiskTimeout ||
        r.status == store::PutMessageStatus::kFlushSlaveTimeout || r.status == store::PutMessageStatus::kSlaveNotAvailable) {
      const store::HostAddress& sh = b.store_host();
      resp->ext_fields.Set("msgId", protocol::CreateOffsetMessageId(sh.ip, sh.v6 ? 16 : 4, sh.port, r.wrote_offset));
      resp->ext_fields.SetInt("queueId", queue_id);
      resp->ext_fields.SetInt("queueOffset", r.queue_offset);
      b.put_message_total += r.msg_num;
      b.OnMessagesStored(h.topic, queue_id);
    } else {
      RMQ_LOG_WARN("reply message to %s not stored: %s", h.topic.c_str(), store::PutMessageStatusName(r.status));
    }
  }
  if (requester == 0) {
    resp->code = static_cast<int32_t>(ResponseCode::kSystemError);
    resp->remark = push_remark;
    return HandlerResult::kRespond;
  }

  RemotingCommand push = BuildPushReply(h, born_host, store_host, PushReplyProperties(h.properties, NowMillis()),
                                        req.Body());
  RemotingServer* server = &ctx.server;
  ReplyTarget to = ctx.reply_to;
  std::string sender(reply_to);
  server->Invoke(requester, std::move(push), kPushReplyTimeoutMs,
                 [server, to, sender, answer = std::move(*resp)](Result<RemotingCommand> r) mutable {
                   if (r.ok() && r->code == static_cast<int32_t>(ResponseCode::kSuccess)) {
                     answer.code = static_cast<int32_t>(ResponseCode::kSuccess);
                   } else {
                     RMQ_LOG_WARN("push reply message to <%s> failed: %s", sender.c_str(),
                                  r.ok() ? (r->remark ? r->remark->c_str() : "") : r.status().ToString().c_str());
                     answer.code = static_cast<int32_t>(ResponseCode::kSystemError);
                     answer.remark = "push reply message to " + sender + "fail.";
                   }
                   server->Reply(to, std::move(answer));
                 });
  return HandlerResult::kDeferred;
}

}  // namespace rmq::server
