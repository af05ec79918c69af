#include "server/broker/topic_config_manager.h"

#include <rapidjson/document.h>

#include "common/json.h"
#include "common/logging.h"
#include "server/broker/timer_message_util.h"
#include "server/file_util.h"

namespace rmq::server {

bool IsValidTopicName(const std::string& topic, std::string* why) {
  if (topic.empty()) {
    *why = "The specified topic is blank.";
    return false;
  }
  for (char c : topic) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '%' || c == '|' ||
              c == '_' || c == '-';
    if (!ok) {
      *why = "The specified topic[" + topic + "] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$";
      return false;
    }
  }
  bool retry_or_dlq = topic.rfind(kRetryGroupTopicPrefix, 0) == 0 || topic.rfind(kDlqGroupTopicPrefix, 0) == 0;
  size_t max = retry_or_dlq ? 255 : 127;
  if (topic.size() > max) {
    *why = "The specified topic is longer than topic max length " + std::to_string(max) + ".";
    return false;
  }
  return true;
}

bool IsNotAllowedSendTopic(const std::string& topic) {
  // TBW102 is not in Java 4.9.7's set (its broker stores what is sent there); rmqd refuses it
  // too: it is the template auto-created topics copy, not a topic anyone consumes.
  static const char* kNotAllowed[] = {kAutoCreateTopicKeyTopic, kScheduleTopic, kTransHalfTopic, kTransOpHalfTopic, kTransCheckMaxTimeTopic,
                                      kSelfTestTopic, kOffsetMovedEventTopic};
  for (const char* t : kNotAllowed)
    if (topic == t) return true;
  return false;
}

bool IsSystemTopic(const std::string& topic) {
  return IsNotAllowedSendTopic(topic) || topic == kAutoCreateTopicKeyTopic || topic == kBenchmarkTopic ||
         topic.rfind("rmq_sys_", 0) == 0 || topic == "RMQ_SYS_TRACE_TOPIC";
}

bool TopicConfigManager::AddSystemTopics() {
  bool changed = false;
  auto add = [this, &changed](const std::string& name, int32_t r, int32_t w, int32_t perm) {
    TopicConfig tc;
    tc.topic_name = name;
    tc.read_queue_nums = r;
    tc.write_queue_nums = w;
    tc.perm = perm;
    auto it = table_.find(name);
    if (it != table_.end() && it->second.read_queue_nums == r && it->second.write_queue_nums == w &&
        it->second.perm == perm && it->second.topic_filter_type == tc.topic_filter_type &&
        it->second.topic_sys_flag == 0 && !it->second.order) {
      return;
    }
    table_[name] = tc;
    changed = true;
  };
  add(kSelfTestTopic, 1, 1, kPermRead | kPermWrite);
  if (cfg_.auto_create_topic_enable) {
    add(kAutoCreateTopicKeyTopic, cfg_.default_topic_queue_nums, cfg_.default_topic_queue_nums,
        kPermInherit | kPermRead | kPermWrite);
  }
  add(kBenchmarkTopic, 1024, 1024, kPermRead | kPermWrite);
  add(cfg_.broker_cluster_name, 16, 16, kPermInherit | (cfg_.cluster_topic_enable ? kPermRead | kPermWrite : 0));
  add(cfg_.broker_name, 1, 1, kPermInherit | (cfg_.broker_topic_enable ? kPermRead | kPermWrite : 0));
  add(kOffsetMovedEventTopic, 1, 1, kPermRead | kPermWrite);
  add(kScheduleTopic, 18, 18, kPermRead | kPermWrite);
  if (cfg_.trace_topic_enable) add(cfg_.msg_trace_topic_name, 1, 1, kPermRead | kPermWrite);
  add(cfg_.broker_cluster_name + "_REPLY_TOPIC", 1, 1, kPermRead | kPermWrite);
  add(kTransHalfTopic, 1, 1, kPermRead | kPermWrite);
  add(kTransOpHalfTopic, 1, 1, kPermRead | kPermWrite);
  // 5.x's init: TimerMessageStore.TIMER_TOPIC, one queue, when timerWheelEnable.
  if (cfg_.timer_wheel_enable) add(std::string(kTimerTopic), 1, 1, kPermRead | kPermWrite);
  return changed;
}

