#include "server/broker/sync_flush_waiters.h"

#include "protocol/response_code.h"

namespace rmq::server {

using protocol::RemotingCommand;
using protocol::ResponseCode;

namespace {
constexpr uint64_t kTimeoutCheckIntervalMs = 100;
}  // namespace

void SyncFlushWaiters::Start() {
  store_.SetFlushListener([this](int64_t flushed) { server_.Post([this, flushed] { OnFlushed(flushed); }); });
  timers_.Add(server_, kTimeoutCheckIntervalMs, kTimeoutCheckIntervalMs, [this] { CheckTimeouts(); });
}

void SyncFlushWaiters::Stop() {
  timers_.Clear();
  // Replies still waiting on a flush: the flush on shutdown covered them.
  for (auto& [off, w] : waiters_) server_.Reply(w.to, std::move(w.resp));
  waiters_.clear();
}

void SyncFlushWaiters::ReplyAfterPut(const ReplyTarget& to, int64_t end_offset, bool wait_store, RemotingCommand&& resp) {
  if (config_.flush_disk_type != "SYNC_FLUSH" || !wait_store || store_.FlushedOffset() >= end_offset) {
    server_.Reply(to, std::move(resp));
    return;
  }
  waiters_.emplace(end_offset, Waiter{to, std::move(resp), server_.NowMs() + static_cast<uint64_t>(config_.sync_flush_timeout)});
  store_.RequestFlush(end_offset);
}

void SyncFlushWaiters::OnFlushed(int64_t flushed) {
  while (!waiters_.empty() && waiters_.begin()->first <= flushed) {
    Waiter w = std::move(waiters_.begin()->second);
    waiters_.erase(waiters_.begin());
    server_.Reply(w.to, std::move(w.resp));
  }
}

void SyncFlushWaiters::CheckTimeouts() {
  if (waiters_.empty()) return;
  uint64_t now = server_.NowMs();
  OnFlushed(store_.FlushedOffset());
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (it->second.deadline_ms <= now) {
      // Stored but not yet on disk: Java answers FLUSH_DISK_TIMEOUT with the send result.
      RemotingCommand resp = std::move(it->second.resp);
      resp.code = static_cast<int32_t>(ResponseCode::kFlushDiskTimeout);
      server_.Reply(it->second.to, std::move(resp));
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace rmq::server
