// SyncFlushWaiters: send replies held until the CommitLog is on disk (SYNC_FLUSH group commit,
// Java's GroupCommitService requests). A send stored with WAIT=true under flushDiskType=SYNC_FLUSH
// is answered when the store's flush thread reports an offset past the message, or
// FLUSH_DISK_TIMEOUT after syncFlushTimeout. Users: the send, batch and reply handlers (through
// BrokerController::ReplyAfterPut), flow control (the waiting count is its queue length), and
// the HA issue, whose SYNC_MASTER waits for the slave the same way. Loop thread only (the flush
// listener posts to the loop).
//
// Timers (Start/Stop): every 100 ms the waiters past their deadline are answered FLUSH_DISK_TIMEOUT.
// Stop answers every waiter still held with its send result (the store's shutdown flush covers it).
#pragma once

#include <cstdint>
#include <map>

#include "protocol/remoting_command.h"
#include "server/config.h"
#include "server/remoting_server.h"
#include "server/service_timers.h"
#include "store/message_store.h"

namespace rmq::server {

class SyncFlushWaiters {
 public:
  SyncFlushWaiters(RemotingServer& server, const BrokerConfig& config, store::MessageStore& store)
      : server_(server), config_(config), store_(store) {}
  SyncFlushWaiters(const SyncFlushWaiters&) = delete;
  SyncFlushWaiters& operator=(const SyncFlushWaiters&) = delete;

  // Installs the store's flush listener and the timeout timer.
  void Start();
  // Removes the timer and answers what is still held. Call after the store has shut down.
  void Stop();

  // Answers a send after its append: at once, or, under SYNC_FLUSH with WAIT=true, when the
  // flush thread has synced past `end_offset`, or FLUSH_DISK_TIMEOUT.
  void ReplyAfterPut(const ReplyTarget& to, int64_t end_offset, bool wait_store, protocol::RemotingCommand&& resp);
  size_t size() const { return waiters_.size(); }

 private:
  void OnFlushed(int64_t flushed);
  void CheckTimeouts();

  struct Waiter {
    ReplyTarget to;
    protocol::RemotingCommand resp;
    uint64_t deadline_ms;
  };
  RemotingServer& server_;
  const BrokerConfig& config_;
  store::MessageStore& store_;
  std::multimap<int64_t, Waiter> waiters_;  // end offset -> reply
  ServiceTimers timers_;
};

}  // namespace rmq::server
