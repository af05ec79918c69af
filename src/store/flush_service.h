// FlushService: the store's one background thread that syncs mapped files to disk (Java's
// FlushRealTimeService / GroupCommitService for the CommitLog plus FlushConsumeQueueService,
// folded into one thread).
//
// ASYNC_FLUSH: every flush_interval_commit_log ms, sync the CommitLog when at least
// flush_commit_log_least_pages pages are dirty, and everything at least every 10 s.
// SYNC_FLUSH: RequestFlush wakes the thread, which syncs everything appended so far in one go
// (group commit). Either way, after a CommitLog sync the listener gets the flushed offset.
// ConsumeQueues, IndexFiles and the checkpoint are synced every flush_interval_consume_queue ms.
// Stop() does a final full flush. The flush never runs on the caller's thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "store/commit_log.h"
#include "store/consume_queue_store.h"
#include "store/index_service.h"
#include "store/message_store.h"
#include "store/store_checkpoint.h"

namespace rmq::store {

// Whether transientStorePoolEnable is honoured: only with ASYNC_FLUSH on a master, as Java's
// MessageStoreConfig.isTransientStorePoolEnable.
bool TransientStorePoolEnabled(const MessageStoreConfig& config);

// CommitService: Java's CommitRealTimeService, for transientStorePoolEnable. Every
// commit_interval_commit_log ms (or when woken) it copies the bytes waiting in the CommitLog
// files' write buffers into the files, when at least commit_commit_log_least_pages pages wait
// and, at least every commit_commit_log_thorough_interval ms, whatever waits. Stop() commits
// everything. Never runs on the caller's thread.
class CommitService {
 public:
  CommitService(const MessageStoreConfig& config, CommitLog* commit_log);
  ~CommitService();
  CommitService(const CommitService&) = delete;
  CommitService& operator=(const CommitService&) = delete;

  void Start();
  // Final full commit, then joins the thread. Idempotent; safe if never started.
  void Stop();
  // Any thread; cheap when a wake-up is already pending. `all`: commit whatever waits (a reader
  // is waiting for it), else the least-pages rule applies.
  void Wakeup(bool all);
  // Writer thread, after an append: wakes the thread when least pages wait (Java wakes it on
  // every put; this skips the futex when it cannot commit anyway).
  void OnAppended();

 private:
  void Run();
  void CommitOnce(int least_pages);

  const MessageStoreConfig config_;
  CommitLog* const commit_log_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool all_ = false;
  std::atomic<bool> woken_{false};
  std::thread thread_;
};

class FlushService {
 public:
  FlushService(const MessageStoreConfig& config, CommitLog* commit_log, ConsumeQueueStore* queues,
               StoreCheckpoint* checkpoint, IndexService* index = nullptr);
  ~FlushService();
  FlushService(const FlushService&) = delete;
  FlushService& operator=(const FlushService&) = delete;

  void Start();
  // Final full flush, then joins the thread. Idempotent; safe if never started.
  void Stop();

  // Any thread. Asks for a sync of everything appended so far; coalesces.
  void RequestFlush(int64_t offset);
  // Called from the flush thread after each CommitLog sync.
  void SetListener(std::function<void(int64_t flushed_offset)> listener);
  int64_t flushed_offset() const { return flushed_offset_.load(std::memory_order_acquire); }
  // How long (ms) the oldest RequestFlush not yet covered by a completed sync has waited; 0 when
  // none is waiting. Any thread.
  int64_t OldestRequestAgeMs() const;

 private:
  void Run();
  // True when everything appended before the call is on disk.
  bool FlushCommitLog(int least_pages, bool always_notify);
  void FlushConsumeQueues();

  const MessageStoreConfig config_;
  CommitLog* const commit_log_;
  ConsumeQueueStore* const queues_;
  StoreCheckpoint* const checkpoint_;
  IndexService* const index_;  // may be null
  bool checkpoint_failing_ = false;  // flush thread: the checkpoint error is logged once per failure spell

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool flush_requested_ = false;
  // Steady-clock ms of the oldest request not yet taken by the flush thread, and of the oldest
  // one in the sync in progress (0: none). Guarded by mu_.
  int64_t requested_since_ms_ = 0;
  int64_t syncing_since_ms_ = 0;
  std::thread thread_;
  std::atomic<int64_t> flushed_offset_{0};

  std::mutex listener_mu_;
  std::function<void(int64_t)> listener_;
};

}  // namespace rmq::store
