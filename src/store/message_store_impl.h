// Private state of MessageStore, shared by message_store.cc (open, write path, shutdown) and
// message_store_read.cc (read path). Not part of the store's interface.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "store/clean_service.h"
#include "store/commit_log.h"
#include "store/consume_queue_store.h"
#include "store/delay_level.h"
#include "store/flush_service.h"
#include "store/index_service.h"
#include "store/message_store.h"
#include "store/reput_service.h"
#include "store/store_checkpoint.h"

namespace rmq::store {

struct MessageStore::Impl {
  explicit Impl(MessageStoreConfig c) : config(std::move(c)) {}

  std::string RootPath(const char* name) const { return config.store_path_root_dir + "/" + name; }

  MessageStoreConfig config;
  DelayLevelTable delay_levels;  // parsed from config.message_delay_level in Open
  std::unique_ptr<CommitLog> commit_log;
  std::unique_ptr<ConsumeQueueStore> queues;
  std::unique_ptr<StoreCheckpoint> checkpoint;
  std::unique_ptr<IndexService> index;
  std::unique_ptr<ReputService> reput;  // the one CommitLog -> ConsumeQueue/index dispatch path
  std::unique_ptr<FlushService> flush;
  std::unique_ptr<CommitService> commit;  // only with transientStorePoolEnable in effect
  std::unique_ptr<CleanService> clean;
  std::function<void(int64_t)> flush_listener;  // kept until the flush service exists
  int lock_fd = -1;
  bool open = false;
  // Set when a CommitLog, ConsumeQueue or index file could not be created or reserved (disk
  // full): puts are refused as with Java's not-writeable running flags. While set, at most one
  // put a second (space_retry_at_ms, steady clock) tries again; the first that succeeds clears it.
  std::atomic<bool> space_refused{false};
  std::atomic<int64_t> space_retry_at_ms{0};
  // Recovery could not rebuild every ConsumeQueue entry for lack of disk space: writes stay refused
  // until a restart with space rebuilds them (as Java's logics-queue error flag).
  bool writes_need_restart = false;

  // Whether a put may go on: always unless space_refused; else once a second.
  bool SpaceProbeAllowed();
  // Sets space_refused (logging only when it changes) and the next probe time.
  void MarkNoSpace(const Status& why);
  // Starts the store's threads (flush, commit, clean; the CommitLog's allocator started in
  // Open) and stops every one of them in the shutdown order (see Shutdown in message_store.cc).
  void StartServices();
  void StopServices();
};

}  // namespace rmq::store
