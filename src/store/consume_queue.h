// ConsumeQueue: the per topic-queue index of 20-byte entries under
// `consumequeue/<topic>/<queueId>/` (mirrors Java's ConsumeQueue). Entry n is logical offset n.
//
// Threading: the loop thread writes and reads; the flush thread calls Flush(); the clean
// thread calls DeleteExpiredFiles() (file list under MappedFileQueue's mutex, min offset atomic).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "store/mapped_file_queue.h"

namespace rmq::store {

// Mirrors ConsumeQueue.CQ_STORE_UNIT_SIZE.
constexpr int32_t kCqStoreUnitSize = 20;

// Rounds a configured file size up to whole entries, as Java's getMappedFileSizeConsumeQueue.
int64_t ConsumeQueueFileSize(int64_t configured);

struct CqEntry {
  int64_t commit_log_offset = 0;
  int32_t size = 0;
  int64_t tags_code = 0;
};
void EncodeCqEntry(const CqEntry& e, char* dst);
CqEntry DecodeCqEntry(const char* src);
// Java treats an entry as written when offset >= 0 and size > 0.
inline bool IsValidCqEntry(const CqEntry& e) { return e.commit_log_offset >= 0 && e.size > 0; }

// A run of consecutive entries inside one file, starting at logical offset `start_offset`.
struct CqEntries {
  int64_t start_offset = 0;
  std::string_view bytes;  // a multiple of kCqStoreUnitSize
  std::shared_ptr<MappedFile> hold;
  size_t count() const { return bytes.size() / kCqStoreUnitSize; }
  CqEntry at(size_t i) const { return DecodeCqEntry(bytes.data() + i * kCqStoreUnitSize); }
};

class ConsumeQueue {
 public:
  ConsumeQueue(std::string topic, int32_t queue_id, std::string dir, int64_t file_size);
  ConsumeQueue(const ConsumeQueue&) = delete;
  ConsumeQueue& operator=(const ConsumeQueue&) = delete;

  const std::string& topic() const { return topic_; }
  int32_t queue_id() const { return queue_id_; }

  Status Load() { return queue_.Load(); }
  // Finds the last valid entry (scanning the last 3 files) and cuts everything after it.
  Status Recover();
  // Drops entries whose record does not end at or before `commit_log_end`.
  Status TruncateBeyond(int64_t commit_log_end);
  // Raises the minimum offset past leading entries that point below `commit_log_min` (their
  // CommitLog files were deleted). Mirrors Java's correctMinOffset.
  void CorrectMinOffset(int64_t commit_log_min);
  // Retention (Java's deleteExpiredFile): deletes leading files (never the last) whose every
  // entry points below `commit_log_min`, then corrects the minimum offset. Returns the number
  // of files deleted. Clean thread.
  int DeleteExpiredFiles(int64_t commit_log_min);
  // CommitLog offset of the newest entry, or -1 when the queue is empty (Java's getLastOffset).
  int64_t LastCommitLogOffset() const;

  // Makes sure the next entry has a reserved file to go into (creating the file when the last one
  // is full), so a put can be refused before anything reaches the CommitLog. IsNoSpace when the
  // disk cannot back it.
  Status PrepareForPut();
  // Writes the entry for logical offset `cq_offset`. An offset already present is skipped
  // (OK, idempotent re-dispatch); one past a gap is Corruption and nothing is written.
  Status Put(int64_t cq_offset, const CqEntry& entry);

  // Entries from `offset` to the end of the file containing it; empty if none.
  CqEntries GetEntries(int64_t offset) const;
  bool GetEntry(int64_t offset, CqEntry* entry) const;

  int64_t MinOffset() const;
  int64_t MaxOffset() const { return queue_.MaxOffset() / kCqStoreUnitSize; }
  // End (offset + size) of the newest CommitLog record indexed here, or 0.
  int64_t max_physic_end() const { return max_physic_end_; }
  // Logical offset of the first entry of the next file (Java's rollNextFile).
  int64_t RollNextFile(int64_t offset) const;

  Status Flush(int least_pages) { return queue_.Flush(least_pages); }
  Status Destroy() { return queue_.DestroyAll(); }

 private:
  void RefreshMaxPhysicEnd();

  const std::string topic_;
  const int32_t queue_id_;
  const int64_t file_size_;
  MappedFileQueue queue_;
  int64_t max_physic_end_ = 0;
  std::atomic<int64_t> min_logic_offset_{0};  // bytes; see CorrectMinOffset (clean thread too)
};

}  // namespace rmq::store
