// ServiceTimers: the timers and close handlers one service registered on the RemotingServer,
// removed together when the service stops. Each broker/NameServer service (pull holds, SYNC_FLUSH
// waiters, the NameServer registrar, schedule and timer delivery, config persistence, ...) keeps
// one and calls Clear() in its Stop(), so a service can stop (and start again: a reconnecting HA
// peer drops the timers of its old link) without stopping the loop. Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "server/remoting_server.h"

namespace rmq::server {

class ServiceTimers {
 public:
  ServiceTimers() = default;
  ServiceTimers(const ServiceTimers&) = delete;
  ServiceTimers& operator=(const ServiceTimers&) = delete;
  // The owner's server outlives it (main builds the server first), so clearing here is safe.
  ~ServiceTimers() { Clear(); }

  void Add(RemotingServer& server, uint64_t delay_ms, uint64_t interval_ms, std::function<void()> fn) {
    server_ = &server;
    timers_.push_back(server.AddTimer(delay_ms, interval_ms, std::move(fn)));
  }
  void OnClose(RemotingServer& server, RemotingServer::CloseHandler h) {
    server_ = &server;
    close_handlers_.push_back(server.AddCloseHandler(std::move(h)));
  }
  // Removes everything added; safe from inside one of the callbacks.
  void Clear() {
    if (server_ == nullptr) return;
    for (TimerHandle t : timers_) server_->RemoveTimer(t);
    for (CloseHandlerHandle h : close_handlers_) server_->RemoveCloseHandler(h);
    timers_.clear();
    close_handlers_.clear();
  }
  size_t size() const { return timers_.size() + close_handlers_.size(); }

 private:
  RemotingServer* server_ = nullptr;
  std::vector<TimerHandle> timers_;
  std::vector<CloseHandlerHandle> close_handlers_;
};

}  // namespace rmq::server
