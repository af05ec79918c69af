// TopicConfigManager: the broker's topics, persisted to config/topics.json, with the system
// topics Java creates and auto-creation from TBW102 (mirrors Java's TopicConfigManager).
#pragma once

#include <functional>
#include <map>
#include <string>

#include "common/status.h"
#include "server/coalesced_persist.h"
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
  TopicConfigManager(const BrokerConfig& cfg, std::string path)
      : cfg_(cfg), path_(std::move(path)), persist_(path_, [this] { return WrapperJson(); }) {}
  // Loads topics.json and adds the system topics; rewrites the file (at the next PersistIfDirty)
  // only when that changed something.
  Status Load();
  const TopicConfig* Find(const std::string& topic) const;
  // Creates or replaces and bumps the data version. The file is queued for writing at once when
  // it was not written in the last second, else by the broker's next PersistIfDirty (so a burst
  // of N creates costs about one encode per second, not N).
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
  // Called after every change with the topic's name and whether it was deleted (the broker
  // re-registers with the NameServer).
  using ChangeListener = std::function<void(const std::string& topic, bool deleted)>;
  void SetOnChange(ChangeListener fn) { on_change_ = std::move(fn); }
  // Writes topics.json when a change is not on disk yet (broker timer, shutdown).
  bool PersistIfDirty() { return persist_.PersistIfDirty(); }
  bool dirty() const { return persist_.dirty(); }
  uint64_t persist_writes() const { return persist_.writes(); }

 private:
  // Returns true when a system topic was added or changed.
  bool AddSystemTopics();
  void Changed(const std::string& topic, bool deleted);
  const BrokerConfig& cfg_;
  std::string path_;
  CoalescedPersist persist_;
  std::map<std::string, TopicConfig> table_;
  DataVersion data_version_;
  ChangeListener on_change_;
};

}  // namespace rmq::server
