#include "server/broker/pull_request_hold_service.h"

#include <algorithm>

namespace rmq::server {

void PullRequestHoldService::Hold(HeldPull&& p) {
  p.id = next_id_++;
  std::string key = Key(p.header.topic, p.header.queue_id);
  deadlines_.emplace(p.deadline_ms, key);
  table_[key].push_back(std::move(p));
  ++count_;
}

void PullRequestHoldService::NotifyMessageArriving(const std::string& topic, int32_t queue_id, int64_t max_offset) {
  auto it = table_.find(Key(topic, queue_id));
  if (it == table_.end()) return;
  // Nothing is moved out unless something is ready: an arrival that wakes no pull (a delayed
  // message parked under SCHEDULE_TOPIC_XXXX, an offset already past max) must leave the table intact.
  auto below = [max_offset](const HeldPull& p) { return p.header.queue_offset < max_offset; };
  if (std::none_of(it->second.begin(), it->second.end(), below)) return;
  std::vector<HeldPull> ready, keep;
  for (auto& p : it->second) {
    if (below(p)) ready.push_back(std::move(p));
    else keep.push_back(std::move(p));
  }
  if (keep.empty()) table_.erase(it);
  else it->second.swap(keep);
  count_ -= ready.size();
  for (auto& p : ready) wake_(p);
}

void PullRequestHoldService::CheckTimeouts(uint64_t now_ms) {
  while (!deadlines_.empty() && deadlines_.begin()->first <= now_ms) {
    std::string key = deadlines_.begin()->second;
    deadlines_.erase(deadlines_.begin());
    auto it = table_.find(key);
    if (it == table_.end()) continue;
    std::vector<HeldPull> due, keep;
    for (auto& p : it->second) {
      if (p.deadline_ms <= now_ms) due.push_back(std::move(p));
      else keep.push_back(std::move(p));
    }
    if (keep.empty()) table_.erase(it);
    else it->second.swap(keep);
    count_ -= due.size();
    for (auto& p : due) wake_(p);
  }
}

void PullRequestHoldService::CheckAll(uint64_t now_ms, const MaxOffsetFn& max_offset) {
  // Collect first: waking answers pulls (never re-holds them), but must not run under iteration.
  std::vector<std::pair<std::string, int32_t>> queues;
  queues.reserve(table_.size());
  for (const auto& [key, pulls] : table_) {
    if (!pulls.empty()) queues.emplace_back(pulls.front().header.topic, pulls.front().header.queue_id);
  }
  for (const auto& [topic, queue_id] : queues) NotifyMessageArriving(topic, queue_id, max_offset(topic, queue_id));
  CheckTimeouts(now_ms);
}

void PullRequestHoldService::OnConnectionClosed(ConnectionId conn) {
  for (auto it = table_.begin(); it != table_.end();) {
    auto& v = it->second;
    size_t before = v.size();
    std::erase_if(v, [conn](const HeldPull& p) { return p.to.conn == conn; });
    count_ -= before - v.size();
    if (v.empty()) it = table_.erase(it);
    else ++it;
  }
}

}  // namespace rmq::server
