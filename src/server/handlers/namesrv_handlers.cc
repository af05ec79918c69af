// NameServer request handlers (mirrors DefaultRequestProcessor + ClientRequestProcessor).
#include <zlib.h>

#include <rapidjson/document.h>

#include "common/coding.h"
#include "common/json.h"
#include "common/logging.h"
#include "protocol/headers/namesrv_headers.h"
#include "protocol/request_code.h"
#include "server/handlers/handlers.h"
#include "server/register_broker_body.h"
#include "server/namesrv/namesrv_controller.h"

namespace rmq::server {

using protocol::RemotingCommand;
using protocol::ResponseCode;

namespace {

constexpr const char* kOrderTopicConfigNamespace = "ORDER_TOPIC_CONFIG";

std::string TopicListJson(const std::vector<std::string>& topics, const std::string& broker_addr = {}) {
  std::string out;
  json::Writer w(&out);
  w.BeginObject();
  if (!broker_addr.empty()) w.Key("brokerAddr").String(broker_addr);
  w.Key("topicList").BeginArray();
  for (const auto& t : topics) w.String(t);
  w.EndArray();
  w.EndObject();
  return out;
}

bool ParseRegisterBody(std::string_view body, RegisterBrokerRequest* req) {
  rapidjson::Document doc;
  std::string text = json::NormalizeFastjson(body);
  if (!json::Parse(text, &doc).ok() || !doc.IsObject()) return false;
  const rapidjson::Value* wrapper = json::GetObject(doc, "topicConfigSerializeWrapper");
  if (wrapper == nullptr) wrapper = &doc;  // brokers older than V3_0_11 send the bare wrapper
  if (const auto* dv = json::GetObject(*wrapper, "dataVersion")) ParseDataVersion(*dv, &req->data_version);
  if (const auto* table = json::GetObject(*wrapper, "topicConfigTable")) {
    for (auto m = table->MemberBegin(); m != table->MemberEnd(); ++m) {
      TopicConfig tc;
      if (ParseTopicConfig(m->value, &tc)) req->topics[m->name.GetString()] = tc;
    }
    req->has_topics = true;
  }
  return true;
}

}  // namespace

HandlerResult HandleRegisterBroker(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::RegisterBrokerRequestHeader h;
  RMQ_DECODE_HEADER(protocol::RegisterBrokerRequestHeader::Decode(req.ext_fields, &h), resp);
  RegisterBrokerRequest r;
  r.broker_name = std::move(h.broker_name);
  r.broker_addr = std::move(h.broker_addr);
  r.cluster_name = std::move(h.cluster_name);
  r.ha_server_addr = std::move(h.ha_server_addr);
  r.broker_id = h.broker_id;
  std::string_view body = req.Body();
  if (h.body_crc32 != 0) {
    uint32_t crc = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size())));
    if (static_cast<int32_t>(crc & 0x7FFFFFFF) != h.body_crc32) {
      *resp = ErrorResponse(ResponseCode::kSystemError, "crc32 not match");
      return HandlerResult::kRespond;
    }
  }
  if (!body.empty()) {
    bool ok;
    std::string why = "register body is malformed";
    if (h.compressed) {
      // The periodic re-registration of a large broker carries the version we already have:
      // read the version from the head and decode the topics only when they will be used.
      Status s = DecodeCompressedRegisterVersion(body, &r.data_version);
      if (s.ok() && ctx.namesrv->routes().WantsTopics(r.broker_name, r.broker_addr, r.broker_id, r.data_version)) {
        s = DecodeCompressedRegisterBody(body, &r.data_version, &r.topics);
        r.has_topics = s.ok();
      }
      ok = s.ok();
      if (!ok) why += ": " + s.message();
    } else {
      ok = ParseRegisterBody(body, &r);
    }
    if (!ok) {
      RMQ_LOG_WARN("REGISTER_BROKER from %s (%s) refused: %s", r.broker_addr.c_str(), r.broker_name.c_str(), why.c_str());
      *resp = ErrorResponse(ResponseCode::kSystemError, why);
      return HandlerResult::kRespond;
    }
  }
  r.conn = ctx.conn.id();
  if (h.heartbeat_timeout_millis > 0) r.timeout_ms = static_cast<uint64_t>(h.heartbeat_timeout_millis);
  else r.timeout_ms = static_cast<uint64_t>(ctx.namesrv->config().broker_channel_expired_time);
  RegisterBrokerResult result = ctx.namesrv->routes().RegisterBroker(r, ctx.server.NowMs());
  if (!result.ha_server_addr.empty()) resp->ext_fields.Set("haServerAddr", result.ha_server_addr);
  if (!result.master_addr.empty()) resp->ext_fields.Set("masterAddr", result.master_addr);
  std::string kv;
  if (ctx.namesrv->kv().NamespaceJson(kOrderTopicConfigNamespace, &kv)) resp->SetBody(std::move(kv));
  return HandlerResult::kRespond;
}

