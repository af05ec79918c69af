// transientStorePoolEnable: appends go into a pooled write buffer, the commit thread copies them
// into the CommitLog file, and readers see committed bytes only.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "store/flush_service.h"
#include "store/mapped_file.h"
#include "store/mapped_file_queue.h"
#include "store/message_store.h"
#include "store/store_checkpoint.h"
#include "store/store_test_util.h"
#include "store/store_verify.h"

namespace rmq::store {
namespace {

using testing::MakeMessage;
using testing::SmallConfig;
using testing::TempDir;

// The commit thread never runs on its own: only Wakeup(all) (a reader) and Stop commit.
MessageStoreConfig BufferedConfig(const std::string& root) {
  MessageStoreConfig c = SmallConfig(root);
  c.transient_store_pool_enable = true;
  c.transient_store_pool_size = 2;
  c.commit_interval_commit_log = 3600 * 1000;
  c.commit_commit_log_least_pages = 1 << 20;
  c.commit_commit_log_thorough_interval = 3600 * 1000;
  return c;
}

GetMessageResult Pull(MessageStore* store, int64_t offset, int32_t max = 32) {
  return store->GetMessage("T", 0, offset, max, nullptr);
}

// Pulls until something is found (each miss wakes the commit thread), at most ~2 s.
GetMessageResult PullUntilFound(MessageStore* store, int64_t offset, int32_t max = 32) {
  GetMessageResult r;
  for (int i = 0; i < 2000; ++i) {
    r = Pull(store, offset, max);
    if (r.status == GetMessageStatus::kFound) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return r;
}

TEST_CASE("TransientStorePool: lends each buffer once, takes it back") {
  TransientStorePool pool(2, 8192);
  REQUIRE(pool.Init().ok());
  CHECK(pool.available() == 2);
  char* a = pool.Borrow();
  char* b = pool.Borrow();
  REQUIRE(a != nullptr);
  REQUIRE(b != nullptr);
  CHECK(a != b);
  CHECK(pool.Borrow() == nullptr);
  a[8191] = 'x';  // the whole buffer is writable
  pool.Return(a);
  CHECK(pool.available() == 1);
  pool.Return(b);
}

TEST_CASE("MappedFile with a write buffer: readers see committed bytes only; full file returns its buffer") {
  TempDir dir;
  auto pool = std::make_shared<TransientStorePool>(1, 8192);
  REQUIRE(pool->Init().ok());
  auto opened = MappedFile::Open(dir.path() + "/00000000000000000000", 0, 8192);
  REQUIRE(opened.ok());
  std::shared_ptr<MappedFile> f = *opened;
  REQUIRE(f->AttachWriteBuffer(pool));
  CHECK(pool->available() == 0);
  REQUIRE(f->Append("hello"));
  CHECK(f->write_position() == 5);
  CHECK(f->read_position() == 0);
  CHECK(f->Read(0, 5).empty());
  bool uncommitted = false;
  CHECK(f->Read(0, 5, &uncommitted).empty());
  CHECK(uncommitted);  // waiting, not lost
  CHECK(f->Read(0, 6, &uncommitted).empty());
  CHECK_FALSE(uncommitted);  // past what was written
  CHECK(f->ReadFrom(0).empty());
  CHECK(f->WholeFile().substr(0, 5) != "hello");  // not in the file yet
  CHECK(f->HasUncommitted());
  // Less than the least pages waiting: nothing is copied.
  CHECK(f->CommitToFile(1) == 0);
  CHECK(f->CommitToFile(0) == 5);
  CHECK(f->Read(0, 5) == "hello");
  CHECK(f->WholeFile().substr(0, 5) == "hello");
  CHECK_FALSE(f->HasUncommitted());
  REQUIRE(f->Flush().ok());
  CHECK(f->flushed_position() == 5);
  // Fill the file: a full file is committed whatever the least pages, and the buffer goes back.
  REQUIRE(f->Append(std::string(8192 - 5, 'z')));
  CHECK(f->IsFull());
  CHECK(f->CommitToFile(1000) == 8192);
  CHECK(pool->available() == 1);
  CHECK(f->Read(8000, 3) == "zzz");
  // Without a pool buffer left, a file writes into its mapping as before.
  auto other = MappedFile::Open(dir.path() + "/00000000000000008192", 8192, 8192);
  REQUIRE(other.ok());
  REQUIRE((*other)->AttachWriteBuffer(pool));
  auto third = MappedFile::Open(dir.path() + "/00000000000000016384", 16384, 8192);
  REQUIRE(third.ok());
  CHECK_FALSE((*third)->AttachWriteBuffer(pool));
  REQUIRE((*third)->Append("direct"));
  CHECK((*third)->Read(0, 6) == "direct");
  other->reset();  // a dropped file gives its buffer back
  CHECK(pool->available() == 1);
}

TEST_CASE("store with transientStorePoolEnable: pulls wait for the commit, then see every message") {
  TempDir dir;
  MessageStore store(BufferedConfig(dir.path()));
  REQUIRE(store.Open().ok());
  auto m = MakeMessage("T", "body-0");
  PutMessageResult put = store.PutMessage(m.View());
  REQUIRE(put.status == PutMessageStatus::kPutOk);
  CHECK(store.GetMaxOffsetInQueue("T", 0) == 1);
  // Appended, not committed: the reader is told to retry, and nothing past the commit shows.
  CHECK(store.GetMaxPhyOffset() == 0);
  CHECK_FALSE(store.LookMessageByOffset(put.wrote_offset).ok());
  GetMessageResult r = Pull(&store, 0);
  CHECK(r.status == GetMessageStatus::kNoMatchedMessage);
  CHECK(r.next_begin_offset == 0);
  CHECK(r.messages.empty());
  // That miss woke the commit thread.
  r = PullUntilFound(&store, 0);
  REQUIRE(r.status == GetMessageStatus::kFound);
  CHECK(r.messages.size() == 1);
  CHECK(r.next_begin_offset == 1);
  CHECK(store.GetMaxPhyOffset() == put.wrote_offset + put.wrote_bytes);
  CHECK(store.LookMessageByOffset(put.wrote_offset).ok());

  // Committed messages are served, the pull stops where uncommitted ones begin.
  REQUIRE(store.PutMessage(m.View()).status == PutMessageStatus::kPutOk);
  r = PullUntilFound(&store, 1);
  REQUIRE(r.status == GetMessageStatus::kFound);
  CHECK(r.next_begin_offset == 2);
  store.Shutdown();
}

TEST_CASE("store with transientStorePoolEnable: rolls through more files than buffers, clean reopen keeps all") {
  TempDir dir;
  const int kCount = 2000;  // ~5 files of 64 KiB, pool of 2
  {
    MessageStoreConfig c = BufferedConfig(dir.path());
    c.commit_interval_commit_log = 5;
    c.commit_commit_log_least_pages = 4;
    c.commit_commit_log_thorough_interval = 20;
    MessageStore store(c);
    REQUIRE(store.Open().ok());
    for (int i = 0; i < kCount; ++i) {
      auto m = MakeMessage("T", "body-" + std::to_string(i) + std::string(100, 'x'));
      REQUIRE(store.PutMessage(m.View()).status == PutMessageStatus::kPutOk);
    }
    int64_t next = 0;
    for (int tries = 0; next < kCount && tries < 5000; ++tries) {
      GetMessageResult r = Pull(&store, next);
      if (r.status == GetMessageStatus::kFound) {
        next = r.next_begin_offset;
      } else {
        CHECK(r.status == GetMessageStatus::kNoMatchedMessage);  // never a skip past a file
        CHECK(r.next_begin_offset == next);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    CHECK(next == kCount);
    // The last ones may still be in the buffer: clean shutdown commits them.
    int64_t last_ts = 0;
    for (int i = 0; i < 10; ++i) {
      auto m = MakeMessage("T", "tail-" + std::to_string(i));
      PutMessageResult put = store.PutMessage(m.View());
      REQUIRE(put.status == PutMessageStatus::kPutOk);
      last_ts = put.store_timestamp;
    }
    store.Shutdown();
    // The final commit and flush let the checkpoint claim the newest record.
    StoreCheckpoint cp(dir.path() + "/checkpoint");
    REQUIRE(cp.Open().ok());
    CHECK(cp.physic_msg_timestamp() == last_ts);
  }
  VerifyReport report;
  REQUIRE(VerifyStore(dir.path(), &report).ok());
  CHECK(report.ok());
  CHECK(report.records == kCount + 10);
  // Reopen without the option: recovery reads the files as always.
  MessageStore store(SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  CHECK(store.GetMaxOffsetInQueue("T", 0) == kCount + 10);
  GetMessageResult r = Pull(&store, kCount + 5, 32);
  REQUIRE(r.status == GetMessageStatus::kFound);
  CHECK(r.messages.size() == 5);
  // ... and with it again: the loaded last file is written directly, the next ones buffered.
  store.Shutdown();
  MessageStore again(BufferedConfig(dir.path()));
  REQUIRE(again.Open().ok());
  auto m = MakeMessage("T", "after-reopen");
  REQUIRE(again.PutMessage(m.View()).status == PutMessageStatus::kPutOk);
  r = PullUntilFound(&again, kCount + 10);
  REQUIRE(r.status == GetMessageStatus::kFound);
  CHECK(r.messages.size() == 1);
}

TEST_CASE("store with transientStorePoolEnable: a crash loses the uncommitted tail, recovery keeps a consistent prefix") {
  TempDir dir;
  TempDir copy;
  MessageStore store(BufferedConfig(dir.path()));
  REQUIRE(store.Open().ok());
  auto m = MakeMessage("T", "committed");
  for (int i = 0; i < 3; ++i) REQUIRE(store.PutMessage(m.View()).status == PutMessageStatus::kPutOk);
  REQUIRE(PullUntilFound(&store, 0).messages.size() == 3);  // committed
  auto late = MakeMessage("T", "uncommitted");
  for (int i = 0; i < 4; ++i) REQUIRE(store.PutMessage(late.View()).status == PutMessageStatus::kPutOk);
  // What a process crash leaves: the files (with the `abort` file), not the write buffer. The
  // ConsumeQueue already has entries for the four uncommitted records.
  const std::string crashed = copy.path() + "/store";
  std::filesystem::copy(dir.path(), crashed, std::filesystem::copy_options::recursive);
  REQUIRE(std::filesystem::exists(crashed + "/abort"));
  store.Shutdown();

  MessageStore recovered(SmallConfig(crashed));
  REQUIRE(recovered.Open().ok());
  CHECK(recovered.GetMaxOffsetInQueue("T", 0) == 3);
  GetMessageResult r = Pull(&recovered, 0);
  REQUIRE(r.status == GetMessageStatus::kFound);
  CHECK(r.messages.size() == 3);
  recovered.Shutdown();
  VerifyReport report;
  REQUIRE(VerifyStore(crashed, &report).ok());
  CHECK(report.ok());
  CHECK(report.records == 3);
}

TEST_CASE("store: transientStorePoolEnable is ignored under SYNC_FLUSH and on a slave, as Java") {
  MessageStoreConfig c;
  c.transient_store_pool_enable = true;
  CHECK(TransientStorePoolEnabled(c));
  c.slave = true;
  CHECK_FALSE(TransientStorePoolEnabled(c));
  c.slave = false;
  c.flush_disk_type = FlushDiskType::kSyncFlush;
  CHECK_FALSE(TransientStorePoolEnabled(c));

  TempDir dir;
  MessageStoreConfig sc = BufferedConfig(dir.path());
  sc.flush_disk_type = FlushDiskType::kSyncFlush;
  MessageStore store(sc);
  REQUIRE(store.Open().ok());  // logs a warning
  auto m = MakeMessage("T", "body");
  REQUIRE(store.PutMessage(m.View()).status == PutMessageStatus::kPutOk);
  // Written straight into the file: readable at once, with no commit thread.
  GetMessageResult r = Pull(&store, 0);
  CHECK(r.status == GetMessageStatus::kFound);
}

}  // namespace
}  // namespace rmq::store
