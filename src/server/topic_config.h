// TopicConfig and DataVersion, shared by the broker (topics.json, registration) and the
// NameServer (route table), with their JSON shapes as Java writes them.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <rapidjson/document.h>

namespace rmq::server {

// Mirrors PermName.
inline constexpr int32_t kPermPriority = 8;
inline constexpr int32_t kPermRead = 4;
inline constexpr int32_t kPermWrite = 2;
inline constexpr int32_t kPermInherit = 1;
inline bool IsReadable(int32_t perm) { return (perm & kPermRead) != 0; }
inline bool IsWriteable(int32_t perm) { return (perm & kPermWrite) != 0; }
inline bool IsInherited(int32_t perm) { return (perm & kPermInherit) != 0; }
// Mirrors PermName.isValid (5.x): READ, WRITE and INHERIT only, so 0..7. The 4.9.7 broker stores
// and registers any int a create request carries (255, -1); rmqd refuses the others.
inline bool IsValidPerm(int32_t perm) { return perm >= 0 && perm < kPermPriority; }

// Mirrors TopicConfig.
struct TopicConfig {
  std::string topic_name;
  int32_t read_queue_nums = 16;
  int32_t write_queue_nums = 16;
  int32_t perm = kPermRead | kPermWrite;
  std::string topic_filter_type = "SINGLE_TAG";
  int32_t topic_sys_flag = 0;
  bool order = false;
};

// Mirrors DataVersion: changes whenever the topic set changes.
struct DataVersion {
  int64_t timestamp = 0;
  int64_t counter = 0;
  int64_t state_version = 0;
  void Next(int64_t now_ms) { timestamp = now_ms; ++counter; }
  bool operator==(const DataVersion& o) const {
    return timestamp == o.timestamp && counter == o.counter && state_version == o.state_version;
  }
};

void AppendTopicConfigJson(const TopicConfig& tc, std::string* out);
void AppendDataVersionJson(const DataVersion& dv, std::string* out);
bool ParseTopicConfig(const rapidjson::Value& v, TopicConfig* tc);
bool ParseDataVersion(const rapidjson::Value& v, DataVersion* dv);
// {"dataVersion":{...},"topicConfigTable":{"T":{...}}}: topics.json, GET_ALL_TOPIC_CONFIG and
// the register body's topicConfigSerializeWrapper.
std::string TopicConfigWrapperJson(const std::map<std::string, TopicConfig>& table, const DataVersion& dv);

int64_t NowMillis();

}  // namespace rmq::server
