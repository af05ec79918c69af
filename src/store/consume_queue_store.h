// ConsumeQueueStore: topic -> queueId -> ConsumeQueue under `consumequeue/` (the consumeQueueTable
// of Java's DefaultMessageStore).
//
// Threading: the loop thread creates, finds and deletes queues; the flush thread takes
// snapshots with All(). The map is mutex-guarded; queues are shared_ptrs so a snapshot stays
// usable after DeleteTopic.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/consume_queue.h"

namespace rmq::store {

class ConsumeQueueStore {
 public:
  ConsumeQueueStore(std::string root_dir, int64_t file_size);
  ConsumeQueueStore(const ConsumeQueueStore&) = delete;
  ConsumeQueueStore& operator=(const ConsumeQueueStore&) = delete;

  // Loads every `<topic>/<queueId>` directory and recovers each queue's valid tail.
  Status Load();

  std::shared_ptr<ConsumeQueue> Find(std::string_view topic, int32_t queue_id) const;
  bool HasTopic(std::string_view topic) const;
  // Finds or creates (in memory; files appear on first write).
  std::shared_ptr<ConsumeQueue> FindOrCreate(std::string_view topic, int32_t queue_id);
  std::vector<std::shared_ptr<ConsumeQueue>> All() const;
  // Removes the topic's queues and their files.
  Status DeleteTopic(std::string_view topic);
  // Java's cleanExpiredConsumerQueue: removes (with their files) the queues whose newest entry
  // points below `commit_log_min`, and topics left with no queue. Queues with no entry yet and
  // `keep_topic` are kept. Returns the number of queues removed.
  int CleanExpiredQueues(int64_t commit_log_min, std::string_view keep_topic);

 private:
  std::string QueueDir(std::string_view topic, int32_t queue_id) const;

  const std::string root_dir_;
  const int64_t file_size_;
  mutable std::mutex mu_;
  std::map<std::string, std::map<int32_t, std::shared_ptr<ConsumeQueue>>, std::less<>> table_;
};

// A topic name that is safe to use as a directory name (no '/', NUL, "." or ".."); the store
// rejects others.
bool IsStorableTopic(std::string_view topic);

}  // namespace rmq::store
