#include "store/file_space.h"

#include <fcntl.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "common/logging.h"

namespace rmq::store {

namespace {

constexpr std::string_view kNoSpacePrefix = "no space: ";

int RealFallocate(int fd, int64_t offset, int64_t len) {
  // posix_fallocate would emulate a missing fallocate by writing a byte per block, which on a
  // full disk fails the same way; the kernel call lets us tell "unsupported" apart.
  int rc;
  do {
    rc = ::fallocate(fd, 0, offset, len);
  } while (rc != 0 && errno == EINTR);
  return rc == 0 ? 0 : errno;
}

std::atomic<FallocateFn> g_fallocate{nullptr};
std::atomic<bool> g_unsupported_logged{false};

}  // namespace

Status NoSpaceError(const std::string& what) { return Status::IOError(std::string(kNoSpacePrefix) + what); }

bool IsNoSpace(const Status& s) {
  return s.IsIOError() && s.message().compare(0, kNoSpacePrefix.size(), kNoSpacePrefix) == 0;
}

void SetFallocateForTest(FallocateFn fn) { g_fallocate.store(fn); }

Status ReserveFileSpace(int fd, int64_t offset, int64_t len, const std::string& path) {
  if (len <= 0) return Status::OK();
  FallocateFn fn = g_fallocate.load();
  const int err = fn != nullptr ? fn(fd, offset, len) : RealFallocate(fd, offset, len);
  if (err == 0) return Status::OK();
  if (err == EOPNOTSUPP || err == ENOSYS) {
    if (!g_unsupported_logged.exchange(true)) {
      RMQ_LOG_WARN("the filesystem of %s cannot reserve file space (fallocate: %s); mapped files stay sparse and a "
                   "full disk may fault the broker",
                   path.c_str(), std::strerror(err));
    }
    return Status::OK();
  }
  if (err == ENOSPC || err == EDQUOT) {
    return NoSpaceError("reserving " + std::to_string(len) + " bytes for " + path + ": " + std::strerror(err));
  }
  return Status::IOError("fallocate " + path + ": " + std::strerror(err));
}

}  // namespace rmq::store
