// CoalescedPersist: a config file (topics.json, subscriptionGroup.json) rewritten at most about
// once per broker persist tick however many changes the tick saw. Encoding the whole table on
// every change made N changes cost O(N^2) on the loop. Loop thread only.
//
// Changed(): the leading edge writes at once when nothing was written for a tick, so an isolated
// change (the common case: one topic created now and then) is queued for disk as soon as Java
// would write it. Changes that follow within the tick only mark the file dirty; the broker's 1 s
// timer (and shutdown) calls PersistIfDirty, which encodes the whole table once for all of them.
// MarkDirty(): trailing edge only (start-up, auto-created groups).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace rmq::server {

// Mirrors nothing in Java (ConfigManager.persist() rewrites the file on every change).
inline constexpr unsigned kConfigPersistIntervalMs = 1000;

class CoalescedPersist {
 public:
  // `encode` returns the file's full content; it is called only from PersistIfDirty / PersistNow.
  CoalescedPersist(std::string path, std::function<std::string()> encode)
      : path_(std::move(path)), encode_(std::move(encode)) {}
  CoalescedPersist(const CoalescedPersist&) = delete;
  CoalescedPersist& operator=(const CoalescedPersist&) = delete;

  void MarkDirty() { dirty_ = true; }
  // A change: written now when the last write is a tick old, else at the next PersistIfDirty.
  void Changed();
  bool dirty() const { return dirty_; }
  // Queues one write of the encoded table when a change is not on disk yet. Returns whether it wrote.
  bool PersistIfDirty();
  // Queues a write now, dirty or not.
  void PersistNow();
  const std::string& path() const { return path_; }
  // Number of writes queued so far (tests, the scale tool's reasoning).
  uint64_t writes() const { return writes_; }

 private:
  std::string path_;
  std::function<std::string()> encode_;
  bool dirty_ = false;
  uint64_t writes_ = 0;
  int64_t last_write_ms_ = -1;  // steady clock
};

}  // namespace rmq::server
