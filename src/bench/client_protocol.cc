#include "bench/client_protocol.h"

#include <cstdio>
#include <rapidjson/document.h>

#include "common/coding.h"
#include "common/json.h"
#include "protocol/ext_fields.h"
#include "protocol/headers/message_headers.h"
#include "protocol/message.h"
#include "protocol/request_code.h"
#include "store/commit_log_record.h"

namespace rmq::bench {

using protocol::RemotingCommand;
using protocol::RequestCode;
using protocol::SerializeType;

namespace {

RemotingCommand NewRequest(RequestCode code, SerializeType type) {
  RemotingCommand c = RemotingCommand::CreateRequest(static_cast<int32_t>(code));
  c.serialize_type = type;
  c.language = protocol::LanguageCode::kJava;
  c.version = protocol::kVersionV4_9_8;
  return c;
}

Status ParseJson(std::string_view body, rapidjson::Document* doc) {
  std::string norm = json::NormalizeFastjson(body);
  if (!json::Parse(norm, doc).ok() || !doc->IsObject()) return Status::Corruption("route body is not a JSON object");
  return Status::OK();
}

// brokerAddrs: {"0": "host:port", ...} -> the brokerId 0 address.
std::string MasterOf(const rapidjson::Value& broker) {
  const rapidjson::Value* addrs = json::GetObject(broker, "brokerAddrs");
  if (addrs == nullptr) return {};
  for (auto it = addrs->MemberBegin(); it != addrs->MemberEnd(); ++it) {
    if (std::string_view(it->name.GetString(), it->name.GetStringLength()) == "0" && it->value.IsString())
      return it->value.GetString();
  }
  return {};
}

std::vector<QueueTarget> Select(const TopicRoute& r, int32_t perm_bit, bool read) {
  std::vector<QueueTarget> out;
  for (const auto& q : r.queues) {
    if ((q.perm & perm_bit) == 0) continue;
    std::string addr;
    for (const auto& b : r.brokers)
      if (b.name == q.broker_name) addr = b.master_addr;
    if (addr.empty()) continue;
    int32_t n = read ? q.read_queue_nums : q.write_queue_nums;
    for (int32_t i = 0; i < n; ++i) out.push_back({q.broker_name, addr, i});
  }
  return out;
}

}  // namespace

std::vector<QueueTarget> TopicRoute::WriteQueues() const { return Select(*this, kPermWrite, false); }
std::vector<QueueTarget> TopicRoute::ReadQueues() const { return Select(*this, kPermRead, true); }

Status ParseTopicRoute(std::string_view body, TopicRoute* route) {
  rapidjson::Document doc;
  Status s = ParseJson(body, &doc);
  if (!s.ok()) return s;
  *route = TopicRoute();
  if (const rapidjson::Value* brokers = json::GetArray(doc, "brokerDatas")) {
    for (const auto& b : brokers->GetArray()) {
      if (!b.IsObject()) return Status::Corruption("brokerDatas entry is not an object");
      TopicRoute::Broker br;
      if (!json::GetString(b, "brokerName", &br.name)) return Status::Corruption("brokerData without brokerName");
      (void)json::GetString(b, "cluster", &br.cluster);
      br.master_addr = MasterOf(b);
      route->brokers.push_back(std::move(br));
    }
  }
  if (const rapidjson::Value* queues = json::GetArray(doc, "queueDatas")) {
    for (const auto& q : queues->GetArray()) {
      if (!q.IsObject()) return Status::Corruption("queueDatas entry is not an object");
      TopicRoute::Queue qd;
      if (!json::GetString(q, "brokerName", &qd.broker_name) || !json::GetInt32(q, "readQueueNums", &qd.read_queue_nums) ||
          !json::GetInt32(q, "writeQueueNums", &qd.write_queue_nums) || !json::GetInt32(q, "perm", &qd.perm))
        return Status::Corruption("queueData misses brokerName, readQueueNums, writeQueueNums or perm");
      route->queues.push_back(std::move(qd));
    }
  }
  return Status::OK();
}

Status ParseClusterMasters(std::string_view body, std::vector<std::string>* masters) {
  rapidjson::Document doc;
  Status s = ParseJson(body, &doc);
  if (!s.ok()) return s;
  masters->clear();
  const rapidjson::Value* table = json::GetObject(doc, "brokerAddrTable");
  if (table == nullptr) return Status::Corruption("cluster info without brokerAddrTable");
  for (auto it = table->MemberBegin(); it != table->MemberEnd(); ++it) {
    if (!it->value.IsObject()) continue;
    std::string addr = MasterOf(it->value);
    if (!addr.empty()) masters->push_back(addr);
  }
  return Status::OK();
}

UniqKeyGenerator::UniqKeyGenerator(uint32_t ip, uint16_t pid, uint32_t seed) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%08X%04X%08X", ip, pid, seed);
  prefix_ = buf;
}

std::string UniqKeyGenerator::Next() {
  // Java: msSinceStartOfMonth(i32) || counter(i16); here one 48-bit counter fills both.
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%012llX", static_cast<unsigned long long>(counter_++ & 0xFFFFFFFFFFFFull));
  return prefix_ + buf;
}

