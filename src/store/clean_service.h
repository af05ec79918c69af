// CleanService: retention and disk protection on a background thread (mirrors Java's
// DefaultMessageStore.CleanCommitLogService + CleanConsumeQueueService).
//
// Each pass (every cleanResourceInterval ms, or at once after ExecuteDeleteFilesManually):
//  1. Measures how full the CommitLog's disk partition is. Above diskSpaceWarningLevelRatio the
//     store is marked disk-full (writes are refused) and files are deleted without waiting for
//     them to expire; above diskSpaceCleanForciblyRatio files are deleted without waiting; at
//     or below it the disk-full mark is cleared.
//  2. When it is a deleteWhen hour, or the disk is above diskMaxUsedSpaceRatio, or a manual
//     delete is pending: deletes CommitLog files older than fileReservedTime hours (never the
//     current one; at most 10 per pass; all candidates, expired or not, when cleaning at once).
//  3. When the CommitLog's minimum offset moved: deletes ConsumeQueue and index files whose
//     entries all point below it and raises the ConsumeQueues' minimum offsets.
// Deletion never races readers: files leave their queue under its mutex, and a reader's
// shared_ptr keeps a mapping valid until it is done.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "store/commit_log.h"
#include "store/consume_queue_store.h"
#include "store/index_service.h"
#include "store/message_store.h"

namespace rmq::store {

// Mirrors MappedFileQueue.DELETE_FILES_BATCH_MAX and DefaultMessageStore.MAX_MANUAL_DELETE_FILE_TIMES.
constexpr int kDeleteFilesBatchMax = 10;
constexpr int kMaxManualDeleteFileTimes = 20;

// Java's UtilAll.getDiskPartitionSpaceUsedPercent: (total - free) / total of the partition
// holding `path`, or -1 when it cannot be measured.
double DiskPartitionSpaceUsedPercent(const std::string& path);
// Java's UtilAll.isItTimeToDo: `when` is a ';'-separated list of hours ("04", "04;16"); true
// when the local hour of `now_ms` is one of them.
bool IsItTimeToDo(const std::string& when, int64_t now_ms);

class CleanService {
 public:
  CleanService(const MessageStoreConfig& config, CommitLog* commit_log, ConsumeQueueStore* queues,
               IndexService* index);
  ~CleanService();
  CleanService(const CleanService&) = delete;
  CleanService& operator=(const CleanService&) = delete;

  void Start();
  void Stop();  // idempotent

  // One pass at wall-clock time `now_ms`. The thread calls it; tests call it directly.
  void RunOnce(int64_t now_ms);
  // Java's executeDeleteFilesManually: the next 20 passes delete expired files whatever the
  // hour, and a pass runs now. Any thread.
  void ExecuteDeleteFilesManually();

  bool disk_full() const { return disk_full_.load(std::memory_order_acquire); }
  // Used fraction of the partition, as measured by the latest pass (or now, before the first).
  double DiskUsedRatio(const std::string& path) const;

 private:
  void Run();
  bool IsSpaceToDelete(bool* clean_immediately);

  const MessageStoreConfig& config_;
  CommitLog* commit_log_;
  ConsumeQueueStore* queues_;
  IndexService* index_;

  std::atomic<bool> disk_full_{false};
  std::atomic<int> manual_delete_times_{0};
  int64_t last_physical_min_offset_ = 0;  // clean thread (or the test calling RunOnce)

  std::mutex run_mu_;  // one pass at a time (the thread, or a test's RunOnce)
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool wake_ = false;
  std::thread thread_;
};

}  // namespace rmq::store