HandlerResult HandleUnregisterBroker(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::BrokerIdentityRequestHeader h;
  RMQ_DECODE_HEADER(protocol::BrokerIdentityRequestHeader::Decode(req.ext_fields, &h), resp);
  ctx.namesrv->routes().UnregisterBroker(h.cluster_name, h.broker_addr, h.broker_name, h.broker_id);
  return HandlerResult::kRespond;
}

HandlerResult HandleQueryDataVersion(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::BrokerIdentityRequestHeader h;
  RMQ_DECODE_HEADER(protocol::BrokerIdentityRequestHeader::Decode(req.ext_fields, &h), resp);
  const std::string& addr = h.broker_addr;
  DataVersion dv, stored;
  rapidjson::Document doc;
  if (json::Parse(req.Body(), &doc).ok()) ParseDataVersion(doc, &dv);
  bool changed = ctx.namesrv->routes().IsBrokerTopicConfigChanged(addr, dv, &stored);
  if (!changed) ctx.namesrv->routes().UpdateBrokerInfoUpdateTimestamp(addr, ctx.server.NowMs());
  resp->ext_fields.SetBool("changed", changed);
  std::string out;
  AppendDataVersionJson(stored, &out);
  resp->SetBody(std::move(out));
  return HandlerResult::kRespond;
}

HandlerResult HandleGetRouteInfoByTopic(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::TopicInNamesrvRequestHeader h;
  RMQ_DECODE_HEADER(protocol::TopicInNamesrvRequestHeader::Decode(req.ext_fields, &h), resp);
  const std::string& topic = h.topic;
  std::string json;
  if (!ctx.namesrv->routes().PickupTopicRouteData(topic, &json)) {
    *resp = ErrorResponse(ResponseCode::kTopicNotExist,
                          "No topic route info in name server for the topic: " + topic +
                              "\nSee http://rocketmq.apache.org/docs/faq/ for further details.");
    return HandlerResult::kRespond;
  }
  if (ctx.namesrv->config().order_message_enable) {
    std::string conf;
    if (ctx.namesrv->kv().Get(kOrderTopicConfigNamespace, topic, &conf)) {
      // Insert "orderTopicConf" as the first member.
      std::string field = "\"orderTopicConf\":";
      json::AppendString(&field, conf);
      json.insert(1, field + ",");
    }
  }
  resp->SetBody(std::move(json));
  return HandlerResult::kRespond;
}

HandlerResult HandleGetBrokerClusterInfo(RequestContext& ctx, const RemotingCommand&, RemotingCommand* resp) {
  resp->SetBody(ctx.namesrv->routes().ClusterInfoJson());
  return HandlerResult::kRespond;
}

HandlerResult HandleGetAllTopicListFromNamesrv(RequestContext& ctx, const RemotingCommand&, RemotingCommand* resp) {
  resp->SetBody(TopicListJson(ctx.namesrv->routes().AllTopics()));
  return HandlerResult::kRespond;
}

HandlerResult HandleGetTopicsByCluster(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::GetTopicsByClusterRequestHeader h;
  RMQ_DECODE_HEADER(protocol::GetTopicsByClusterRequestHeader::Decode(req.ext_fields, &h), resp);
  resp->SetBody(TopicListJson(ctx.namesrv->routes().TopicsByCluster(h.cluster)));
  return HandlerResult::kRespond;
}

