// TopicConfigManager: the broker's topics, persisted to config/topics.json, with the system
// topics Java creates and auto-creation from TBW102 (mirrors Java's TopicConfigManager).
#pragma once

#include <functional>
#include <map>
#include <string>

#include "common/status.h"
#include "server/config.h"
#include "server/topic_config.h"

namespace rmq::server {

inline constexpr const char* kAutoCreateTopicKeyTopic = "TBW102";
inline constexpr const char* kSelfTestTopic = "SELF_TEST_TOPIC";
inline constexpr const char* kBenchmarkTopic = "BenchmarkTest";
inline constexpr const char* kOffsetMovedEventTopic = "OFFSET_MOVED_EVENT";
inline constexpr const char* kScheduleTopic = "SCHEDULE_TOPIC_XXXX";
inline constexpr const char* kTransHalfTopic = "RMQ_SYS_TRANS_HALF_TOPIC";
inline constexpr const char* kTransOpHalfTopic = "RMQ_SYS_TRANS_OP_HALF_TOPIC";
inline constexpr const char* kTransCheckMaxTimeTopic = "TRANS_CHECK_MAX_TIME_TOPIC";
inline constexpr const char* kRetryGroupTopicPrefix = "%RETRY%";
inline constexpr const char* kDlqGroupTopicPrefix = "%DLQ%";

// Topic names: ^[%|a-zA-Z0-9_-]+$, at most 127 characters (retry/DLQ topics 255).
bool IsValidTopicName(const std::string& topic, std::string* why);
// Topics a client may not send to directly: Java 4.9.7's NOT_ALLOWED_SEND_TOPIC_SET plus its
// SELF_TEST_TOPIC, OFFSET_MOVED_EVENT and (rmqd only) TBW102.
bool IsNotAllowedSendTopic(const std::string& topic);
bool IsSystemTopic(const std::string& topic);

class TopicConfigManager {
 public:
  TopicConfigManager(const BrokerConfig& cfg, std::string path) : cfg_(cfg), path_(std::move(path)) {}
  // Loads topics.json (keeping system topics current) and persists.
  Status Load();
  const TopicConfig* Find(const std::string& topic) const;
  // Creates or replaces; persists and bumps the data version.
  void Update(const TopicConfig& tc);
  bool Delete(const std::string& topic);
  // Auto-creates `topic` from `default_topic` (TBW102) as Java's
  // createTopicInSendMessageMethod does; null when not allowed.
  const TopicConfig* CreateTopicInSendMessageMethod(const std::string& topic, const std::string& default_topic,
                                                    int32_t queue_nums, int32_t topic_sys_flag);
  // Creates the retry/DLQ topic of a group if missing.
  const TopicConfig* CreateTopicIfAbsent(const std::string& topic, int32_t queue_nums, int32_t perm);

  const std::map<std::string, TopicConfig>& table() const { return table_; }
  const DataVersion& data_version() const { return data_version_; }
  std::string WrapperJson() const { return TopicConfigWrapperJson(table_, data_version_); }
  // Called after every change (the broker re-registers with the NameServer).
  void SetOnChange(std::function<void()> fn) { on_change_ = std::move(fn); }

 private:
  void AddSystemTopics();
  void Persist();
  const BrokerConfig& cfg_;
  std::string path_;
  std::map<std::string, TopicConfig> table_;
  DataVersion data_version_;
  std::function<void()> on_change_;
};

}  // namespace rmq::server
