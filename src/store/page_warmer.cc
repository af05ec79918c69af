#include "store/page_warmer.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/logging.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14; older headers lack it
#endif

namespace rmq::store {

namespace {
int64_t PageSize() {
  static const int64_t kPage = sysconf(_SC_PAGESIZE) > 0 ? sysconf(_SC_PAGESIZE) : 4096;
  return kPage;
}
}  // namespace

PageWarmer::PageWarmer(int64_t ahead) : ahead_(std::max<int64_t>(ahead, 2 * PageSize())) {}

PageWarmer::~PageWarmer() { Stop(); }

void PageWarmer::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  enabled_ = false;  // writer side: no request (and no new thread) after Stop
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PageWarmer::Advance(const std::shared_ptr<MappedFile>& file, int64_t write_pos) {
  if (!enabled_ || !file) return;
  const int64_t size = file->file_size();
  const bool same = file.get() == asked_file_;
  if (same && (asked_upto_ >= size || asked_upto_ - write_pos > ahead_ / 2)) return;
  const int64_t page = PageSize();
  int64_t from = same ? std::max(asked_upto_, write_pos) : write_pos;
  from -= from % page;
  int64_t upto = std::min(size, write_pos + ahead_);
  if (upto <= from) return;
  asked_file_ = file.get();
  asked_upto_ = upto;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (unsupported_ || stop_) {
      enabled_ = false;
      return;
    }
    if (file_ == file) {
      from_ = std::min(from_, from);  // the thread has not taken the previous request yet
    } else {
      file_ = file;
      from_ = from;
    }
    upto_ = upto;
    if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
  }
  cv_.notify_one();
}

void PageWarmer::Run() {
  std::unique_lock<std::mutex> l(mu_);
  for (;;) {
    cv_.wait(l, [this] { return stop_ || file_ != nullptr; });
    if (stop_) return;
    std::shared_ptr<MappedFile> f = std::move(file_);
    file_ = nullptr;
    const int64_t from = from_, upto = upto_;
    busy_ = true;
    l.unlock();
    // The mapping is page aligned and stays valid while `f` is held.
    char* base = const_cast<char*>(f->WholeFile().data());
    int rc = ::madvise(base + from, static_cast<size_t>(upto - from), MADV_POPULATE_WRITE);
    const int err = errno;
    f.reset();
    l.lock();
    busy_ = false;
    if (rc == 0) {
      warmed_ += upto - from;
    } else if (err == EINVAL || err == ENOSYS) {
      if (!unsupported_) RMQ_LOG_INFO("CommitLog page warming unavailable (madvise: %d); pages fault on write", err);
      unsupported_ = true;
    }
    // Other errors (EFAULT/ENOMEM for a file destroyed meanwhile, EINTR) just skip this range.
    idle_cv_.notify_all();
  }
}

int64_t PageWarmer::warmed_bytes() const {
  std::lock_guard<std::mutex> l(mu_);
  return warmed_;
}

void PageWarmer::WaitIdle() {
  std::unique_lock<std::mutex> l(mu_);
  idle_cv_.wait(l, [this] { return stop_ || (file_ == nullptr && !busy_); });
}

}  // namespace rmq::store
