// Client and consumer management: HEART_BEAT, UNREGISTER_CLIENT, offsets, consumer lists,
// queue locks, CHECK_CLIENT_CONFIG (mirrors ClientManageProcessor + ConsumerManageProcessor).
#include <rapidjson/document.h>

#include "common/json.h"
#include "common/logging.h"
#include "filter/sql_expression.h"
#include "protocol/headers/consumer_headers.h"
#include "protocol/message.h"
#include "server/broker/broker_controller.h"
#include "protocol/request_code.h"
#include "server/handlers/handlers.h"

namespace rmq::server {

using protocol::RemotingCommand;
using protocol::ResponseCode;

namespace {

bool ParseBody(const RemotingCommand& req, rapidjson::Document* doc, RemotingCommand* resp) {
  std::string text = json::NormalizeFastjson(req.Body());
  if (!json::Parse(text, doc).ok() || !doc->IsObject()) {
    *resp = ErrorResponse(ResponseCode::kSystemError, "request body is not a JSON object");
    return false;
  }
  return true;
}

// Queue locks for orderly consumers (RebalanceLockManager): group -> "topic@broker@qid".
struct LockEntry {
  std::string client_id;
  uint64_t last_update_ms = 0;
};
std::map<std::string, std::map<std::string, LockEntry>>& LockTable() {
  static std::map<std::string, std::map<std::string, LockEntry>> table;
  return table;
}
constexpr uint64_t kLockMaxLiveMs = 60000;

}  // namespace

HandlerResult HandleHeartBeat(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  rapidjson::Document doc;
  if (!ParseBody(req, &doc, resp)) return HandlerResult::kRespond;
  BrokerController& b = *ctx.broker;
  int64_t topics_version = b.topics().data_version().counter;
  ClientChannelInfo ch;
  ch.conn = ctx.conn.id();
  json::GetString(doc, "clientID", &ch.client_id);
  ch.client_addr = ctx.conn.remote_addr();
  ch.language = req.language;
  ch.version = req.version;
  ch.last_update_ms = ctx.server.NowMs();
  if (const auto* consumers = json::GetArray(doc, "consumerDataSet")) {
    for (const auto& c : consumers->GetArray()) {
      std::string group, consume_type, model, from_where;
      if (!json::GetString(c, "groupName", &group)) continue;
      json::GetString(c, "consumeType", &consume_type);
      json::GetString(c, "messageModel", &model);
      json::GetString(c, "consumeFromWhere", &from_where);
      const SubscriptionGroupConfig* g = b.groups().FindOrCreate(group);
      if (g != nullptr) {
        // Java creates the group's retry topic on heartbeat.
        b.topics().CreateTopicIfAbsent(kRetryGroupTopicPrefix + group, g->retry_queue_nums, kPermRead | kPermWrite);
      }
      std::vector<SubscriptionData> subs;
      if (const auto* set = json::GetArray(c, "subscriptionDataSet")) {
        for (const auto& s : set->GetArray()) {
          SubscriptionData sd;
          if (ParseSubscriptionData(s, &sd)) subs.push_back(std::move(sd));
        }
      }
      b.clients().RegisterConsumer(group, ch, consume_type, model, from_where, subs);
    }
  }
  if (const auto* producers = json::GetArray(doc, "producerDataSet")) {
    for (const auto& p : producers->GetArray()) {
      std::string group;
      if (json::GetString(p, "groupName", &group)) b.clients().RegisterProducer(group, ch);
    }
  }
  if (b.topics().data_version().counter != topics_version) {
    // A retry topic was created: answer after the NameServers have its route, as Java does.
    RemotingServer* server = &ctx.server;
    ReplyTarget to = ctx.reply_to;
    auto pending = std::make_shared<RemotingCommand>(std::move(*resp));
    b.WhenRegistered([server, to, pending] { server->Reply(to, std::move(*pending)); });
    return HandlerResult::kDeferred;
  }
  return HandlerResult::kRespond;
}

HandlerResult HandleUnregisterClient(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::UnregisterClientRequestHeader h;
  RMQ_DECODE_HEADER(protocol::UnregisterClientRequestHeader::Decode(req.ext_fields, &h), resp);
  if (!h.producer_group.empty()) ctx.broker->clients().UnregisterProducer(h.producer_group, ctx.conn.id());
  if (!h.consumer_group.empty()) ctx.broker->clients().UnregisterConsumer(h.consumer_group, ctx.conn.id());
  return HandlerResult::kRespond;
}

HandlerResult HandleGetConsumerListByGroup(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::GetConsumerListByGroupRequestHeader h;
  RMQ_DECODE_HEADER(protocol::GetConsumerListByGroupRequestHeader::Decode(req.ext_fields, &h), resp);
  const std::string& group = h.consumer_group;
  std::vector<std::string> ids = ctx.broker->clients().ConsumerIds(group);
  if (ids.empty()) {
    *resp = ErrorResponse(ResponseCode::kSystemError, "no consumer for this group, " + group);
    return HandlerResult::kRespond;
  }
  std::string out;
  json::Writer w(&out);
  w.BeginObject().Key("consumerIdList").BeginArray();
  for (const auto& id : ids) w.String(id);
  w.EndArray().EndObject();
  resp->SetBody(std::move(out));
  return HandlerResult::kRespond;
}

HandlerResult HandleQueryConsumerOffset(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::QueryConsumerOffsetRequestHeader h;
  RMQ_DECODE_HEADER(protocol::QueryConsumerOffsetRequestHeader::Decode(req.ext_fields, &h), resp);
  BrokerController& b = *ctx.broker;
  int64_t offset = b.offsets().QueryOffset(h.consumer_group, h.topic, h.queue_id);
  if (offset >= 0) {
    resp->ext_fields.SetInt("offset", offset);
    return HandlerResult::kRespond;
  }
  // A group with no offset starts at 0 while the queue still holds its first message
  // (Java: min offset <= 0 and message 0 not yet swapped out of memory).
  if (h.set_zero_if_not_found && b.store().GetMinOffsetInQueue(h.topic, h.queue_id) <= 0) {
    resp->ext_fields.SetInt("offset", 0);
    return HandlerResult::kRespond;
  }
  *resp = ErrorResponse(ResponseCode::kQueryNotFound, "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first");
  return HandlerResult::kRespond;
}

HandlerResult HandleUpdateConsumerOffset(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::UpdateConsumerOffsetRequestHeader h;
  RMQ_DECODE_HEADER(protocol::UpdateConsumerOffsetRequestHeader::Decode(req.ext_fields, &h), resp);
  ctx.broker->offsets().CommitOffset(h.consumer_group, h.topic, h.queue_id, h.commit_offset);
  return HandlerResult::kRespond;
}

namespace {

// GET_MAX_OFFSET, GET_MIN_OFFSET, SEARCH_OFFSET_BY_TIMESTAMP and GET_EARLIEST_MSG_STORETIME
// share one header shape (topic, queueId[, timestamp]) and answer one field.
template <typename Query>
HandlerResult AnswerQueueQuery(const RemotingCommand& req, RemotingCommand* resp, bool with_timestamp,
                               const char* field, Query query) {
  protocol::QueueQueryRequestHeader h;
  RMQ_DECODE_HEADER(protocol::QueueQueryRequestHeader::Decode(req.ext_fields, with_timestamp, &h), resp);
  resp->ext_fields.SetInt(field, query(h.topic, h.queue_id, h.timestamp));
  return HandlerResult::kRespond;
}

}  // namespace

HandlerResult HandleGetMaxOffset(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  return AnswerQueueQuery(req, resp, false, "offset", [&](const std::string& t, int32_t q, int64_t) {
    return ctx.broker->store().GetMaxOffsetInQueue(t, q);
  });
}

HandlerResult HandleGetMinOffset(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  return AnswerQueueQuery(req, resp, false, "offset", [&](const std::string& t, int32_t q, int64_t) {
    return ctx.broker->store().GetMinOffsetInQueue(t, q);
  });
}

HandlerResult HandleSearchOffsetByTimestamp(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  return AnswerQueueQuery(req, resp, true, "offset", [&](const std::string& t, int32_t q, int64_t ts) {
    return ctx.broker->store().GetOffsetInQueueByTime(t, q, ts);
  });
}

HandlerResult HandleGetEarliestMsgStoretime(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  return AnswerQueueQuery(req, resp, false, "timestamp", [&](const std::string& t, int32_t q, int64_t) {
    return ctx.broker->store().GetEarliestMessageTime(t, q);
  });
}

HandlerResult HandleLockBatchMq(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  rapidjson::Document doc;
  if (!ParseBody(req, &doc, resp)) return HandlerResult::kRespond;
  std::string group, client_id;
  json::GetString(doc, "consumerGroup", &group);
  json::GetString(doc, "clientId", &client_id);
  bool unlock = req.code == static_cast<int32_t>(protocol::RequestCode::kUnlockBatchMq);
  uint64_t now = ctx.server.NowMs();
  auto& locks = LockTable()[group];
  std::string out;
  json::Writer w(&out);
  w.BeginObject().Key("lockOKMQSet").BeginArray();
  if (const auto* set = json::GetArray(doc, "mqSet")) {
    for (const auto& mq : set->GetArray()) {
      std::string topic, broker;
      int32_t qid = 0;
      json::GetString(mq, "topic", &topic);
      json::GetString(mq, "brokerName", &broker);
      json::GetInt32(mq, "queueId", &qid);
      std::string key = topic + "@" + broker + "@" + std::to_string(qid);
      auto it = locks.find(key);
      if (unlock) {
        if (it != locks.end() && it->second.client_id == client_id) locks.erase(it);
        continue;
      }
      bool free = it == locks.end() || it->second.last_update_ms + kLockMaxLiveMs < now;
      if (free || it->second.client_id == client_id) {
        locks[key] = LockEntry{client_id, now};
        w.BeginObject().Key("brokerName").String(broker).Key("queueId").Int(qid).Key("topic").String(topic).EndObject();
      }
    }
  }
  w.EndArray().EndObject();
  if (!unlock) resp->SetBody(std::move(out));
  return HandlerResult::kRespond;
}

HandlerResult HandleCheckClientConfig(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  rapidjson::Document doc;
  if (!ParseBody(req, &doc, resp)) return HandlerResult::kRespond;
  const auto* sub = json::GetObject(doc, "subscriptionData");
  std::string type = "TAG";
  std::string expression;
  if (sub != nullptr) {
    json::GetString(*sub, "expressionType", &type);
    json::GetString(*sub, "subString", &expression);
  }
  if (type.empty() || type == "TAG") return HandlerResult::kRespond;  // Java's isTagType
  if (!ctx.broker->config().enable_property_filter) {
    *resp = ErrorResponse(ResponseCode::kSystemError, "The broker does not support consumer to filter message by " + type);
    return HandlerResult::kRespond;
  }
  if (type != filter::kSql92) {  // Java finds no filter for the type: a null remark
    *resp = RemotingCommand::CreateResponse(static_cast<int32_t>(ResponseCode::kSubscriptionParseFailed), "");
    return HandlerResult::kRespond;
  }
  auto compiled = filter::CompileCached(expression);
  if (!compiled.ok()) {
    std::string group;
    json::GetString(doc, "group", &group);
    RMQ_LOG_WARN("CHECK_CLIENT_CONFIG: group %s cannot compile SQL92 selector: %s", group.c_str(),
                 compiled.status().message().c_str());
    // Java 4.9 answers the parser exception's text (5.x: "Invalid MessageSelector. ").
    *resp = ErrorResponse(ResponseCode::kSubscriptionParseFailed, compiled.status().message());
  }
  return HandlerResult::kRespond;
}

}  // namespace rmq::server
