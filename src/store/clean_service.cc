#include "store/clean_service.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <ctime>

#include "common/logging.h"

namespace rmq::store {

double DiskPartitionSpaceUsedPercent(const std::string& path) {
  struct statvfs st;
  if (path.empty() || ::statvfs(path.c_str(), &st) != 0) return -1;
  // Java 4.9.7: used = total - free; the share is used / (used + usable), rounded up to a whole
  // percent. Usable (f_bavail) leaves out the blocks reserved for root, so a disk whose
  // unreserved blocks are gone reads 1.00.
  const uint64_t unit = st.f_frsize;
  const uint64_t total = static_cast<uint64_t>(st.f_blocks) * unit;
  if (total == 0) return -1;
  const uint64_t used = total - static_cast<uint64_t>(st.f_bfree) * unit;
  const uint64_t entire = used + static_cast<uint64_t>(st.f_bavail) * unit;
  if (entire == 0) return -1;
  const uint64_t percent = used * 100 / entire + (used * 100 % entire != 0 ? 1 : 0);
  return static_cast<double>(percent) / 100.0;
}

bool IsItTimeToDo(const std::string& when, int64_t now_ms) {
  std::time_t secs = static_cast<std::time_t>(now_ms / 1000);
  std::tm local{};
  if (::localtime_r(&secs, &local) == nullptr) return false;
  size_t start = 0;
  while (start <= when.size()) {
    size_t end = when.find(';', start);
    if (end == std::string::npos) end = when.size();
    std::string_view item(when.data() + start, end - start);
    int hour = -1;
    auto r = std::from_chars(item.data(), item.data() + item.size(), hour);
    if (r.ec == std::errc() && r.ptr == item.data() + item.size() && hour == local.tm_hour) return true;
    start = end + 1;
  }
  return false;
}

CleanService::CleanService(const MessageStoreConfig& config, CommitLog* commit_log, ConsumeQueueStore* queues,
                           IndexService* index)
    : config_(config), commit_log_(commit_log), queues_(queues), index_(index) {
  last_physical_min_offset_ = commit_log_->MinOffset();
}

CleanService::~CleanService() { Stop(); }

void CleanService::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (thread_.joinable() || stop_) return;
  thread_ = std::thread([this] { Run(); });
}

void CleanService::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CleanService::ExecuteDeleteFilesManually() {
  manual_delete_times_.store(kMaxManualDeleteFileTimes, std::memory_order_release);
  RMQ_LOG_INFO("executeDeleteFilesManually was invoked");
  {
    std::lock_guard<std::mutex> l(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

double CleanService::DiskUsedRatio(const std::string& path) const {
  if (config_.disk_used_ratio_fn) return config_.disk_used_ratio_fn(path);
  return DiskPartitionSpaceUsedPercent(path);
}

void CleanService::Run() {
  const auto interval = std::chrono::milliseconds(std::max(1, config_.clean_resource_interval));
  while (true) {
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait_for(l, interval, [this] { return stop_ || wake_; });
      if (stop_) return;
      wake_ = false;
    }
    int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    RunOnce(now);
  }
}

bool CleanService::IsSpaceToDelete(bool* clean_immediately) {
  *clean_immediately = false;
  // Mirrors getDiskMaxUsedSpaceRatio's clamp to [10, 95].
  const double max_used = std::clamp(config_.disk_max_used_space_ratio, 10, 95) / 100.0;
  const double ratio = DiskUsedRatio(commit_log_->file_queue()->dir());
  if (ratio > config_.disk_space_warning_level_ratio) {
    if (!disk_full_.exchange(true)) {
      RMQ_LOG_ERROR("physic disk maybe full soon %.2f, so mark disk full; writes are refused", ratio);
    }
    *clean_immediately = true;
  } else if (ratio > config_.disk_space_clean_forcibly_ratio) {
    *clean_immediately = true;
  } else if (disk_full_.exchange(false)) {
    RMQ_LOG_INFO("physic disk space OK %.2f, so mark disk ok; writes are accepted again", ratio);
  }
  if (ratio < 0 || ratio > max_used) return true;
  // Then the ConsumeQueue partition, by the same rules (Java's "logics disk" check).
  const double logics = DiskUsedRatio(config_.store_path_root_dir + "/consumequeue");
  if (logics > config_.disk_space_warning_level_ratio) {
    if (!disk_full_.exchange(true)) {
      RMQ_LOG_ERROR("logics disk maybe full soon %.2f, so mark disk full; writes are refused", logics);
    }
    *clean_immediately = true;
  } else if (logics > config_.disk_space_clean_forcibly_ratio) {
    *clean_immediately = true;
  } else if (disk_full_.exchange(false)) {
    RMQ_LOG_INFO("logics disk space OK %.2f, so mark disk ok; writes are accepted again", logics);
  }
  return logics < 0 || logics > max_used;
}

void CleanService::RunOnce(int64_t now_ms) {
  std::lock_guard<std::mutex> run_lock(run_mu_);
  // CommitLog (CleanCommitLogService.deleteExpiredFiles).
  bool clean_immediately = false;
  const bool space_full = IsSpaceToDelete(&clean_immediately);
  const bool time_up = IsItTimeToDo(config_.delete_when, now_ms);
  int manual = manual_delete_times_.load(std::memory_order_acquire);
  if (time_up || space_full || manual > 0) {
    if (manual > 0) manual_delete_times_.compare_exchange_strong(manual, manual - 1);
    const bool clean_at_once = config_.clean_file_forcibly_enable && clean_immediately;
    const int64_t reserved_ms = static_cast<int64_t>(config_.file_reserved_time) * 60 * 60 * 1000;
    int deleted = commit_log_->file_queue()->DeleteExpiredFilesByTime(now_ms, reserved_ms, clean_at_once,
                                                                       kDeleteFilesBatchMax);
    if (deleted > 0) {
      RMQ_LOG_INFO("deleted %d expired CommitLog files (timeup %d, spacefull %d, manual %d, cleanAtOnce %d)", deleted,
                   time_up, space_full, manual > 0, clean_at_once);
    }
  }
  // ConsumeQueues and index (CleanConsumeQueueService.deleteExpiredFiles).
  const int64_t min = commit_log_->MinOffset();
  if (min > last_physical_min_offset_) {
    last_physical_min_offset_ = min;
    int cq_deleted = 0;
    for (const auto& cq : queues_->All()) cq_deleted += cq->DeleteExpiredFiles(min);
    int index_deleted = index_ != nullptr ? index_->DeleteExpiredFiles(min) : 0;
    RMQ_LOG_INFO("CommitLog now starts at %lld: deleted %d ConsumeQueue and %d index files", static_cast<long long>(min),
                 cq_deleted, index_deleted);
  }
}

}  // namespace rmq::store