HandlerResult HandleGetSystemTopicListFromNs(RequestContext& ctx, const RemotingCommand&, RemotingCommand* resp) {
  std::string broker_addr;
  std::vector<std::string> topics = ctx.namesrv->routes().SystemTopics(&broker_addr);
  resp->SetBody(TopicListJson(topics, broker_addr));
  return HandlerResult::kRespond;
}

HandlerResult HandleGetUnitTopicList(RequestContext&, const RemotingCommand&, RemotingCommand* resp) {
  resp->SetBody(TopicListJson({}));  // rmqd has no unit topics
  return HandlerResult::kRespond;
}

HandlerResult HandleDeleteTopicInNamesrv(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::TopicInNamesrvRequestHeader h;
  RMQ_DECODE_HEADER(protocol::TopicInNamesrvRequestHeader::Decode(req.ext_fields, &h), resp);
  ctx.namesrv->routes().DeleteTopic(h.topic, h.cluster_name);
  return HandlerResult::kRespond;
}

HandlerResult HandleWipeWritePermOfBroker(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::WritePermOfBrokerRequestHeader h;
  RMQ_DECODE_HEADER(protocol::WritePermOfBrokerRequestHeader::Decode(req.ext_fields, &h), resp);
  bool add = req.code == static_cast<int32_t>(protocol::RequestCode::kAddWritePermOfBroker);
  int n = ctx.namesrv->routes().SetWritePermOfBroker(h.broker_name, add);
  resp->ext_fields.SetInt(add ? "addTopicCount" : "wipeTopicCount", n);
  return HandlerResult::kRespond;
}

HandlerResult HandlePutKvConfig(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::KvConfigRequestHeader h;
  RMQ_DECODE_HEADER(protocol::KvConfigRequestHeader::Decode(req.ext_fields, true, true, &h), resp);
  ctx.namesrv->kv().Put(h.name_space, h.key, h.value);
  return HandlerResult::kRespond;
}

HandlerResult HandleGetKvConfig(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::KvConfigRequestHeader h;
  RMQ_DECODE_HEADER(protocol::KvConfigRequestHeader::Decode(req.ext_fields, true, false, &h), resp);
  std::string value;
  if (!ctx.namesrv->kv().Get(h.name_space, h.key, &value)) {
    *resp = ErrorResponse(ResponseCode::kQueryNotFound, "No config item, Namespace: " + h.name_space + " Key: " + h.key);
    return HandlerResult::kRespond;
  }
  resp->ext_fields.Set("value", value);
  return HandlerResult::kRespond;
}

HandlerResult HandleDeleteKvConfig(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::KvConfigRequestHeader h;
  RMQ_DECODE_HEADER(protocol::KvConfigRequestHeader::Decode(req.ext_fields, true, false, &h), resp);
  ctx.namesrv->kv().Delete(h.name_space, h.key);
  return HandlerResult::kRespond;
}

HandlerResult HandleGetKvListByNamespace(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::KvConfigRequestHeader h;
  RMQ_DECODE_HEADER(protocol::KvConfigRequestHeader::Decode(req.ext_fields, false, false, &h), resp);
  std::string json;
  if (!ctx.namesrv->kv().NamespaceJson(h.name_space, &json)) {
    *resp = ErrorResponse(ResponseCode::kQueryNotFound, "No config item, Namespace: " + h.name_space);
    return HandlerResult::kRespond;
  }
  resp->SetBody(std::move(json));
  return HandlerResult::kRespond;
}

HandlerResult HandleGetNamesrvConfig(RequestContext& ctx, const RemotingCommand&, RemotingCommand* resp) {
  const NamesrvConfig& c = ctx.namesrv->config();
  std::string out = "listenPort=" + std::to_string(c.listen_port) + "\nkvConfigPath=" + c.kv_config_path +
                    "\norderMessageEnable=" + (c.order_message_enable ? "true" : "false") + "\n";
  resp->SetBody(std::move(out));
  return HandlerResult::kRespond;
}

}  // namespace rmq::server
