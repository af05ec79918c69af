// Broker administration used by mqadmin and the clients' admin APIs (mirrors the parts of
// Java's AdminBrokerProcessor that rmqd serves so far).
#include <sys/statvfs.h>

#include <set>

#include <rapidjson/document.h>

#include "common/json.h"
#include "common/logging.h"
#include "protocol/message.h"
#include "protocol/headers/admin_headers.h"
#include "server/broker/broker_controller.h"
#include "server/broker/timer_message_util.h"
#include "server/handlers/handlers.h"
#include "server/handlers/json_shapes.h"

namespace rmq::server {

using protocol::RemotingCommand;
using protocol::ResponseCode;

HandlerResult HandleUpdateAndCreateTopic(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::CreateTopicRequestHeader h;
  RMQ_DECODE_HEADER(protocol::CreateTopicRequestHeader::Decode(req.ext_fields, &h), resp);
  TopicConfig tc;
  tc.topic_name = h.topic;
  tc.read_queue_nums = h.read_queue_nums;
  tc.write_queue_nums = h.write_queue_nums;
  tc.perm = h.perm;
  tc.topic_filter_type = h.topic_filter_type;
  tc.topic_sys_flag = h.topic_sys_flag;
  tc.order = h.order;
  std::string why;
  if (!IsValidTopicName(tc.topic_name, &why)) {
    *resp = ErrorResponse(ResponseCode::kSystemError, why);
    return HandlerResult::kRespond;
  }
  if (tc.topic_name == ctx.broker->config().broker_cluster_name) {
    *resp = ErrorResponse(ResponseCode::kSystemError, "The topic[" + tc.topic_name + "] is conflict with system reserved words.");
    return HandlerResult::kRespond;
  }
  // The code and remark of the 5.x admin client's own check (Validators.checkTopicConfig).
  if (!IsValidPerm(tc.perm)) {
    *resp = ErrorResponse(ResponseCode::kNoPermission, "topicPermission value: " + std::to_string(tc.perm) + " is invalid.");
    return HandlerResult::kRespond;
  }
  if (tc.read_queue_nums < 0 || tc.write_queue_nums < 0 || tc.read_queue_nums > 65535 || tc.write_queue_nums > 65535) {
    *resp = ErrorResponse(ResponseCode::kSystemError, "queue nums out of range");
    return HandlerResult::kRespond;
  }
  ctx.broker->topics().Update(tc);
  // Answer once the NameServers know the topic, as Java does (registerIncrementBrokerData).
  RemotingServer* server = &ctx.server;
  ReplyTarget to = ctx.reply_to;
  ctx.broker->WhenRegistered([server, to] { server->Reply(to, RemotingCommand::CreateResponse(0)); });
  return HandlerResult::kDeferred;
}

HandlerResult HandleDeleteTopicInBroker(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::TopicRequestHeader h;
  RMQ_DECODE_HEADER(protocol::TopicRequestHeader::Decode(req.ext_fields, &h), resp);
  const std::string& topic = h.topic;
  ctx.broker->topics().Delete(topic);
  ctx.broker->offsets().RemoveTopic(topic);
  ctx.broker->store().DeleteTopic(topic);
  return HandlerResult::kRespond;
}

HandlerResult HandleGetAllTopicConfig(RequestContext& ctx, const RemotingCommand&, RemotingCommand* resp) {
  resp->SetBody(ctx.broker->topics().WrapperJson());
  return HandlerResult::kRespond;
}

HandlerResult HandleGetSystemTopicListFromBroker(RequestContext& ctx, const RemotingCommand&, RemotingCommand* resp) {
  std::string out;
  json::Writer w(&out);
  w.BeginObject().Key("topicList").BeginArray();
  // Java answers TopicValidator's system topic set: the fixed names plus what TopicConfigManager
  // registered (cluster, broker name, <cluster>_REPLY_TOPIC, the trace topic, 5.x's
  // rmq_sys_wheel_timer when timerWheelEnable), present or not.
  std::set<std::string> names{kAutoCreateTopicKeyTopic, kScheduleTopic, kBenchmarkTopic, kTransHalfTopic,
                              "RMQ_SYS_TRACE_TOPIC", kTransOpHalfTopic, kTransCheckMaxTimeTopic, kSelfTestTopic,
                              kOffsetMovedEventTopic};
  const auto& cfg = ctx.broker->config();
  names.insert(cfg.broker_cluster_name);
  names.insert(cfg.broker_name);
  names.insert(cfg.broker_cluster_name + "_REPLY_TOPIC");
  if (cfg.trace_topic_enable) names.insert(cfg.msg_trace_topic_name);
  if (cfg.timer_wheel_enable) names.insert(std::string(kTimerTopic));
  for (const auto& n : names) w.String(n);
  w.EndArray().EndObject();
  resp->SetBody(std::move(out));
  return HandlerResult::kRespond;
}

HandlerResult HandleGetBrokerConfig(RequestContext& ctx, const RemotingCommand&, RemotingCommand* resp) {
  std::string dv;
  AppendDataVersionJson(ctx.broker->topics().data_version(), &dv);
  resp->ext_fields.Set("version", dv);
  resp->SetBody(BrokerConfigToProperties(ctx.broker->config()));
  return HandlerResult::kRespond;
}

HandlerResult HandleGetBrokerRuntimeInfo(RequestContext& ctx, const RemotingCommand&, RemotingCommand* resp) {
  BrokerController& b = *ctx.broker;
  std::map<std::string, std::string> t;
  t["brokerVersionDesc"] = "V4_9_8";
  t["brokerVersion"] = std::to_string(protocol::kServerVersion);
  t["msgPutTotalYesterdayMorning"] = "0";
  t["msgPutTotalTodayMorning"] = "0";
  t["msgPutTotalTodayNow"] = std::to_string(b.put_message_total);
  t["msgGetTotalYesterdayMorning"] = "0";
  t["msgGetTotalTodayMorning"] = "0";
  t["msgGetTotalTodayNow"] = std::to_string(b.get_message_total);
  t["putTps"] = "0.0 0.0 0.0";
  t["getFoundTps"] = "0.0 0.0 0.0";
  t["getMissTps"] = "0.0 0.0 0.0";
  t["getTransferedTps"] = "0.0 0.0 0.0";
  t["getTotalTps"] = "0.0 0.0 0.0";
  t["sendThreadPoolQueueSize"] = "0";
  t["sendThreadPoolQueueCapacity"] = "10000";
  t["pullThreadPoolQueueSize"] = "0";
  t["pullThreadPoolQueueCapacity"] = "100000";
  t["queryThreadPoolQueueSize"] = "0";
  t["queryThreadPoolQueueCapacity"] = "20000";
  t["sendThreadPoolQueueHeadWaitTimeMills"] = "0";
  t["pullThreadPoolQueueHeadWaitTimeMills"] = "0";
  t["pageCacheLockTimeMills"] = "0";
  t["earliestMessageTimeStamp"] = std::to_string(b.store().GetMinPhyOffset() < b.store().GetMaxPhyOffset() ? b.boot_timestamp() : 0);
  t["startAcceptSendRequestTimeStamp"] = "0";
  t["bootTimestamp"] = std::to_string(b.boot_timestamp());
  int64_t up = (NowMillis() - b.boot_timestamp()) / 1000;
  t["runtime"] = "[ " + std::to_string(up / 86400) + " days, " + std::to_string(up / 3600 % 24) + " hours, " +
                 std::to_string(up / 60 % 60) + " minutes, " + std::to_string(up % 60) + " seconds ]";
  t["commitLogMinOffset"] = std::to_string(b.store().GetMinPhyOffset());
  t["commitLogMaxOffset"] = std::to_string(b.store().GetMaxPhyOffset());
  t["dispatchBehindBytes"] = "0";
  t["putMessageTimesTotal"] = std::to_string(b.put_message_total);
  t["putMessageSizeTotal"] = "0";
  t["putMessageEntireTimeMax"] = "0";
  t["putMessageAverageSize"] = "0.0";
  t["putMessageDistributeTime"] = "";
  t["remainTransientStoreBufferNumbs"] = "0";
  t["brokerActive"] = "true";
  struct statvfs sv;
  double ratio = 0;
  if (statvfs(b.config().StorePathRootDir().c_str(), &sv) == 0 && sv.f_blocks > 0) {
    ratio = 1.0 - double(sv.f_bavail) / double(sv.f_blocks);
  }
  char buf[32];
  snprintf(buf, sizeof(buf), "%.6f", ratio);
  t["commitLogDiskRatio"] = buf;
  t["consumeQueueDiskRatio"] = buf;
  std::string out;
  json::Writer w(&out);
  w.BeginObject().Key("table").BeginObject();
  for (const auto& [k, v] : t) w.Key(k).String(v);
  w.EndObject().EndObject();
  resp->SetBody(std::move(out));
  return HandlerResult::kRespond;
}

HandlerResult HandleGetTopicStatsInfo(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::TopicRequestHeader h;
  RMQ_DECODE_HEADER(protocol::TopicRequestHeader::Decode(req.ext_fields, &h), resp);
  const std::string& topic = h.topic;
  BrokerController& b = *ctx.broker;
  const TopicConfig* tc = b.topics().Find(topic);
  if (tc == nullptr) {
    *resp = ErrorResponse(ResponseCode::kTopicNotExist, "topic[" + topic + "] not exist");
    return HandlerResult::kRespond;
  }
  std::string out;
  json::Writer w(&out);
  w.BeginObject().Key("offsetTable").BeginObject();
  for (int32_t q = 0; q < tc->write_queue_nums; ++q) {
    int64_t max = b.store().GetMaxOffsetInQueue(topic, q);
    int64_t min = b.store().GetMinOffsetInQueue(topic, q);
    int64_t ts = max > 0 ? b.store().GetMessageStoreTimeStamp(topic, q, max - 1) : 0;
    w.RawKey(MessageQueueKey(b.config().broker_name, topic, q)).BeginObject();
    w.Key("lastUpdateTimestamp").Int(ts < 0 ? 0 : ts).Key("maxOffset").Int(max).Key("minOffset").Int(min);
    w.EndObject();
  }
  w.EndObject().EndObject();
  resp->SetBody(std::move(out));
  return HandlerResult::kRespond;
}

HandlerResult HandleGetConsumeStats(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::GetConsumeStatsRequestHeader h;
  RMQ_DECODE_HEADER(protocol::GetConsumeStatsRequestHeader::Decode(req.ext_fields, &h), resp);
  const std::string& group = h.consumer_group;
  const std::string& topic = h.topic;
  BrokerController& b = *ctx.broker;
  std::set<std::string> topics;
  if (!topic.empty()) topics.insert(topic);
  else topics = b.offsets().TopicsOfGroup(group);
  std::string out;
  json::Writer w(&out);
  w.BeginObject().Key("consumeTps").Double(0.0).Key("offsetTable").BeginObject();
  for (const auto& t : topics) {
    const TopicConfig* tc = b.topics().Find(t);
    if (tc == nullptr) continue;
    for (int32_t q = 0; q < tc->write_queue_nums; ++q) {
      int64_t broker_offset = b.store().GetMaxOffsetInQueue(t, q);
      int64_t consumer_offset = b.offsets().QueryOffset(group, t, q);
      if (consumer_offset < 0) consumer_offset = 0;
      int64_t ts = consumer_offset > 0 ? b.store().GetMessageStoreTimeStamp(t, q, consumer_offset - 1) : 0;
      w.RawKey(MessageQueueKey(b.config().broker_name, t, q)).BeginObject();
      w.Key("brokerOffset").Int(broker_offset).Key("consumerOffset").Int(consumer_offset);
      w.Key("lastTimestamp").Int(ts < 0 ? 0 : ts);
      w.EndObject();
    }
  }
  w.EndObject().EndObject();
  resp->SetBody(std::move(out));
  return HandlerResult::kRespond;
}

HandlerResult HandleGetConsumerConnectionList(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::GroupRequestHeader h;
  RMQ_DECODE_HEADER(protocol::GroupRequestHeader::Decode(req.ext_fields, "consumerGroup", &h), resp);
  const std::string& group = h.group;
  const ConsumerGroupInfo* g = ctx.broker->clients().FindConsumerGroup(group);
  if (g == nullptr) {
    *resp = ErrorResponse(ResponseCode::kConsumerNotOnline, "the consumer group[" + group + "] not online");
    return HandlerResult::kRespond;
  }
  std::string out;
  json::Writer w(&out);
  w.BeginObject();
  WriteConnectionSet(w, g->channels);
  w.Key("consumeFromWhere").String(g->consume_from_where);
  w.Key("consumeType").String(g->consume_type);
  w.Key("messageModel").String(g->message_model);
  w.Key("subscriptionTable").BeginObject();
  for (const auto& [t, s] : g->subscriptions) {
    std::string sj;
    AppendSubscriptionJson(s, &sj);
    w.Key(t).Raw(sj);
  }
  w.EndObject().EndObject();
  resp->SetBody(std::move(out));
  return HandlerResult::kRespond;
}

HandlerResult HandleGetProducerConnectionList(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::GroupRequestHeader h;
  RMQ_DECODE_HEADER(protocol::GroupRequestHeader::Decode(req.ext_fields, "producerGroup", &h), resp);
  const std::string& group = h.group;
  const auto* chans = ctx.broker->clients().FindProducerGroup(group);
  if (chans == nullptr) {
    *resp = ErrorResponse(ResponseCode::kSystemError, "the producer group[" + group + "] not exist");
    return HandlerResult::kRespond;
  }
  std::string out;
  json::Writer w(&out);
  w.BeginObject();
  WriteConnectionSet(w, *chans);
  w.EndObject();
  resp->SetBody(std::move(out));
  return HandlerResult::kRespond;
}

HandlerResult HandleGetAllConsumerOffset(RequestContext& ctx, const RemotingCommand&, RemotingCommand* resp) {
  resp->SetBody(ctx.broker->offsets().Encode());
  return HandlerResult::kRespond;
}

HandlerResult HandleGetAllSubscriptionGroupConfig(RequestContext& ctx, const RemotingCommand&, RemotingCommand* resp) {
  resp->SetBody(ctx.broker->groups().Encode());
  return HandlerResult::kRespond;
}

HandlerResult HandleUpdateAndCreateSubscriptionGroup(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  rapidjson::Document doc;
  SubscriptionGroupConfig g;
  if (!json::Parse(req.Body(), &doc).ok() || !ParseSubscriptionGroup(doc, &g)) {
    *resp = ErrorResponse(ResponseCode::kSystemError, "subscription group config body is malformed");
    return HandlerResult::kRespond;
  }
  ctx.broker->groups().Update(g);
  return HandlerResult::kRespond;
}

HandlerResult HandleDeleteSubscriptionGroup(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::GroupRequestHeader h;
  RMQ_DECODE_HEADER(protocol::GroupRequestHeader::Decode(req.ext_fields, "groupName", &h), resp);
  ctx.broker->groups().Delete(h.group);
  return HandlerResult::kRespond;
}

HandlerResult HandleQueryTopicConsumeByWho(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::TopicRequestHeader h;
  RMQ_DECODE_HEADER(protocol::TopicRequestHeader::Decode(req.ext_fields, &h), resp);
  const std::string& topic = h.topic;
  std::set<std::string> groups = ctx.broker->clients().GroupsSubscribing(topic);
  for (const auto& g : ctx.broker->offsets().GroupsOfTopic(topic)) groups.insert(g);
  std::string out;
  json::Writer w(&out);
  w.BeginObject().Key("groupList").BeginArray();
  for (const auto& g : groups) w.String(g);
  w.EndArray().EndObject();
  resp->SetBody(std::move(out));
  return HandlerResult::kRespond;
}

HandlerResult HandleViewMessageById(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::ViewMessageRequestHeader h;
  RMQ_DECODE_HEADER(protocol::ViewMessageRequestHeader::Decode(req.ext_fields, &h), resp);
  const int64_t offset = h.offset;
  auto r = ctx.broker->store().LookMessageByOffset(offset);
  if (!r.ok()) {
    *resp = ErrorResponse(ResponseCode::kSystemError, "can not find message by the offset, " + std::to_string(offset));
    return HandlerResult::kRespond;
  }
  auto hold = std::make_shared<store::SelectedMessage>(std::move(r.value()));
  resp->extra_body.push_back(hold->data);
  resp->body_hold = hold;
  return HandlerResult::kRespond;
}

}  // namespace rmq::server
