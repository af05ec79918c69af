// PullRequestHoldService: long polling. A pull that found nothing is parked until a message
// arrives on its queue or its suspend time runs out (mirrors Java's PullRequestHoldService,
// woken by arrival instead of a 5 s scan). Loop thread only; idle held pulls cost no CPU.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocol/headers/message_headers.h"
#include "server/remoting_server.h"

namespace rmq::server {

struct HeldPull {
  protocol::PullMessageRequestHeader header;
  ReplyTarget to;
  uint64_t deadline_ms = 0;
  uint64_t id = 0;
};

class PullRequestHoldService {
 public:
  // Re-runs a held pull without suspending again, and answers it.
  using Wake = std::function<void(HeldPull&)>;
  explicit PullRequestHoldService(Wake wake) : wake_(std::move(wake)) {}

  void Hold(HeldPull&& p);
  // A message was stored on topic/queue; wakes the pulls waiting there whose offset is now
  // below `max_offset`.
  void NotifyMessageArriving(const std::string& topic, int32_t queue_id, int64_t max_offset);
  // Answers the pulls whose deadline has passed.
  void CheckTimeouts(uint64_t now_ms);
  // Short polling (longPollingEnable=false): Java's periodic check. Arrivals wake nothing then;
  // every shortPollingTimeMills each held queue is checked against its max offset, and the pulls
  // with something to read or past their deadline are answered.
  using MaxOffsetFn = std::function<int64_t(const std::string& topic, int32_t queue_id)>;
  void CheckAll(uint64_t now_ms, const MaxOffsetFn& max_offset);
  // Drops the pulls of a closed connection.
  void OnConnectionClosed(ConnectionId conn);
  size_t size() const { return count_; }

 private:
  static std::string Key(const std::string& topic, int32_t queue_id) { return topic + "@" + std::to_string(queue_id); }
  Wake wake_;
  std::unordered_map<std::string, std::vector<HeldPull>> table_;
  std::multimap<uint64_t, std::string> deadlines_;  // deadline -> key (lazy; stale entries skipped)
  uint64_t next_id_ = 1;
  size_t count_ = 0;
};

}  // namespace rmq::server
