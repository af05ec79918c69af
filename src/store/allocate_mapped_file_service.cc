#include "store/allocate_mapped_file_service.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "common/logging.h"

namespace rmq::store {

namespace {

// A file already at the path is never adopted: it may hold records (a stale segment beyond the
// recovered end that something failed to remove), and the writer must not append after them.
Result<std::shared_ptr<MappedFile>> Prepare(const AllocateMappedFileService::Opener& open, const std::string& path,
                                            int64_t from, int64_t size) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return Status::Busy("file " + path + " already exists");
  if (errno != ENOENT) return Status::IOError("stat " + path + ": " + std::strerror(errno));
  auto f = open ? open(path, from, size) : MappedFile::Open(path, from, size);
  if (!f.ok()) return f;
  // The first store into a new file costs far more than the open + ftruncate + mmap (about 2.5 ms
  // on ext4: the page fault allocates the first block and dirties the inode); later pages fault
  // in microseconds. Store a zero here so the writer's first record does not pay it. The page
  // still reads as zeros, which recovery and verify treat as unwritten.
  volatile char* first = (*f)->WritableData();
  *first = 0;
  return f;
}

}  // namespace

AllocateMappedFileService::AllocateMappedFileService(Opener open) : open_(std::move(open)) {}

AllocateMappedFileService::~AllocateMappedFileService() { Stop(); }

void AllocateMappedFileService::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (started_ || stop_) return;
  started_ = true;
  thread_ = std::thread([this] { Run(); });
}

void AllocateMappedFileService::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::unique_lock<std::mutex> l(mu_);
  DropLocked(l);
}

void AllocateMappedFileService::Run() {
  std::unique_lock<std::mutex> l(mu_);
  while (true) {
    cv_.wait(l, [this] { return stop_ || state_ == State::kPending; });
    if (stop_) break;
    state_ = State::kRunning;
    const std::string path = path_;
    const int64_t from = from_, size = size_;
    l.unlock();
    auto f = Prepare(open_, path, from, size);
    l.lock();
    if (f.ok()) {
      file_ = std::move(*f);
      state_ = State::kReady;
      ++prepared_;
    } else {
      RMQ_LOG_WARN("preparing %s failed (the roll will create it): %s", path.c_str(), f.status().ToString().c_str());
      state_ = State::kFailed;
      ++failed_;
    }
    cv_.notify_all();
  }
}

void AllocateMappedFileService::DropLocked(std::unique_lock<std::mutex>& l) {
  cv_.wait(l, [this] { return state_ != State::kRunning; });
  if (state_ == State::kReady && file_) {
    Status s = file_->Destroy();
    if (!s.ok()) RMQ_LOG_ERROR("removing unclaimed %s: %s", file_->path().c_str(), s.ToString().c_str());
  }
  file_.reset();
  state_ = State::kNone;
}

void AllocateMappedFileService::Request(const std::string& path, int64_t from, int64_t size) {
  std::unique_lock<std::mutex> l(mu_);
  if (state_ != State::kNone && from_ == from && size_ == size && path_ == path) return;
  DropLocked(l);
  if (stop_) return;
  path_ = path;
  from_ = from;
  size_ = size;
  state_ = State::kPending;
  l.unlock();
  cv_.notify_all();
}

std::shared_ptr<MappedFile> AllocateMappedFileService::Take(int64_t from, int64_t size) {
  std::unique_lock<std::mutex> l(mu_);
  if (state_ == State::kNone) return nullptr;
  if (from_ != from || size_ != size || ((!started_ || stop_) && state_ == State::kPending)) {
    DropLocked(l);  // asked for another offset (the queue was cut), or nobody will serve it
    return nullptr;
  }
  cv_.wait(l, [this] {
    return (state_ != State::kPending && state_ != State::kRunning) || (stop_ && state_ == State::kPending);
  });
  if (state_ == State::kPending) {
    DropLocked(l);
    return nullptr;
  }
  std::shared_ptr<MappedFile> f;
  if (state_ == State::kReady) f = std::move(file_);
  file_.reset();
  state_ = State::kNone;
  return f;
}

void AllocateMappedFileService::Cancel() {
  std::unique_lock<std::mutex> l(mu_);
  DropLocked(l);
}

int64_t AllocateMappedFileService::prepared() const {
  std::lock_guard<std::mutex> l(mu_);
  return prepared_;
}

int64_t AllocateMappedFileService::failed() const {
  std::lock_guard<std::mutex> l(mu_);
  return failed_;
}

}  // namespace rmq::store
