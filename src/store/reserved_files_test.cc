// New store files are backed by the filesystem when created (not sparse), so a later store into
// their mapping cannot fault with SIGBUS on a full disk. Uses the real filesystem of the temp
// directory; see file_space_test.cc for the fault-injected cases.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "store/index_file.h"
#include "store/mapped_file.h"
#include "store/store_test_util.h"

namespace rmq::store {
namespace {

using testing::TempDir;

int64_t AllocatedBytes(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.st_blocks) * 512;
}

// Whether the temp directory's filesystem can reserve space at all (tmpfs, ext4, xfs can).
bool CanReserve(const std::string& dir) {
  const std::string probe = dir + "/probe";
  int fd = ::open(probe.c_str(), O_RDWR | O_CREAT, 0644);
  if (fd < 0) return false;
  const bool ok = ::fallocate(fd, 0, 0, 4096) == 0 || (errno != EOPNOTSUPP && errno != ENOSYS);
  ::close(fd);
  ::unlink(probe.c_str());
  return ok;
}

}  // namespace

TEST_CASE("reserved files: a new CommitLog/ConsumeQueue file and a new index file are not sparse") {
  TempDir dir;
  const bool can_reserve = CanReserve(dir.path());
  if (!can_reserve) MESSAGE("filesystem of " << dir.path() << " has no fallocate: files stay sparse (checked below)");
  const int64_t size = 1 << 20;
  const std::string path = dir.Sub("00000000000000000000");
  auto f = MappedFile::Open(path, 0, size);
  REQUIRE(f.ok());
  if (can_reserve) {
    CHECK(AllocatedBytes(path) >= size);
  } else {
    CHECK(AllocatedBytes(path) < size);
  }
  const std::string index_path = dir.Sub("20260101000000000");
  auto idx = IndexFile::Open(index_path, 1000, 10000, 0, 0);
  REQUIRE(idx.ok());
  const int64_t index_size = (*idx)->file_size();
  if (can_reserve) {
    CHECK(AllocatedBytes(index_path) >= index_size);
  } else {
    CHECK(AllocatedBytes(index_path) < index_size);
  }
}

}  // namespace rmq::store