Status TopicConfigManager::Load() {
  FlushPersistQueue();  // see our own queued writes
  std::string text;
  bool on_disk = ReadConfigFile(path_, &text).ok() && !text.empty();
  if (on_disk) {
    rapidjson::Document doc;
    // topics.json has string keys only, so Java's file is plain JSON; the fastjson normalisation
    // (a second copy of a 1M-topic file's ~180 MB) is the fallback, not the first try.
    Status s = json::Parse(text, &doc);
    if (!s.ok()) {
      std::string norm = json::NormalizeFastjson(text);
      std::string().swap(text);
      s = json::Parse(norm, &doc);
    }
    std::string().swap(text);
    if (!s.ok() || !doc.IsObject()) {
      return Status::Corruption(path_ + " is not valid JSON" + (s.ok() ? "" : ": " + s.message()));
    }
    if (const auto* dv = json::GetObject(doc, "dataVersion")) ParseDataVersion(*dv, &data_version_);
    if (const auto* t = json::GetObject(doc, "topicConfigTable")) {
      for (auto m = t->MemberBegin(); m != t->MemberEnd(); ++m) {
        TopicConfig tc;
        if (!ParseTopicConfig(m->value, &tc)) continue;
        // rmqd writes the table sorted: appending at the end costs one comparison, not log N.
        if (table_.empty() || table_.rbegin()->first < tc.topic_name) {
          std::string name = tc.topic_name;
          table_.emplace_hint(table_.end(), std::move(name), std::move(tc));
        } else {
          table_[tc.topic_name] = std::move(tc);
        }
      }
    }
  }
  // Rewriting an unchanged file would encode every topic once more at start-up (1M topics:
  // ~150 MB on the loop); it is written when it is missing or the system topics changed.
  if (AddSystemTopics() || !on_disk) persist_.MarkDirty();
  data_version_.Next(NowMillis());
  return Status::OK();
}

const TopicConfig* TopicConfigManager::Find(const std::string& topic) const {
  auto it = table_.find(topic);
  return it == table_.end() ? nullptr : &it->second;
}

void TopicConfigManager::Changed(const std::string& topic, bool deleted) {
  data_version_.Next(NowMillis());
  persist_.Changed();
  if (on_change_) on_change_(topic, deleted);
}

void TopicConfigManager::Update(const TopicConfig& tc) {
  table_[tc.topic_name] = tc;
  Changed(tc.topic_name, false);
}

bool TopicConfigManager::Delete(const std::string& topic) {
  if (table_.erase(topic) == 0) return false;
  Changed(topic, true);
  return true;
}

const TopicConfig* TopicConfigManager::CreateTopicInSendMessageMethod(const std::string& topic,
                                                                      const std::string& default_topic,
                                                                      int32_t queue_nums, int32_t topic_sys_flag) {
  if (const TopicConfig* tc = Find(topic)) return tc;
  const TopicConfig* def = Find(default_topic);
  if (def == nullptr) return nullptr;
  if (default_topic == kAutoCreateTopicKeyTopic && !cfg_.auto_create_topic_enable) return nullptr;
  if (!IsInherited(def->perm)) return nullptr;
  TopicConfig tc;
  tc.topic_name = topic;
  int32_t n = std::min(queue_nums, def->write_queue_nums);
  if (n < 0) n = 0;
  tc.read_queue_nums = n;
  tc.write_queue_nums = n;
  tc.perm = def->perm & ~kPermInherit;
  tc.topic_sys_flag = topic_sys_flag;
  tc.topic_filter_type = def->topic_filter_type;
  RMQ_LOG_INFO("auto-created topic %s from %s with %d queues", topic.c_str(), default_topic.c_str(), n);
  Update(tc);
  return Find(topic);
}

const TopicConfig* TopicConfigManager::CreateTopicIfAbsent(const std::string& topic, int32_t queue_nums, int32_t perm) {
  if (const TopicConfig* tc = Find(topic)) return tc;
  TopicConfig tc;
  tc.topic_name = topic;
  tc.read_queue_nums = queue_nums;
  tc.write_queue_nums = queue_nums;
  tc.perm = perm;
  Update(tc);
  return Find(topic);
}

}  // namespace rmq::server