void StampBody(std::string* body, int64_t send_time_us) {
  if (body->size() < kBodyStampSize) return;
  body->replace(0, 4, kBodyMagic, 4);
  EncodeFixed64(body->data() + 4, static_cast<uint64_t>(send_time_us));
}

bool ReadBodyStamp(std::string_view body, int64_t* send_time_us) {
  if (body.size() < kBodyStampSize || body.substr(0, 4) != std::string_view(kBodyMagic, 4)) return false;
  *send_time_us = static_cast<int64_t>(DecodeFixed64(body.data() + 4));
  return true;
}

RemotingCommand MakeSendRequest(const SendParams& p, SerializeType type) {
  RemotingCommand c = NewRequest(RequestCode::kSendMessageV2, type);
  std::string props;
  protocol::AppendProperty(&props, protocol::kPropertyUniqClientMessageIdKeyidx, p.uniq_key);
  protocol::AppendProperty(&props, protocol::kPropertyWaitStoreMsgOk, "true");
  auto& f = c.ext_fields;
  f.Set("a", p.producer_group);
  f.Set("b", p.topic);
  f.Set("c", kDefaultTopic);
  f.SetInt("d", kDefaultTopicQueueNums);
  f.SetInt("e", p.queue_id);
  f.SetInt("f", 0);
  f.SetInt("g", p.born_timestamp_ms);
  f.SetInt("h", 0);
  f.Set("i", std::move(props));
  f.SetInt("j", 0);
  f.SetBool("k", false);
  f.SetBool("m", false);
  if (!p.broker_name.empty()) f.Set("n", p.broker_name);
  return c;
}

RemotingCommand MakePullRequest(const PullParams& p, SerializeType type) {
  RemotingCommand c = NewRequest(RequestCode::kPullMessage, type);
  int32_t sys_flag = protocol::kPullFlagSubscription;
  if (p.suspend_timeout_ms > 0) sys_flag |= protocol::kPullFlagSuspend;
  auto& f = c.ext_fields;
  f.Set("consumerGroup", p.consumer_group);
  f.Set("topic", p.topic);
  f.SetInt("queueId", p.queue_id);
  f.SetInt("queueOffset", p.queue_offset);
  f.SetInt("maxMsgNums", p.max_msg_nums);
  f.SetInt("sysFlag", sys_flag);
  f.SetInt("commitOffset", 0);
  f.SetInt("suspendTimeoutMillis", p.suspend_timeout_ms);
  f.Set("subscription", "*");
  f.SetInt("subVersion", p.sub_version);
  f.Set("expressionType", "TAG");
  if (!p.broker_name.empty()) f.Set("bname", p.broker_name);
  return c;
}

RemotingCommand MakeRouteRequest(std::string_view topic, SerializeType type) {
  RemotingCommand c = NewRequest(RequestCode::kGetRouteinfoByTopic, type);
  c.ext_fields.Set("topic", std::string(topic));
  return c;
}

RemotingCommand MakeClusterInfoRequest(SerializeType type) { return NewRequest(RequestCode::kGetBrokerClusterInfo, type); }

RemotingCommand MakeCreateTopicRequest(std::string_view topic, int32_t queues, SerializeType type) {
  RemotingCommand c = NewRequest(RequestCode::kUpdateAndCreateTopic, type);
  auto& f = c.ext_fields;
  f.Set("topic", std::string(topic));
  f.Set("defaultTopic", kDefaultTopic);
  f.SetInt("readQueueNums", queues);
  f.SetInt("writeQueueNums", queues);
  f.SetInt("perm", kPermReadWrite);
  f.Set("topicFilterType", "SINGLE_TAG");
  f.SetInt("topicSysFlag", 0);
  f.SetBool("order", false);
  return c;
}

RemotingCommand MakeMaxOffsetRequest(std::string_view topic, int32_t queue_id, SerializeType type) {
  RemotingCommand c = NewRequest(RequestCode::kGetMaxOffset, type);
  c.ext_fields.Set("topic", std::string(topic));
  c.ext_fields.SetInt("queueId", queue_id);
  return c;
}

Status ReadPullResult(const RemotingCommand& resp, PullResult* out) {
  protocol::HeaderReader r(resp.ext_fields);
  r.Required("nextBeginOffset", &out->next_begin_offset);
  r.Optional("minOffset", &out->min_offset);
  r.Optional("maxOffset", &out->max_offset);
  return r.status();
}

Status DecodePulledMessage(std::string_view data, PulledMessage* msg, size_t* record_size) {
  store::RecordView v;
  Status s = store::DecodeRecord(data, &v, /*check_crc=*/false);
  if (!s.ok()) return s.IsNotFound() ? Status::Corruption("blank record in a pull body") : s;
  msg->queue_id = v.queue_id;
  msg->queue_offset = v.queue_offset;
  msg->born_timestamp_ms = v.born_timestamp;
  msg->store_timestamp_ms = v.store_timestamp;
  msg->body = v.body;
  *record_size = static_cast<size_t>(v.total_size);
  return Status::OK();
}

}  // namespace rmq::bench
