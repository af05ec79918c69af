#include "store/flush_service.h"

#include <algorithm>

#include "common/logging.h"

namespace rmq::store {

namespace {
using Clock = std::chrono::steady_clock;
// Mirrors MessageStoreConfig.flushCommitLogThoroughInterval.
constexpr std::chrono::milliseconds kFlushCommitLogThoroughInterval(10000);

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}
}  // namespace

bool TransientStorePoolEnabled(const MessageStoreConfig& config) {
  return config.transient_store_pool_enable && config.flush_disk_type == FlushDiskType::kAsyncFlush &&
         !config.slave;
}

CommitService::CommitService(const MessageStoreConfig& config, CommitLog* commit_log)
    : config_(config), commit_log_(commit_log) {}

CommitService::~CommitService() { Stop(); }

void CommitService::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (thread_.joinable() || stop_) return;
  thread_ = std::thread([this] { Run(); });
}

void CommitService::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  CommitOnce(0);  // Java retries 10 times; one pass copies everything
}

void CommitService::CommitOnce(int least_pages) {
  // Read the timestamp before the end: every record stored before it lies below the end, so once
  // the end is committed the flush thread may sync and claim it.
  const int64_t ts = commit_log_->last_store_timestamp();
  MappedFileQueue* q = commit_log_->file_queue();
  const int64_t end = q->MaxWroteOffset();
  q->Commit(least_pages);
  if (ts > 0 && q->MaxOffset() >= end) commit_log_->set_committed_store_timestamp(ts);
}

void CommitService::Wakeup(bool all) {
  if (!all && woken_.load(std::memory_order_relaxed)) return;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (all) all_ = true;
    woken_.store(true, std::memory_order_relaxed);
  }
  cv_.notify_one();
}

void CommitService::OnAppended() {
  if (woken_.load(std::memory_order_relaxed)) return;
  std::shared_ptr<MappedFile> f = commit_log_->file_queue()->LastFile();
  if (!f) return;
  const int64_t least = std::max(1, config_.commit_commit_log_least_pages);
  if (f->IsFull() || (f->write_position() / 4096) - (f->read_position() / 4096) >= least) Wakeup(false);
}

void CommitService::Run() {
  const auto interval = std::chrono::milliseconds(std::max(1, config_.commit_interval_commit_log));
  const auto thorough = std::chrono::milliseconds(std::max(0, config_.commit_commit_log_thorough_interval));
  auto last_thorough = Clock::now();
  while (true) {
    bool all;
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait_for(l, interval, [this] { return stop_ || woken_.load(std::memory_order_relaxed); });
      if (stop_) break;
      all = all_;
      all_ = false;
      woken_.store(false, std::memory_order_relaxed);
    }
    const auto now = Clock::now();
    int least = std::max(0, config_.commit_commit_log_least_pages);
    if (all || now - last_thorough >= thorough) {
      least = 0;
      last_thorough = now;
    }
    CommitOnce(least);
  }
}

FlushService::FlushService(const MessageStoreConfig& config, CommitLog* commit_log,
                           ConsumeQueueStore* queues, StoreCheckpoint* checkpoint, IndexService* index)
    : config_(config), commit_log_(commit_log), queues_(queues), checkpoint_(checkpoint), index_(index) {
  flushed_offset_.store(commit_log_->file_queue()->FlushedOffset());
}

FlushService::~FlushService() { Stop(); }

void FlushService::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (thread_.joinable() || stop_) return;
  thread_ = std::thread([this] { Run(); });
}

void FlushService::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();  // the thread did the final flush
  } else {
    FlushCommitLog(0, false);
    FlushConsumeQueues();
  }
}

void FlushService::RequestFlush(int64_t offset) {
  // One flag, not a list: the next sync covers everything appended before it, so requests
  // made meanwhile coalesce. Even an already-durable offset gets a listener call.
  {
    std::lock_guard<std::mutex> l(mu_);
    flush_requested_ = true;
    if (requested_since_ms_ == 0 && offset > flushed_offset()) requested_since_ms_ = std::max<int64_t>(1, SteadyMs());
  }
  cv_.notify_one();
}

int64_t FlushService::OldestRequestAgeMs() const {
  std::lock_guard<std::mutex> l(mu_);
  const int64_t since = syncing_since_ms_ != 0 ? syncing_since_ms_ : requested_since_ms_;
  return since == 0 ? 0 : std::max<int64_t>(0, SteadyMs() - since);
}

void FlushService::SetListener(std::function<void(int64_t)> listener) {
  std::lock_guard<std::mutex> l(listener_mu_);
  listener_ = std::move(listener);
}

