#include "store/file_space.h"

#include <doctest/doctest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "store/allocate_mapped_file_service.h"
#include "store/index_file.h"
#include "store/mapped_file.h"
#include "store/message_store.h"
#include "store/store_test_util.h"

namespace rmq::store {
namespace {

using testing::MakeMessage;
using testing::OwnedMessage;
using testing::SmallConfig;
using testing::TempDir;

// A fake disk for the fallocate seam: reservations succeed while they fit in `g_free` bytes
// (and use them up); past that they fail with ENOSPC. g_calls counts every reservation asked.
std::atomic<int64_t> g_free{0};
std::atomic<int> g_calls{0};
std::atomic<int> g_errno{ENOSPC};

int FakeFallocate(int, int64_t, int64_t len) {
  ++g_calls;
  int64_t have = g_free.load();
  if (len > have) return g_errno.load();
  g_free -= len;
  return 0;
}

// Installs the fake for one test case and removes it again.
struct FakeDisk {
  explicit FakeDisk(int64_t free_bytes, int err = ENOSPC) {
    g_free = free_bytes;
    g_calls = 0;
    g_errno = err;
    SetFallocateForTest(&FakeFallocate);
  }
  ~FakeDisk() { SetFallocateForTest(nullptr); }
};

PutMessageResult Put(MessageStore& store, int i, const std::string& topic = "T") {
  OwnedMessage m = MakeMessage(topic, "body-" + std::to_string(i) + std::string(900, 'x'));
  m.properties = "KEYS\x01k" + std::to_string(i) + "\x02";
  return store.PutMessage(m.View(0));
}

// Messages a consumer can pull from queue 0, from the start.
int64_t Pullable(MessageStore& store, const std::string& topic = "T") {
  int64_t n = 0, offset = 0;
  for (int guard = 0; guard < 1000; ++guard) {
    GetMessageResult r = store.GetMessage(topic, 0, offset, 32, nullptr);
    if (r.messages.empty()) break;
    n += static_cast<int64_t>(r.messages.size());
    offset = r.next_begin_offset;
  }
  return n;
}

}  // namespace

TEST_CASE("file space: a mapped file that cannot be reserved is not created and says no space") {
  TempDir dir;
  FakeDisk disk(0);
  const std::string path = dir.Sub("00000000000000000000");
  auto f = MappedFile::Open(path, 0, 64 * 1024);
  REQUIRE_FALSE(f.ok());
  CHECK(IsNoSpace(f.status()));
  CHECK(g_calls == 1);
  CHECK_FALSE(std::filesystem::exists(path));  // no half-made segment left behind
}

TEST_CASE("file space: a created file is reserved; one found on disk is reserved on demand") {
  TempDir dir;
  FakeDisk disk(1 << 20);
  const std::string path = dir.Sub("00000000000000000000");
  {
    auto f = MappedFile::Open(path, 0, 64 * 1024);
    REQUIRE(f.ok());
    CHECK((*f)->reserved());
    CHECK(g_free == (1 << 20) - 64 * 1024);
    REQUIRE((*f)->Append("hello"));
  }
  auto again = MappedFile::Open(path, 0, 64 * 1024);  // opening needs no new space
  REQUIRE(again.ok());
  CHECK(g_calls == 1);
  CHECK_FALSE((*again)->reserved());
  (*again)->SetPositions(5, 5);
  g_free = 0;
  CHECK(IsNoSpace((*again)->Reserve()));
  CHECK_FALSE((*again)->reserved());
  g_free = 1 << 20;
  CHECK((*again)->Reserve().ok());
  CHECK((*again)->reserved());
  CHECK(g_free == (1 << 20) - 64 * 1024);  // from the page holding the write position on
  // Punching out a torn tail leaves a hole, reserved again at once when the disk has room ...
  const int before = g_calls;
  REQUIRE((*again)->ZeroFrom(5).ok());
  CHECK(g_calls == before + 1);
  CHECK((*again)->reserved());
  // ... and else left for the writer to reserve before its next store.
  g_free = 0;
  REQUIRE((*again)->ZeroFrom(5).ok());
  CHECK_FALSE((*again)->reserved());
  CHECK(IsNoSpace((*again)->Reserve()));
}

TEST_CASE("file space: a filesystem without fallocate keeps the old sparse behaviour") {
  TempDir dir;
  FakeDisk disk(0, EOPNOTSUPP);
  auto f = MappedFile::Open(dir.Sub("00000000000000000000"), 0, 64 * 1024);
  REQUIRE(f.ok());
  CHECK((*f)->reserved());
  CHECK((*f)->Append("x"));
}

TEST_CASE("file space: an index file that cannot be reserved is not created") {
  TempDir dir;
  FakeDisk disk(0);
  const std::string path = dir.Sub("20260101000000000");
  auto f = IndexFile::Open(path, 16, 64, 0, 0);
  REQUIRE_FALSE(f.ok());
  CHECK(IsNoSpace(f.status()));
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("file space: the background allocator fails once per request, without retrying") {
  TempDir dir;
  FakeDisk disk(0);
  AllocateMappedFileService alloc;
  alloc.Start();
  alloc.Request(dir.Sub("00000000000000065536"), 65536, 64 * 1024);
  CHECK(alloc.Take(65536, 64 * 1024) == nullptr);
  CHECK(alloc.failed() == 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(g_calls == 1);
  CHECK_FALSE(std::filesystem::exists(dir.Sub("00000000000000065536")));
  alloc.Stop();
}

TEST_CASE("file space: a CommitLog roll without space refuses puts as Java's disk-full; space back accepts them") {
  TempDir dir;
  FakeDisk disk(int64_t{1} << 40);
  MessageStoreConfig c = SmallConfig(dir.path());
  c.mapped_file_size_consume_queue = 20 * 1000;  // only the CommitLog rolls in this test
  c.max_index_num = 1000;
  MessageStore store(c);
  REQUIRE(store.Open().ok());
  REQUIRE(Put(store, 0).status == PutMessageStatus::kPutOk);
  int stored = 1;
  PutMessageResult r;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the next CommitLog file is prepared
  g_free = 0;
  for (int i = 1; i < 300; ++i) {
    r = Put(store, i);
    if (r.status != PutMessageStatus::kPutOk) break;
    ++stored;
  }
  REQUIRE(stored > 0);
  CHECK(stored < 300);  // one 64 KiB CommitLog file holds about 60 of these
  CHECK(r.status == PutMessageStatus::kServiceNotAvailable);
  CHECK(r.disk_util.rfind("CL: ", 0) == 0);
  CHECK(store.IsDiskFull());
  const int64_t max_phy = store.GetMaxPhyOffset();
  const int calls = g_calls;
  // Refused at once, without touching the disk, until a second has passed.
  for (int i = 0; i < 50; ++i) CHECK(Put(store, 1000 + i).status == PutMessageStatus::kServiceNotAvailable);
  CHECK(g_calls == calls);
  CHECK(store.GetMaxPhyOffset() == max_phy);
  // Reads go on.
  CHECK(Pullable(store) == stored);
  g_free = int64_t{1} << 40;
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  CHECK(Put(store, 2000).status == PutMessageStatus::kPutOk);
  CHECK_FALSE(store.IsDiskFull());
  CHECK(Pullable(store) == stored + 1);
  store.Shutdown();
}

TEST_CASE("file space: a ConsumeQueue file without space refuses the put before the CommitLog is written") {
  TempDir dir;
  FakeDisk disk(int64_t{1} << 40);
  MessageStore store(SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  REQUIRE(Put(store, 0).status == PutMessageStatus::kPutOk);
  const int64_t max_phy = store.GetMaxPhyOffset();
  g_free = 0;
  PutMessageResult r = Put(store, 1, "Other");  // a new queue needs a new ConsumeQueue file
  CHECK(r.status == PutMessageStatus::kServiceNotAvailable);
  CHECK(store.GetMaxPhyOffset() == max_phy);
  CHECK(store.GetMaxOffsetInQueue("Other", 0) == 0);
  store.Shutdown();
}

TEST_CASE("file space: a store reopened on a full disk starts, serves reads and refuses writes") {
  TempDir dir;
  int stored = 0;
  {
    MessageStore store(SmallConfig(dir.path()));
    REQUIRE(store.Open().ok());
    for (; stored < 30; ++stored) REQUIRE(Put(store, stored).status == PutMessageStatus::kPutOk);
    store.Shutdown();
  }
  FakeDisk disk(0);
  MessageStore store(SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  CHECK(Pullable(store) == stored);
  PutMessageResult r = Put(store, 99);
  CHECK(r.status == PutMessageStatus::kServiceNotAvailable);
  CHECK(store.IsDiskFull());
  CHECK(Pullable(store) == stored);
  g_free = int64_t{1} << 40;
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  CHECK(Put(store, 100).status == PutMessageStatus::kPutOk);
  CHECK(Pullable(store) == stored + 1);
  store.Shutdown();
}

}  // namespace rmq::store

namespace rmq::store {

TEST_CASE("file space: recovery that cannot rebuild a ConsumeQueue for lack of space still opens; writes wait for a restart") {
  TempDir dir;
  {
    MessageStore store(SmallConfig(dir.path()));
    REQUIRE(store.Open().ok());
    for (int i = 0; i < 30; ++i) REQUIRE(Put(store, i).status == PutMessageStatus::kPutOk);
    store.Shutdown();
  }
  std::filesystem::remove_all(dir.Sub("consumequeue"));  // rebuilt from the CommitLog at the next start
  {
    FakeDisk disk(0);
    MessageStore store(SmallConfig(dir.path()));
    REQUIRE(store.Open().ok());
    CHECK(store.IsDiskFull());
    CHECK(Put(store, 100).status == PutMessageStatus::kServiceNotAvailable);
    g_free = int64_t{1} << 40;  // space back: still refused, the queue is incomplete until a restart
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    CHECK(Put(store, 101).status == PutMessageStatus::kServiceNotAvailable);
    store.Shutdown();
  }
  MessageStore store(SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  CHECK(Pullable(store) == 30);
  CHECK(Put(store, 102).status == PutMessageStatus::kPutOk);
  CHECK(Pullable(store) == 31);
  store.Shutdown();
}

TEST_CASE("file space: an empty last file left by a crash does not stop a start on a full disk") {
  TempDir dir;
  {
    MessageStore store(SmallConfig(dir.path()));
    REQUIRE(store.Open().ok());
    for (int i = 0; i < 5; ++i) REQUIRE(Put(store, i).status == PutMessageStatus::kPutOk);
    store.Shutdown();
  }
  const std::string empty = dir.Sub("commitlog/00000000000000065536");
  std::filesystem::remove(empty);  // a prepared file the clean shutdown may have left
  { std::ofstream touch(empty); }
  REQUIRE(std::filesystem::file_size(empty) == 0);
  FakeDisk disk(0);
  MessageStore store(SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  CHECK_FALSE(std::filesystem::exists(empty));
  CHECK(Pullable(store) == 5);
  CHECK(Put(store, 5).status == PutMessageStatus::kServiceNotAvailable);
  store.Shutdown();
}

}  // namespace rmq::store
