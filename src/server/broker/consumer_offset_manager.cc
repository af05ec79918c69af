#include "server/broker/consumer_offset_manager.h"

#include <rapidjson/document.h>

#include "common/json.h"
#include "common/logging.h"
#include "protocol/ext_fields.h"
#include "server/file_util.h"

namespace rmq::server {

namespace {
std::string Key(const std::string& topic, const std::string& group) { return topic + "@" + group; }
}  // namespace

Status ConsumerOffsetManager::Load() {
  FlushPersistQueue();  // see our own queued writes
  std::string text;
  if (!ReadConfigFile(path_, &text).ok() || text.empty()) return Status::OK();
  rapidjson::Document doc;
  std::string norm = json::NormalizeFastjson(text);
  if (Status s = json::Parse(norm, &doc); !s.ok()) return Status::Corruption(path_ + " is not valid JSON: " + s.message());
  const auto* t = json::GetObject(doc, "offsetTable");
  if (t == nullptr) return Status::OK();
  for (auto m = t->MemberBegin(); m != t->MemberEnd(); ++m) {
    if (!m->value.IsObject()) continue;
    auto& queues = table_[m->name.GetString()];
    for (auto q = m->value.MemberBegin(); q != m->value.MemberEnd(); ++q) {
      int32_t qid;
      if (!protocol::ParseInt32(q->name.GetString(), &qid)) continue;
      if (q->value.IsInt64()) queues[qid] = q->value.GetInt64();
    }
  }
  return Status::OK();
}

std::string ConsumerOffsetManager::Encode() const {
  std::string out;
  json::Writer w(&out);
  w.BeginObject().Key("offsetTable").BeginObject();
  for (const auto& [key, queues] : table_) {
    w.Key(key).BeginObject();
    for (const auto& [qid, off] : queues) w.RawKey(std::to_string(qid)).Int(off);
    w.EndObject();
  }
  w.EndObject().EndObject();
  return out;
}

void ConsumerOffsetManager::PersistIfDirty() {
  if (!dirty_) return;
  dirty_ = false;
  PersistAsync(path_, Encode());
}

void ConsumerOffsetManager::CommitOffset(const std::string& group, const std::string& topic, int32_t queue_id,
                                         int64_t offset) {
  table_[Key(topic, group)][queue_id] = offset;
  dirty_ = true;
}

int64_t ConsumerOffsetManager::QueryOffset(const std::string& group, const std::string& topic, int32_t queue_id) const {
  auto it = table_.find(Key(topic, group));
  if (it == table_.end()) return -1;
  auto q = it->second.find(queue_id);
  return q == it->second.end() ? -1 : q->second;
}

std::map<int32_t, int64_t> ConsumerOffsetManager::QueryOffsets(const std::string& group, const std::string& topic) const {
  auto it = table_.find(Key(topic, group));
  return it == table_.end() ? std::map<int32_t, int64_t>{} : it->second;
}

std::set<std::string> ConsumerOffsetManager::TopicsOfGroup(const std::string& group) const {
  std::set<std::string> out;
  for (const auto& [key, _] : table_) {
    size_t at = key.rfind('@');
    if (at != std::string::npos && key.compare(at + 1, std::string::npos, group) == 0) out.insert(key.substr(0, at));
  }
  return out;
}

std::set<std::string> ConsumerOffsetManager::GroupsOfTopic(const std::string& topic) const {
  std::set<std::string> out;
  for (const auto& [key, _] : table_) {
    size_t at = key.rfind('@');
    if (at != std::string::npos && key.compare(0, at, topic) == 0 && at == topic.size()) out.insert(key.substr(at + 1));
  }
  return out;
}

void ConsumerOffsetManager::RemoveGroup(const std::string& group) {
  for (auto it = table_.begin(); it != table_.end();) {
    size_t at = it->first.rfind('@');
    if (at != std::string::npos && it->first.compare(at + 1, std::string::npos, group) == 0) {
      it = table_.erase(it);
      dirty_ = true;
    } else {
      ++it;
    }
  }
}

void ConsumerOffsetManager::RemoveTopic(const std::string& topic) {
  for (auto it = table_.begin(); it != table_.end();) {
    if (it->first.size() > topic.size() && it->first.compare(0, topic.size(), topic) == 0 && it->first[topic.size()] == '@') {
      it = table_.erase(it);
      dirty_ = true;
    } else {
      ++it;
    }
  }
}

}  // namespace rmq::server
