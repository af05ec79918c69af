#include "store/store_checkpoint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/coding.h"
#include "common/logging.h"
#include "store/file_space.h"

namespace rmq::store {

namespace {
Status ErrnoStatus(const std::string& what, const std::string& path) {
  return Status::IOError(what + " " + path + ": " + std::strerror(errno));
}
}  // namespace

StoreCheckpoint::StoreCheckpoint(std::string path) : path_(std::move(path)) {}

StoreCheckpoint::~StoreCheckpoint() {
  if (fd_ >= 0) ::close(fd_);
}

Status StoreCheckpoint::Open() {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) return ErrnoStatus("open", path_);
  char buf[24] = {};
  ssize_t n = ::pread(fd_, buf, sizeof(buf), 0);
  if (n < 0) return ErrnoStatus("read", path_);
  physic_ = n >= 8 ? static_cast<int64_t>(DecodeFixed64(buf + kCheckpointPhysicOffset)) : 0;
  logics_ = n >= 16 ? static_cast<int64_t>(DecodeFixed64(buf + kCheckpointLogicsOffset)) : 0;
  index_ = n >= 24 ? static_cast<int64_t>(DecodeFixed64(buf + kCheckpointIndexOffset)) : 0;
  struct stat st;
  if (::fstat(fd_, &st) != 0) return ErrnoStatus("fstat", path_);
  if (st.st_size < kCheckpointFileSize && ::ftruncate(fd_, kCheckpointFileSize) != 0) {
    return ErrnoStatus("ftruncate", path_);
  }
  // Back the block Flush rewrites now, so a later full disk cannot fail it. Not fatal: on a disk
  // already full the store still opens (for reads) and Flush reports the error.
  Status reserved = ReserveFileSpace(fd_, 0, kCheckpointFileSize, path_);
  if (!reserved.ok()) RMQ_LOG_WARN("checkpoint: %s", reserved.ToString().c_str());
  return Status::OK();
}

Status StoreCheckpoint::Flush() {
  if (fd_ < 0) return Status::IOError("checkpoint not open");
  char buf[24];
  EncodeFixed64(buf + kCheckpointPhysicOffset, static_cast<uint64_t>(physic_.load()));
  EncodeFixed64(buf + kCheckpointLogicsOffset, static_cast<uint64_t>(logics_.load()));
  EncodeFixed64(buf + kCheckpointIndexOffset, static_cast<uint64_t>(index_.load()));
  if (::pwrite(fd_, buf, sizeof(buf), 0) != static_cast<ssize_t>(sizeof(buf))) {
    return ErrnoStatus("write", path_);
  }
  if (::fdatasync(fd_) != 0) return ErrnoStatus("fdatasync", path_);
  return Status::OK();
}

int64_t StoreCheckpoint::MinTimestamp() const {
  int64_t min = std::min(physic_.load(), logics_.load());
  return std::max<int64_t>(0, min - 3000);
}

bool AbortFileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Status CreateAbortFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("create", path);
  ::close(fd);
  return Status::OK();
}

Status RemoveAbortFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("unlink", path);
  return Status::OK();
}

}  // namespace rmq::store
