#include "store/consume_queue_store.h"

#include <charconv>
#include <filesystem>
#include <system_error>

#include "common/logging.h"

namespace rmq::store {

namespace fs = std::filesystem;

bool IsStorableTopic(std::string_view topic) {
  if (topic.empty() || topic == "." || topic == "..") return false;
  for (char c : topic) {
    if (c == '/' || c == '\0') return false;
  }
  return true;
}

ConsumeQueueStore::ConsumeQueueStore(std::string root_dir, int64_t file_size)
    : root_dir_(std::move(root_dir)), file_size_(file_size) {}

std::string ConsumeQueueStore::QueueDir(std::string_view topic, int32_t queue_id) const {
  return root_dir_ + "/" + std::string(topic) + "/" + std::to_string(queue_id);
}

Status ConsumeQueueStore::Load() {
  Status s = CreateDirs(root_dir_);
  if (!s.ok()) return s;
  std::error_code ec;
  for (const auto& topic_entry : fs::directory_iterator(root_dir_, ec)) {
    if (!topic_entry.is_directory(ec)) continue;
    std::string topic = topic_entry.path().filename().string();
    if (!IsStorableTopic(topic)) continue;
    std::error_code ec2;
    for (const auto& queue_entry : fs::directory_iterator(topic_entry.path(), ec2)) {
      std::string name = queue_entry.path().filename().string();
      int32_t queue_id = -1;
      auto r = std::from_chars(name.data(), name.data() + name.size(), queue_id);
      if (!queue_entry.is_directory(ec2) || r.ec != std::errc() ||
          r.ptr != name.data() + name.size() || queue_id < 0) {
        RMQ_LOG_WARN("ignoring %s in consume queue dir of %s", name.c_str(), topic.c_str());
        continue;
      }
      auto cq = std::make_shared<ConsumeQueue>(topic, queue_id, QueueDir(topic, queue_id), file_size_);
      s = cq->Load();
      if (s.ok()) s = cq->Recover();
      if (!s.ok()) return s;
      std::lock_guard<std::mutex> l(mu_);
      table_[topic][queue_id] = std::move(cq);
    }
    if (ec2) return Status::IOError("list " + topic_entry.path().string() + ": " + ec2.message());
  }
  if (ec) return Status::IOError("list " + root_dir_ + ": " + ec.message());
  return Status::OK();
}

std::shared_ptr<ConsumeQueue> ConsumeQueueStore::Find(std::string_view topic, int32_t queue_id) const {
  std::lock_guard<std::mutex> l(mu_);
  auto t = table_.find(topic);
  if (t == table_.end()) return nullptr;
  auto q = t->second.find(queue_id);
  return q == t->second.end() ? nullptr : q->second;
}

bool ConsumeQueueStore::HasTopic(std::string_view topic) const {
  std::lock_guard<std::mutex> l(mu_);
  return table_.find(topic) != table_.end();
}

std::shared_ptr<ConsumeQueue> ConsumeQueueStore::FindOrCreate(std::string_view topic, int32_t queue_id) {
  std::lock_guard<std::mutex> l(mu_);
  auto t = table_.find(topic);
  if (t == table_.end()) t = table_.emplace(std::string(topic), std::map<int32_t, std::shared_ptr<ConsumeQueue>>()).first;
  auto& slot = t->second[queue_id];
  if (!slot) {
    slot = std::make_shared<ConsumeQueue>(std::string(topic), queue_id, QueueDir(topic, queue_id), file_size_);
  }
  return slot;
}

std::vector<std::shared_ptr<ConsumeQueue>> ConsumeQueueStore::All() const {
  std::vector<std::shared_ptr<ConsumeQueue>> out;
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& [topic, queues] : table_) {
    for (const auto& [id, cq] : queues) out.push_back(cq);
  }
  return out;
}

int ConsumeQueueStore::CleanExpiredQueues(int64_t commit_log_min, std::string_view keep_topic) {
  std::vector<std::shared_ptr<ConsumeQueue>> doomed;
  std::vector<std::string> empty_topics;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto t = table_.begin(); t != table_.end();) {
      if (t->first != keep_topic) {
        for (auto q = t->second.begin(); q != t->second.end();) {
          int64_t last = q->second->LastCommitLogOffset();
          if (last >= 0 && last < commit_log_min) {
            doomed.push_back(q->second);
            q = t->second.erase(q);
          } else {
            ++q;
          }
        }
      }
      if (t->second.empty()) {
        empty_topics.push_back(t->first);
        t = table_.erase(t);
      } else {
        ++t;
      }
    }
  }
  for (auto& cq : doomed) {
    RMQ_LOG_INFO("cleanExpiredConsumerQueue: %s/%d destroyed, CommitLog min %lld, its last %lld", cq->topic().c_str(),
                 cq->queue_id(), static_cast<long long>(commit_log_min),
                 static_cast<long long>(cq->LastCommitLogOffset()));
    Status s = cq->Destroy();
    if (!s.ok()) RMQ_LOG_ERROR("%s", s.ToString().c_str());
    std::error_code ec;
    if (IsStorableTopic(cq->topic())) fs::remove(QueueDir(cq->topic(), cq->queue_id()), ec);
  }
  for (const auto& topic : empty_topics) {
    std::error_code ec;
    if (IsStorableTopic(topic)) fs::remove(root_dir_ + "/" + topic, ec);  // only when empty
  }
  return static_cast<int>(doomed.size());
}

Status ConsumeQueueStore::DeleteTopic(std::string_view topic) {
  std::map<int32_t, std::shared_ptr<ConsumeQueue>> queues;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto t = table_.find(topic);
    if (t != table_.end()) {
      queues.swap(t->second);
      table_.erase(t);
    }
  }
  Status result;
  for (auto& [id, cq] : queues) {
    Status s = cq->Destroy();
    if (!s.ok() && result.ok()) result = s;
  }
  if (IsStorableTopic(topic)) {
    std::error_code ec;
    fs::remove_all(root_dir_ + "/" + std::string(topic), ec);
  }
  return result;
}

}  // namespace rmq::store
