// ConsumerOffsetManager: committed offsets per topic@group and queue, persisted to
// config/consumerOffset.json in Java's shape (mirrors Java's ConsumerOffsetManager).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "common/status.h"

namespace rmq::server {

class ConsumerOffsetManager {
 public:
  explicit ConsumerOffsetManager(std::string path) : path_(std::move(path)) {}
  Status Load();
  // Writes the file when something changed since the last call.
  void PersistIfDirty();
  void CommitOffset(const std::string& group, const std::string& topic, int32_t queue_id, int64_t offset);
  // -1 when the group has no offset for that queue.
  int64_t QueryOffset(const std::string& group, const std::string& topic, int32_t queue_id) const;
  std::map<int32_t, int64_t> QueryOffsets(const std::string& group, const std::string& topic) const;
  std::set<std::string> TopicsOfGroup(const std::string& group) const;
  std::set<std::string> GroupsOfTopic(const std::string& topic) const;
  void RemoveGroup(const std::string& group);
  void RemoveTopic(const std::string& topic);
  // {"offsetTable":{"topic@group":{0:12,...}}} as Java writes it.
  std::string Encode() const;

 private:
  std::string path_;
  std::map<std::string, std::map<int32_t, int64_t>> table_;  // "topic@group"
  bool dirty_ = false;
};

}  // namespace rmq::server
