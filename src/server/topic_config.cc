#include "server/topic_config.h"

#include <chrono>

#include "common/json.h"

namespace rmq::server {

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void AppendTopicConfigJson(const TopicConfig& tc, std::string* out) {
  json::Writer w(out);
  w.BeginObject();
  w.Key("order").Bool(tc.order);
  w.Key("perm").Int(tc.perm);
  w.Key("readQueueNums").Int(tc.read_queue_nums);
  w.Key("topicFilterType").String(tc.topic_filter_type);
  w.Key("topicName").String(tc.topic_name);
  w.Key("topicSysFlag").Int(tc.topic_sys_flag);
  w.Key("writeQueueNums").Int(tc.write_queue_nums);
  w.EndObject();
}

void AppendDataVersionJson(const DataVersion& dv, std::string* out) {
  json::Writer w(out);
  w.BeginObject();
  w.Key("counter").Int(dv.counter);
  w.Key("stateVersion").Int(dv.state_version);
  w.Key("timestamp").Int(dv.timestamp);
  w.EndObject();
}

bool ParseTopicConfig(const rapidjson::Value& v, TopicConfig* tc) {
  if (!v.IsObject()) return false;
  if (!json::GetString(v, "topicName", &tc->topic_name)) return false;
  json::GetInt32(v, "readQueueNums", &tc->read_queue_nums);
  json::GetInt32(v, "writeQueueNums", &tc->write_queue_nums);
  json::GetInt32(v, "perm", &tc->perm);
  json::GetString(v, "topicFilterType", &tc->topic_filter_type);
  json::GetInt32(v, "topicSysFlag", &tc->topic_sys_flag);
  json::GetBool(v, "order", &tc->order);
  return true;
}

bool ParseDataVersion(const rapidjson::Value& v, DataVersion* dv) {
  if (!v.IsObject()) return false;
  json::GetInt64(v, "timestamp", &dv->timestamp);
  json::GetInt64(v, "counter", &dv->counter);
  json::GetInt64(v, "stateVersion", &dv->state_version);
  return true;
}

std::string TopicConfigWrapperJson(const std::map<std::string, TopicConfig>& table, const DataVersion& dv) {
  std::string out = "{\"dataVersion\":";
  AppendDataVersionJson(dv, &out);
  out += ",\"topicConfigTable\":{";
  bool first = true;
  for (const auto& [name, tc] : table) {
    if (!first) out += ',';
    first = false;
    json::AppendString(&out, name);
    out += ':';
    AppendTopicConfigJson(tc, &out);
  }
  out += "}}";
  return out;
}

}  // namespace rmq::server
