#include "store/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "common/logging.h"

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
  if (st.st_size < file_size) {
    if (st.st_size != 0) RMQ_LOG_WARN("mapped file %s is short; extending with zeros", path.c_str());
    if (::ftruncate(fd, file_size) != 0) {
      Status s = ErrnoStatus("ftruncate", path);
      ::close(fd);
      return s;
    }
  }
  void* p = ::mmap(nullptr, static_cast<size_t>(file_size), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    Status s = ErrnoStatus("mmap", path);
    ::close(fd);
    return s;
  }
  return std::shared_ptr<MappedFile>(
      new MappedFile(path, file_from_offset, file_size, fd, static_cast<char*>(p)));
}

MappedFile::~MappedFile() {
  if (base_ != nullptr) ::munmap(base_, static_cast<size_t>(file_size_));
  if (fd_ >= 0) ::close(fd_);
}

bool MappedFile::Append(std::string_view data) {
  if (static_cast<int64_t>(data.size()) > remaining()) return false;
  std::memcpy(WritableData(), data.data(), data.size());
  Commit(static_cast<int64_t>(data.size()));
  return true;
}

void MappedFile::SetPositions(int64_t write_pos, int64_t flushed_pos) {
  write_pos_.store(write_pos, std::memory_order_release);
  flushed_pos_.store(flushed_pos, std::memory_order_release);
}

std::string_view MappedFile::Read(int64_t pos, int64_t n) const {
  int64_t w = write_position();
  if (pos < 0 || n < 0 || pos > w || n > w - pos) return {};
  return std::string_view(base_ + pos, static_cast<size_t>(n));
}

std::string_view MappedFile::ReadFrom(int64_t pos) const {
  int64_t w = write_position();
  if (pos < 0 || pos > w) return {};
  return std::string_view(base_ + pos, static_cast<size_t>(w - pos));
}

Status MappedFile::Flush() {
  int64_t w = write_position();
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

Status MappedFile::ZeroFrom(int64_t pos) {
  if (pos < 0 || pos >= file_size_) return Status::OK();
  // Punching a hole keeps the file sparse; fall back to writing zeros through the mapping.
  if (::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, pos, file_size_ - pos) != 0) {
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
