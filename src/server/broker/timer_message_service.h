// TimerMessageService: delivers 5.x timer messages parked in rmq_sys_wheel_timer (queue 0, see
// timer_message_util.h) to their real topic/queue once due. Plays the part of Java 5.x's
// TimerMessageStore, but instead of timerwheel/timerlog files it keeps an in-memory min-heap
// keyed by due time, rebuilt on start from the parked queue itself.
//
// Loop thread only. The broker calls Tick() from a short periodic timer; a Tick reads only the
// queue entries parked since the last one and pops only due heap entries, so its cost does not
// grow with the number of pending timers (no scan). Memory: one 24-byte TimerEntry per pending
// timer.
//
// Delete markers (TIMER_DEL_UNIQKEY, see timer_message_util.h) do not enter the heap: their keys
// are collected per due time in `cancels_`, and a parked message whose slot holds a key naming it
// is dropped when it comes due. A marker's own offset is marked done only when its slot has been
// read completely, so a restart in the middle of a slot still cancels.
//
// Progress lives in config/timerProgress.json (FORMAT below): every parked offset below
// `deliveredBelow` is done, plus the [begin,end) ranges in `deliveredRanges` (timers come due
// out of queue order). On start, entries from deliveredBelow on that are not in a range are
// read back into the heap. A crash can lose progress written since the last persist; those
// messages are delivered again (at least once, like Java's timercheck).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "server/broker/timer_message_util.h"
#include "store/message_store.h"
#include "server/service_timers.h"

namespace rmq::server {

// Period of the broker's Tick() timer: the worst-case extra lateness past the due time.
inline constexpr uint64_t kTimerTickMs = 20;
inline constexpr uint64_t kTimerPersistIntervalMs = 10000;
inline constexpr int64_t kTimerRetryAfterPutFailureMs = 1000;
// Bounds per Tick, so one burst cannot hold the loop for long (Load reads without a bound).
inline constexpr int kMaxTimerEnqueuesPerTick = 8192;
inline constexpr int kMaxTimerDeliveriesPerTick = 2048;

struct TimerEntry {
  int64_t due_ms;
  int64_t queue_offset;  // in rmq_sys_wheel_timer/0
  int64_t phy_offset;    // CommitLog offset of the parked record
};

// Min-heap of TimerEntry by (due_ms, queue_offset): equal due times come out in send order.
class TimerHeap {
 public:
  void Push(const TimerEntry& e);
  const TimerEntry& Top() const { return v_.front(); }
  void Pop();
  bool empty() const { return v_.empty(); }
  size_t size() const { return v_.size(); }
  void Reserve(size_t n) { v_.reserve(n); }

 private:
  std::vector<TimerEntry> v_;
};

// Which parked queue offsets are done: all below `below`, plus disjoint [begin,end) ranges
// above it. Marking the offset at `below` swallows the ranges that then touch it.
class DeliveredOffsets {
 public:
  void MarkDone(int64_t offset);
  bool Contains(int64_t offset) const;
  int64_t below() const { return below_; }
  size_t range_count() const { return ranges_.size(); }
  // Moves `below` up to `offset` (entries the store no longer has).
  void RaiseBelow(int64_t offset);

  // {"deliveredBelow":N,"deliveredRanges":[[b,e],...]}
  std::string Encode() const;
  static Status Decode(std::string_view text, DeliveredOffsets* out);

 private:
  int64_t below_ = 0;
  std::map<int64_t, int64_t> ranges_;  // begin -> end (exclusive), all above below_
};

class TimerMessageService {
 public:
  using StoredListener = std::function<void(const std::string& topic, int32_t queue_id)>;

  TimerMessageService(store::MessageStore& store, std::string path, TimerConfig config, StoredListener on_stored);
  TimerMessageService(const TimerMessageService&) = delete;
  TimerMessageService& operator=(const TimerMessageService&) = delete;

  // Reads the progress file (missing = nothing delivered) and rebuilds the heap from the queue.
  Status Load();
  // Picks up newly parked entries, then delivers what is due at wall-clock `now_ms`.
  // Returns how many were delivered.
  int Tick(int64_t now_ms);
  void PersistIfDirty();

  size_t pending() const { return heap_.size(); }
  // Delete markers whose slot has not been read completely yet.
  size_t pending_markers() const;
  // Parked messages dropped because a delete marker in their slot named them.
  uint64_t cancelled() const { return cancelled_; }
  // Due time of the earliest pending timer, or -1.
  int64_t NextDueMs() const { return heap_.empty() ? -1 : heap_.Top().due_ms; }
  const DeliveredOffsets& progress() const { return done_; }
  const TimerConfig& config() const { return config_; }

  // The broker's timers for this service: Tick every kTimerTickMs (reads only newly parked
  // entries, pops only due ones), PersistIfDirty every kTimerPersistIntervalMs. Stop removes
  // them and persists.
  void Start(RemotingServer& server);
  void Stop();

 private:
  enum class Outcome { kDelivered, kSkipped, kCancelled, kPutFailed };
  // The delete markers of one due time (one wheel slot).
  struct SlotCancels {
    std::unordered_set<std::string> keys;  // TIMER_DEL_UNIQKEY values
    std::vector<int64_t> marker_offsets;   // parked offsets of the markers, done when retired
  };
  int Enqueue(int limit);
  Outcome Deliver(const TimerEntry& e, int64_t now_ms);
  bool IsCancelled(const TimerEntry& e, const store::RecordView& rec) const;
  // Retires the cancel sets of slots that are read completely at `now_ms`.
  void RetireCancels(int64_t now_ms);

  store::MessageStore& store_;
  std::string path_;
  TimerConfig config_;
  StoredListener on_stored_;
  TimerHeap heap_;
  std::map<int64_t, SlotCancels> cancels_;  // due_ms -> markers of that slot
  DeliveredOffsets done_;
  int64_t enqueue_offset_ = 0;  // next parked queue offset to read into the heap
  int64_t blocked_until_ = 0;   // after a failed re-store
  bool dirty_ = false;
  uint64_t cancelled_ = 0;
  ServiceTimers loop_timers_;
};

}  // namespace rmq::server
