#include "server/broker/sync_flush_waiters.h"

#include <doctest/doctest.h>

#include "common/temp_dir.h"
#include "store/store_test_util.h"

using namespace rmq;
using namespace rmq::server;
using protocol::RemotingCommand;

namespace {
struct FlushFixture {
  TempDir dir;
  BrokerConfig config;
  RemotingServer server;
  std::unique_ptr<store::MessageStore> store;
  std::unique_ptr<SyncFlushWaiters> waiters;

  explicit FlushFixture(bool sync) {
    config.flush_disk_type = sync ? "SYNC_FLUSH" : "ASYNC_FLUSH";
    config.sync_flush_timeout = 50;
    store::MessageStoreConfig sc = store::testing::SmallConfig(dir.Path("store"));
    sc.flush_disk_type = sync ? store::FlushDiskType::kSyncFlush : store::FlushDiskType::kAsyncFlush;
    store = std::make_unique<store::MessageStore>(sc);
    REQUIRE(store->Open().ok());
    waiters = std::make_unique<SyncFlushWaiters>(server, config, *store);
    waiters->Start();
  }
  ~FlushFixture() {
    waiters->Stop();
    store->Shutdown();
  }
  // uv_stop, not Stop: the store's flush thread may still Post until it shuts down.
  void RunFor(uint64_t ms) {
    server.AddTimer(ms, 0, [this] { uv_stop(server.loop()); });
    uv_run(server.loop(), UV_RUN_DEFAULT);
  }
};
// Past anything the store holds: never flushed.
constexpr int64_t kNeverFlushed = int64_t(1) << 50;
}  // namespace

TEST_CASE("SyncFlushWaiters: ASYNC_FLUSH or WAIT=false answers at once") {
  FlushFixture f(false);
  f.waiters->ReplyAfterPut(ReplyTarget{}, kNeverFlushed, true, RemotingCommand::CreateResponse(0));
  CHECK(f.waiters->size() == 0);
  FlushFixture g(true);
  g.waiters->ReplyAfterPut(ReplyTarget{}, kNeverFlushed, false, RemotingCommand::CreateResponse(0));
  CHECK(g.waiters->size() == 0);
}

TEST_CASE("SyncFlushWaiters: a reply not flushed within syncFlushTimeout is answered by the timer") {
  FlushFixture f(true);
  f.waiters->ReplyAfterPut(ReplyTarget{}, kNeverFlushed, true, RemotingCommand::CreateResponse(0));
  CHECK(f.waiters->size() == 1);
  f.RunFor(400);  // 50 ms timeout, checked every 100 ms
  CHECK(f.waiters->size() == 0);
}

TEST_CASE("SyncFlushWaiters: Stop answers what is still held, and its timer is gone") {
  FlushFixture f(true);
  f.waiters->ReplyAfterPut(ReplyTarget{}, kNeverFlushed, true, RemotingCommand::CreateResponse(0));
  f.waiters->Stop();
  CHECK(f.waiters->size() == 0);
  f.config.sync_flush_timeout = 0;
  f.waiters->ReplyAfterPut(ReplyTarget{}, kNeverFlushed, true, RemotingCommand::CreateResponse(0));
  f.RunFor(300);  // no timer: still held
  CHECK(f.waiters->size() == 1);
}
