#include "store/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "common/logging.h"
#include "store/file_space.h"

namespace rmq::store {

namespace {

Status ErrnoStatus(const std::string& what, const std::string& path) {
  return Status::IOError(what + " " + path + ": " + std::strerror(errno));
}

int64_t PageSize() {
  static const int64_t kPage = sysconf(_SC_PAGESIZE) > 0 ? sysconf(_SC_PAGESIZE) : 4096;
  return kPage;
}

}  // namespace

std::string MappedFileName(int64_t offset) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%020lld", static_cast<long long>(offset));
  return buf;
}

bool ParseMappedFileName(std::string_view name, int64_t* offset) {
  if (name.size() != 20) return false;
  for (char c : name) {
    if (c < '0' || c > '9') return false;
  }
  auto r = std::from_chars(name.data(), name.data() + name.size(), *offset);
  return r.ec == std::errc() && *offset >= 0;
}

TransientStorePool::TransientStorePool(int pool_size, int64_t buffer_size)
    : pool_size_(pool_size), buffer_size_(buffer_size) {}

TransientStorePool::~TransientStorePool() {
  // Every file holding a buffer holds the pool too, so all buffers are back by now.
  for (char* b : all_) ::munmap(b, static_cast<size_t>(buffer_size_));
}

Status TransientStorePool::Init() {
  if (buffer_size_ <= 0) return Status::InvalidArgument("transient store pool buffer size must be positive");
  std::lock_guard<std::mutex> l(mu_);
  for (int i = static_cast<int>(all_.size()); i < pool_size_; ++i) {
    void* p = ::mmap(nullptr, static_cast<size_t>(buffer_size_), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return ErrnoStatus("mmap", "transient store pool buffer");
    all_.push_back(static_cast<char*>(p));
    free_.push_back(static_cast<char*>(p));
  }
  return Status::OK();
}

char* TransientStorePool::Borrow() {
  std::lock_guard<std::mutex> l(mu_);
  if (free_.empty()) return nullptr;
  char* b = free_.back();
  free_.pop_back();
  // Mirrors Java's warning when fewer than 40% of the buffers are left.
  if (static_cast<double>(free_.size()) < pool_size_ * 0.4) {
    RMQ_LOG_WARN("transient store pool: only %zu of %d buffers left", free_.size(), pool_size_);
  }
  return b;
}

void TransientStorePool::Return(char* buffer) {
  std::lock_guard<std::mutex> l(mu_);
  free_.push_back(buffer);
}

int TransientStorePool::available() const {
  std::lock_guard<std::mutex> l(mu_);
  return static_cast<int>(free_.size());
}

MappedFile::MappedFile(std::string path, int64_t from, int64_t size, int fd, char* base)
    : path_(std::move(path)), file_from_offset_(from), file_size_(size), fd_(fd), base_(base) {}

Result<std::shared_ptr<MappedFile>> MappedFile::Open(const std::string& path, int64_t file_from_offset,
                                                     int64_t file_size) {
  if (file_size <= 0) return Status::InvalidArgument("mapped file size must be positive");
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("open", path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Status s = ErrnoStatus("fstat", path);
    ::close(fd);
    return s;
  }
  if (st.st_size > file_size) {
    ::close(fd);
    return Status::Corruption("mapped file " + path + " is larger than the configured size");
  }
  bool reserved = false;
  if (st.st_size < file_size) {
    if (st.st_size != 0) RMQ_LOG_WARN("mapped file %s is short; extending with zeros", path.c_str());
    Status s;
    if (::ftruncate(fd, file_size) != 0) {
      s = ErrnoStatus("ftruncate", path);
    } else {
      // Before anything stores into the mapping: a store into a page the disk cannot back is a SIGBUS.
      s = ReserveFileSpace(fd, 0, file_size, path);
    }
    if (!s.ok()) {
      // A file we created (or found empty) goes again, so no half-made segment is left behind;
      // a short file that held data keeps its old length.
      if (st.st_size == 0) {
        ::unlink(path.c_str());
      } else if (::ftruncate(fd, st.st_size) != 0) {
        RMQ_LOG_WARN("restoring the length of %s: %s", path.c_str(), std::strerror(errno));
      }
      ::close(fd);
      return s;
    }
    reserved = true;
  }
  void* p = ::mmap(nullptr, static_cast<size_t>(file_size), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    Status s = ErrnoStatus("mmap", path);
    if (st.st_size == 0) ::unlink(path.c_str());
    ::close(fd);
    return s;
  }
  auto f = std::shared_ptr<MappedFile>(new MappedFile(path, file_from_offset, file_size, fd, static_cast<char*>(p)));
  f->reserved_.store(reserved, std::memory_order_release);
  return f;
}

MappedFile::~MappedFile() {
  char* b = write_buffer_.load(std::memory_order_acquire);
  if (b != nullptr && pool_) pool_->Return(b);
  if (base_ != nullptr) ::munmap(base_, static_cast<size_t>(file_size_));
  if (fd_ >= 0) ::close(fd_);
}

bool MappedFile::Append(std::string_view data) {
  if (static_cast<int64_t>(data.size()) > remaining()) return false;
  std::memcpy(WritableData(), data.data(), data.size());
  Commit(static_cast<int64_t>(data.size()));
  return true;
}

bool MappedFile::AttachWriteBuffer(std::shared_ptr<TransientStorePool> pool) {
  if (!pool || pool->buffer_size() < file_size_ || write_position() != 0 || buffered_.load()) return false;
  char* b = pool->Borrow();
  if (b == nullptr) return false;
  pool_ = std::move(pool);
  committed_pos_.store(0, std::memory_order_release);
  write_buffer_.store(b, std::memory_order_release);
  buffered_.store(true, std::memory_order_release);
  return true;
}

int64_t MappedFile::CommitToFile(int least_pages) {
  char* b = write_buffer_.load(std::memory_order_acquire);
  if (b == nullptr) return read_position();
  const int64_t w = write_position();
  const int64_t c = committed_pos_.load(std::memory_order_acquire);
  bool able;
  if (w >= file_size_) {
    able = w > c;
  } else if (least_pages > 0) {
    able = (w / PageSize()) - (c / PageSize()) >= least_pages;
  } else {
    able = w > c;
  }
  if (able) {
    std::memcpy(base_ + c, b + c, static_cast<size_t>(w - c));
    committed_pos_.store(w, std::memory_order_release);
  }
  if (committed_pos_.load(std::memory_order_acquire) >= file_size_) {
    // The writer never touches a full file again: the buffer can go back.
    write_buffer_.store(nullptr, std::memory_order_release);
    pool_->Return(b);
  }
  return committed_pos_.load(std::memory_order_acquire);
}

void MappedFile::SetPositions(int64_t write_pos, int64_t flushed_pos) {
  write_pos_.store(write_pos, std::memory_order_release);
  committed_pos_.store(write_pos, std::memory_order_release);
  flushed_pos_.store(flushed_pos, std::memory_order_release);
}

std::string_view MappedFile::Read(int64_t pos, int64_t n, bool* uncommitted) const {
  int64_t w = read_position();
  if (pos < 0 || n < 0 || pos > file_size_ || n > file_size_ - pos) return {};
  if (pos > w || n > w - pos) {
    // Write position >= read position at any time, so reading it second is safe.
    if (uncommitted != nullptr) *uncommitted = pos + n <= write_position();
    return {};
  }
  return std::string_view(base_ + pos, static_cast<size_t>(n));
}

std::string_view MappedFile::ReadFrom(int64_t pos) const {
  int64_t w = read_position();
  if (pos < 0 || pos > w) return {};
  return std::string_view(base_ + pos, static_cast<size_t>(w - pos));
}

Status MappedFile::Flush() {
  int64_t w = read_position();
  int64_t f = flushed_position();
  if (w <= f || base_ == nullptr) return Status::OK();
  // msync needs a page-aligned start.
  int64_t start = f / PageSize() * PageSize();
  if (::msync(base_ + start, static_cast<size_t>(w - start), MS_SYNC) != 0) {
    return ErrnoStatus("msync", path_);
  }
  flushed_pos_.store(w, std::memory_order_release);
  return Status::OK();
}

Status MappedFile::Reserve() {
  if (reserved()) return Status::OK();
  return ReserveFrom(write_position());
}

Status MappedFile::ReserveFrom(int64_t pos) {
  const int64_t from = std::min(pos, file_size_) / PageSize() * PageSize();
  Status s = ReserveFileSpace(fd_, from, file_size_ - from, path_);
  if (s.ok()) reserved_.store(true, std::memory_order_release);
  return s;
}

Status MappedFile::ZeroFrom(int64_t pos) {
  if (pos < 0 || pos >= file_size_) return Status::OK();
  // Punch a hole (it reads as zeros); fall back to writing zeros through the mapping.
  if (::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, pos, file_size_ - pos) == 0) {
    // The hole gave the blocks back: take them again at once (they are still free), so a cut file
    // keeps its space; if that fails the writer tries again before its first store.
    reserved_.store(false, std::memory_order_release);
    Status s = ReserveFrom(pos);
    if (!s.ok()) RMQ_LOG_WARN("%s: the cut tail is not reserved again yet: %s", path_.c_str(), s.ToString().c_str());
  } else {
    std::memset(base_ + pos, 0, static_cast<size_t>(file_size_ - pos));
    if (::msync(base_ + pos / PageSize() * PageSize(),
                static_cast<size_t>(file_size_ - pos / PageSize() * PageSize()), MS_SYNC) != 0) {
      return ErrnoStatus("msync", path_);
    }
  }
  return Status::OK();
}

int64_t MappedFile::LastModifiedMs() const {
  struct stat st;
  if (::fstat(fd_, &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

Status MappedFile::Destroy() {
  // The mapping stays until the last holder drops its shared_ptr (the destructor unmaps).
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("unlink", path_);
  return Status::OK();
}

}  // namespace rmq::store