void FlushService::Run() {
  const auto cl_interval = std::chrono::milliseconds(std::max(1, config_.flush_interval_commit_log));
  const auto cq_interval = std::chrono::milliseconds(std::max(1, config_.flush_interval_consume_queue));
  const bool sync_mode = config_.flush_disk_type == FlushDiskType::kSyncFlush;
  auto now = Clock::now();
  auto next_cl = now + cl_interval;
  auto next_cq = now + cq_interval;
  auto last_thorough = now;
  while (true) {
    bool requested;
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait_until(l, std::min(next_cl, next_cq), [this] { return stop_ || flush_requested_; });
      if (stop_) break;
      requested = flush_requested_;
      flush_requested_ = false;
      // The sync below covers every request made so far; a failed sync keeps them waiting.
      if (requested_since_ms_ != 0 && syncing_since_ms_ == 0) syncing_since_ms_ = requested_since_ms_;
      requested_since_ms_ = 0;
    }
    now = Clock::now();
    if (requested || now >= next_cl) {
      int least = (sync_mode || requested) ? 0 : config_.flush_commit_log_least_pages;
      if (now - last_thorough >= kFlushCommitLogThoroughInterval) {
        least = 0;
        last_thorough = now;
      }
      const bool synced = FlushCommitLog(least, requested);
      if (synced) {
        std::lock_guard<std::mutex> l(mu_);
        syncing_since_ms_ = 0;
      }
      if (now >= next_cl) next_cl = now + cl_interval;
    }
    if (now >= next_cq) {
      FlushConsumeQueues();
      next_cq = now + cq_interval;
    }
  }
  // Final flush, on this thread so the listener keeps its thread affinity.
  FlushCommitLog(0, false);
  FlushConsumeQueues();
}

bool FlushService::FlushCommitLog(int least_pages, bool always_notify) {
  if (config_.before_commit_log_sync) config_.before_commit_log_sync();
  // Read the timestamp before the end offset: every record stored before that timestamp lies
  // below the end, so once the end is synced the checkpoint may claim the timestamp.
  // With write buffers, only what is committed (below MaxOffset) can be synced.
  int64_t ts = TransientStorePoolEnabled(config_) ? commit_log_->committed_store_timestamp()
                                                  : commit_log_->last_store_timestamp();
  MappedFileQueue* q = commit_log_->file_queue();
  int64_t end = q->MaxOffset();
  Status s = q->Flush(least_pages);
  if (!s.ok()) RMQ_LOG_ERROR("CommitLog flush failed: %s", s.ToString().c_str());
  int64_t flushed = q->FlushedOffset();
  if (flushed >= end && ts > 0) checkpoint_->set_physic_msg_timestamp(ts);
  bool advanced = flushed > flushed_offset();
  if (advanced) flushed_offset_.store(flushed, std::memory_order_release);
  if (advanced || always_notify) {
    std::function<void(int64_t)> listener;
    {
      std::lock_guard<std::mutex> l(listener_mu_);
      listener = listener_;
    }
    if (listener) listener(flushed_offset());
  }
  return s.ok() && flushed >= end;
}

void FlushService::FlushConsumeQueues() {
  int64_t ts = commit_log_->last_store_timestamp();  // set after the ConsumeQueue write
  bool all_ok = true;
  for (const auto& cq : queues_->All()) {
    Status s = cq->Flush(0);
    if (!s.ok()) {
      all_ok = false;
      RMQ_LOG_ERROR("ConsumeQueue %s/%d flush failed: %s", cq->topic().c_str(), cq->queue_id(),
                    s.ToString().c_str());
    }
  }
  if (all_ok && ts > 0) checkpoint_->set_logics_msg_timestamp(ts);
  if (index_ != nullptr) {
    // Recovery after a crash trusts index files only up to this timestamp (Java's rule).
    int64_t index_ts = 0;
    Status is = index_->Flush(&index_ts);
    if (!is.ok()) RMQ_LOG_ERROR("IndexFile flush failed: %s", is.ToString().c_str());
    if (index_ts > 0) checkpoint_->set_index_msg_timestamp(index_ts);
  }
  Status s = checkpoint_->Flush();
  if (!s.ok() && !checkpoint_failing_) {
    RMQ_LOG_ERROR("checkpoint flush failed (logged once until it succeeds again): %s", s.ToString().c_str());
  } else if (s.ok() && checkpoint_failing_) {
    RMQ_LOG_INFO("checkpoint flush succeeds again");
  }
  checkpoint_failing_ = !s.ok();
}

}  // namespace rmq::store
