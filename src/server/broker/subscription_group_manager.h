// SubscriptionGroupManager: consumer groups' settings, persisted to
// config/subscriptionGroup.json (mirrors Java's SubscriptionGroupManager).
#pragma once

#include <map>
#include <string>

#include <rapidjson/document.h>

#include "common/status.h"
#include "server/coalesced_persist.h"
#include "server/topic_config.h"

namespace rmq::server {

// Mirrors SubscriptionGroupConfig; defaults are Java's.
struct SubscriptionGroupConfig {
  std::string group_name;
  bool consume_enable = true;
  bool consume_from_min_enable = true;
  bool consume_broadcast_enable = true;
  int32_t retry_queue_nums = 1;
  int32_t retry_max_times = 16;
  int64_t broker_id = 0;
  int64_t which_broker_when_consume_slowly = 1;
  bool notify_consumer_ids_changed_enable = true;
};

void AppendSubscriptionGroupJson(const SubscriptionGroupConfig& g, std::string* out);
bool ParseSubscriptionGroup(const rapidjson::Value& v, SubscriptionGroupConfig* g);

class SubscriptionGroupManager {
 public:
  SubscriptionGroupManager(std::string path, bool auto_create)
      : path_(std::move(path)), auto_create_(auto_create), persist_(path_, [this] { return Encode(); }) {}
  Status Load();
  // The group's config, auto-created when allowed; null otherwise.
  const SubscriptionGroupConfig* FindOrCreate(const std::string& group);
  const SubscriptionGroupConfig* Find(const std::string& group) const;
  void Update(const SubscriptionGroupConfig& g);
  bool Delete(const std::string& group);
  // {"dataVersion":...,"subscriptionGroupTable":{...}}
  std::string Encode() const;
  // Writes the table if an auto-created group is not on disk yet (broker timer, shutdown).
  void PersistIfDirty() { persist_.PersistIfDirty(); }

 private:
  void Persist();
  std::string path_;
  bool auto_create_;
  CoalescedPersist persist_;
  std::map<std::string, SubscriptionGroupConfig> table_;
  DataVersion data_version_;
};

}  // namespace rmq::server
