// ScheduleMessageService: delivers messages parked in SCHEDULE_TOPIC_XXXX (one queue per delay
// level, queue id = level-1; the store parks them, see store/delay_level.h) to their real
// topic/queue once due, and keeps per-level progress in config/delayOffset.json (mirrors Java's
// ScheduleMessageService and DeliverDelayedMessageTimerTask, minus the per-level threads).
//
// Loop thread only. The broker calls Tick() from a short periodic timer; each call reads every
// level's queue from its progress offset and re-stores every entry whose delivery time (the
// entry's tagsCode) has come, in queue order, stopping at the first entry not yet due.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "common/status.h"
#include "store/commit_log_record.h"
#include "store/delay_level.h"
#include "store/message_store.h"
#include "server/service_timers.h"

namespace rmq::server {

// Period of the broker's Tick() timer: the worst-case lateness of an idle broker.
inline constexpr uint64_t kScheduleTickMs = 20;
// Mirrors ScheduleMessageService.DELAY_FOR_A_PERIOD: a level whose re-store failed waits this long.
inline constexpr int64_t kScheduleRetryAfterPutFailureMs = 10000;
// Mirrors flushDelayOffsetInterval.
inline constexpr uint64_t kFlushDelayOffsetIntervalMs = 10000;
// Bound on deliveries per level per Tick, so one level cannot hold the loop for long.
inline constexpr int kMaxDeliveriesPerLevelPerTick = 1024;

// Mirrors correctDeliverTimestamp: a delivery time further away than now + delay(level) (the
// clock went back) counts as now.
int64_t CorrectDeliverTimestamp(int64_t now_ms, int64_t deliver_ms, int64_t level_delay_ms);
inline bool IsDeliveryDue(int64_t now_ms, int64_t deliver_ms, int64_t level_delay_ms) {
  return CorrectDeliverTimestamp(now_ms, deliver_ms, level_delay_ms) <= now_ms;
}

// delayOffset.json: {"offsetTable":{1:0,2:5}} (numeric keys unquoted, as fastjson writes).
std::string EncodeDelayOffsets(const std::map<int32_t, int64_t>& table);
// Accepts quoted or unquoted keys; entries with a non-numeric key or value are skipped.
Status DecodeDelayOffsets(std::string_view text, std::map<int32_t, int64_t>* table);

// The message a parked record turns into when due (Java's messageTimeup): real topic and
// queue from REAL_TOPIC/REAL_QID, tagsCode from TAGS, properties unchanged (Java 4.9 stores
// them as parked, DELAY included; store it with MessageToStore::delay_done), everything else
// copied. InvalidArgument when REAL_TOPIC/REAL_QID is missing or malformed.
struct TimeupMessage {
  std::string topic;
  int32_t queue_id = 0;
  std::string properties;
  int64_t tags_code = 0;
};
Status BuildTimeupMessage(const store::RecordView& parked, TimeupMessage* out);

class ScheduleMessageService {
 public:
  using StoredListener = std::function<void(const std::string& topic, int32_t queue_id)>;

  // `store` must outlive this. `on_stored` runs after each re-store (wakes long polls).
  ScheduleMessageService(store::MessageStore& store, std::string path, store::DelayLevelTable levels,
                         StoredListener on_stored);
  ScheduleMessageService(const ScheduleMessageService&) = delete;
  ScheduleMessageService& operator=(const ScheduleMessageService&) = delete;

  // Reads delayOffset.json (a missing file is an empty table).
  Status Load();
  // Delivers everything due at wall-clock time `now_ms`. Returns how many were re-stored.
  int Tick(int64_t now_ms);
  // Writes delayOffset.json when progress moved since the last write.
  void PersistIfDirty();
  // The table as delayOffset.json holds it (GET_ALL_DELAY_OFFSET answers this).
  std::string Encode() const { return EncodeDelayOffsets(offsets_); }
  int64_t OffsetOf(int32_t level) const;
  const store::DelayLevelTable& levels() const { return levels_; }

  // The broker's timers for this service: Tick every kScheduleTickMs (wall-clock due times),
  // PersistIfDirty every kFlushDelayOffsetIntervalMs. Stop removes them and persists.
  void Start(RemotingServer& server);
  void Stop();

 private:
  enum class Outcome { kDelivered, kSkipped, kPutFailed };
  Outcome Deliver(int32_t level, const store::MessageStore::ConsumeQueueEntry& e);

  store::MessageStore& store_;
  std::string path_;
  store::DelayLevelTable levels_;
  StoredListener on_stored_;
  std::map<int32_t, int64_t> offsets_;        // level -> next SCHEDULE_TOPIC_XXXX offset
  std::map<int32_t, int64_t> blocked_until_;  // level -> wall-clock ms (after a put failure)
  bool dirty_ = false;
  ServiceTimers loop_timers_;
};

}  // namespace rmq::server
