// MessageStore::IsOSPageCacheBusy: a SYNC_FLUSH request the flush thread has not served within
// os_page_cache_busy_time_out_mills makes puts answer OS_PAGECACHE_BUSY.
#include <doctest/doctest.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>

#include "store/message_store.h"
#include "store/store_test_util.h"

namespace rmq::store {
namespace {

using testing::MakeMessage;
using testing::SmallConfig;
using testing::TempDir;

// Holds the flush thread before its CommitLog syncs while closed.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = true;
  void Wait() {
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [this] { return open; });
  }
  void Set(bool o) {
    {
      std::lock_guard<std::mutex> l(mu);
      open = o;
    }
    cv.notify_all();
  }
};

TEST_CASE("store: a SYNC_FLUSH backlog older than osPageCacheBusyTimeOutMills answers OS_PAGECACHE_BUSY") {
  TempDir dir;
  Gate gate;
  MessageStoreConfig c = SmallConfig(dir.path());
  c.flush_disk_type = FlushDiskType::kSyncFlush;
  c.os_page_cache_busy_time_out_mills = 30;
  c.before_commit_log_sync = [&gate] { gate.Wait(); };
  MessageStore store(c);
  REQUIRE(store.Open().ok());
  auto m = MakeMessage("T", "body");

  PutMessageResult first = store.PutMessage(m.View());
  REQUIRE(first.status == PutMessageStatus::kPutOk);
  CHECK_FALSE(store.IsOSPageCacheBusy());

  gate.Set(false);  // the disk stops keeping up
  usleep(50 * 1000);  // let the flush thread park in the gate
  PutMessageResult second = store.PutMessage(m.View());
  REQUIRE(second.status == PutMessageStatus::kPutOk);
  store.RequestFlush(second.wrote_offset + second.wrote_bytes);
  CHECK_FALSE(store.IsOSPageCacheBusy());  // just asked
  usleep(60 * 1000);
  CHECK(store.IsOSPageCacheBusy());
  PutMessageResult refused = store.PutMessage(m.View());
  CHECK(refused.status == PutMessageStatus::kOsPageCacheBusy);
  CHECK(store.GetMaxOffsetInQueue("T", 0) == 2);  // nothing appended

  gate.Set(true);  // the sync completes
  bool cleared = false;
  for (int i = 0; i < 2000 && !cleared; ++i) {
    cleared = !store.IsOSPageCacheBusy();
    if (!cleared) usleep(1000);
  }
  CHECK(cleared);
  CHECK(store.FlushedOffset() >= second.wrote_offset + second.wrote_bytes);
  CHECK(store.PutMessage(m.View()).status == PutMessageStatus::kPutOk);
  store.Shutdown();
}

TEST_CASE("store: ASYNC_FLUSH without flush requests is never busy") {
  TempDir dir;
  MessageStoreConfig c = SmallConfig(dir.path());
  c.os_page_cache_busy_time_out_mills = 0;
  MessageStore store(c);
  REQUIRE(store.Open().ok());
  auto m = MakeMessage("T", "body");
  for (int i = 0; i < 20; ++i) CHECK(store.PutMessage(m.View()).status == PutMessageStatus::kPutOk);
  CHECK_FALSE(store.IsOSPageCacheBusy());
}

}  // namespace
}  // namespace rmq::store
