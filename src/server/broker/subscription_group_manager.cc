#include "server/broker/subscription_group_manager.h"

#include "common/json.h"
#include "common/logging.h"
#include "server/file_util.h"

namespace rmq::server {

void AppendSubscriptionGroupJson(const SubscriptionGroupConfig& g, std::string* out) {
  json::Writer w(out);
  w.BeginObject();
  w.Key("brokerId").Int(g.broker_id);
  w.Key("consumeBroadcastEnable").Bool(g.consume_broadcast_enable);
  w.Key("consumeEnable").Bool(g.consume_enable);
  w.Key("consumeFromMinEnable").Bool(g.consume_from_min_enable);
  w.Key("groupName").String(g.group_name);
  w.Key("notifyConsumerIdsChangedEnable").Bool(g.notify_consumer_ids_changed_enable);
  w.Key("retryMaxTimes").Int(g.retry_max_times);
  w.Key("retryQueueNums").Int(g.retry_queue_nums);
  w.Key("whichBrokerWhenConsumeSlowly").Int(g.which_broker_when_consume_slowly);
  w.EndObject();
}

bool ParseSubscriptionGroup(const rapidjson::Value& v, SubscriptionGroupConfig* g) {
  if (!json::GetString(v, "groupName", &g->group_name) || g->group_name.empty()) return false;
  json::GetBool(v, "consumeEnable", &g->consume_enable);
  json::GetBool(v, "consumeFromMinEnable", &g->consume_from_min_enable);
  json::GetBool(v, "consumeBroadcastEnable", &g->consume_broadcast_enable);
  json::GetInt32(v, "retryQueueNums", &g->retry_queue_nums);
  json::GetInt32(v, "retryMaxTimes", &g->retry_max_times);
  json::GetInt64(v, "brokerId", &g->broker_id);
  json::GetInt64(v, "whichBrokerWhenConsumeSlowly", &g->which_broker_when_consume_slowly);
  json::GetBool(v, "notifyConsumerIdsChangedEnable", &g->notify_consumer_ids_changed_enable);
  return true;
}

Status SubscriptionGroupManager::Load() {
  FlushPersistQueue();  // see our own queued writes
  // Java's built-in groups.
  for (const char* name : {"TOOLS_CONSUMER", "FILTERSRV_CONSUMER", "SELF_TEST_C_GROUP", "CID_ONS-HTTP-PROXY",
                           "CID_ONSAPI_PULL", "CID_ONSAPI_PERMISSION", "CID_ONSAPI_OWNER", "CID_RMQ_SYS_TRANS"}) {
    SubscriptionGroupConfig g;
    g.group_name = name;
    table_[name] = g;
  }
  std::string text;
  if (ReadConfigFile(path_, &text).ok() && !text.empty()) {
    rapidjson::Document doc;
    std::string norm = json::NormalizeFastjson(text);
    if (Status s = json::Parse(norm, &doc); !s.ok()) {
      return Status::Corruption(path_ + " is not valid JSON: " + s.message());
    }
    if (const auto* dv = json::GetObject(doc, "dataVersion")) ParseDataVersion(*dv, &data_version_);
    if (const auto* t = json::GetObject(doc, "subscriptionGroupTable")) {
      for (auto m = t->MemberBegin(); m != t->MemberEnd(); ++m) {
        SubscriptionGroupConfig g;
        if (ParseSubscriptionGroup(m->value, &g)) table_[g.group_name] = g;
      }
    }
  }
  return Status::OK();
}

std::string SubscriptionGroupManager::Encode() const {
  std::string out = "{\"dataVersion\":";
  AppendDataVersionJson(data_version_, &out);
  out += ",\"subscriptionGroupTable\":{";
  bool first = true;
  for (const auto& [name, g] : table_) {
    if (!first) out += ',';
    first = false;
    json::AppendString(&out, name);
    out += ':';
    AppendSubscriptionGroupJson(g, &out);
  }
  out += "}}";
  return out;
}

void SubscriptionGroupManager::Persist() {
  data_version_.Next(NowMillis());
  persist_.PersistNow();
}

const SubscriptionGroupConfig* SubscriptionGroupManager::Find(const std::string& group) const {
  auto it = table_.find(group);
  return it == table_.end() ? nullptr : &it->second;
}

const SubscriptionGroupConfig* SubscriptionGroupManager::FindOrCreate(const std::string& group) {
  if (const auto* g = Find(group)) return g;
  if (!auto_create_) return nullptr;
  SubscriptionGroupConfig g;
  g.group_name = group;
  table_[group] = g;
  // Auto-created groups are written by the broker's periodic PersistIfDirty (and at shutdown), not
  // here: encoding the whole table for each new group made N new groups cost O(N^2) on the loop
  // (10,000 pull requests from new groups kept the loop busy for tens of seconds).
  data_version_.Next(NowMillis());
  persist_.MarkDirty();
  return Find(group);
}

void SubscriptionGroupManager::Update(const SubscriptionGroupConfig& g) {
  table_[g.group_name] = g;
  Persist();
}

bool SubscriptionGroupManager::Delete(const std::string& group) {
  if (table_.erase(group) == 0) return false;
  Persist();
  return true;
}

}  // namespace rmq::server
