// Delay levels: the `messageDelayLevel` table and the store-side rewrite that parks a
// message with a DELAY property in SCHEDULE_TOPIC_XXXX (mirrors the delay branch of Java's
// CommitLog.asyncPutMessage, ScheduleMessageService.parseDelayLevel / computeDeliverTimestamp
// and the SCHEDULE_TOPIC_XXXX branch of CommitLog.checkMessageAndReturnSize).
//
// Pure functions and one small value type; no IO. The broker's ScheduleMessageService
// (src/server/broker) delivers what this parks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/message_properties.h"
#include "common/status.h"

namespace rmq::store {

// Mirrors TopicValidator.RMQ_SYS_SCHEDULE_TOPIC.
inline constexpr std::string_view kScheduleTopic = "SCHEDULE_TOPIC_XXXX";
// Property keys this file reads or writes (MessageConst; the store has no protocol dependency).
inline constexpr std::string_view kDelayProperty = rmq::kPropertyDelayTimeLevel;
inline constexpr std::string_view kRealTopicProperty = rmq::kPropertyRealTopic;
inline constexpr std::string_view kRealQueueIdProperty = rmq::kPropertyRealQueueId;

// Level N (1-based) -> delay in ms. Immutable after Parse.
class DelayLevelTable {
 public:
  DelayLevelTable() = default;
  // Parses Java's `messageDelayLevel`: items separated by spaces, each a non-negative integer
  // with a unit s, m, h or d ("1s 5s 1m 2h 1d"). A bad number or unit, or no items at all, is
  // InvalidArgument (Java logs and keeps the levels parsed so far; rmqd refuses the config).
  static Status Parse(std::string_view spec, DelayLevelTable* out);

  int32_t max_level() const { return static_cast<int32_t>(millis_.size()); }
  // Delay of `level` in ms; levels outside 1..max_level give 1000, as Java's
  // computeDeliverTimestamp does for an unknown level.
  int64_t DelayMillis(int32_t level) const;
  // Mirrors computeDeliverTimestamp: store time + delay(level).
  int64_t DeliverTimestamp(int32_t level, int64_t store_timestamp) const {
    return store_timestamp + DelayMillis(level);
  }
  // Level clamped to max_level (Java clamps a larger DELAY on store).
  int32_t Clamp(int32_t level) const { return level > max_level() ? max_level() : level; }

 private:
  std::vector<int64_t> millis_;
};

// The DELAY property as an int, or 0 when absent or not a decimal int.
int32_t DelayLevelOf(std::string_view properties);

// Whether a message of this sysFlag with these properties is parked: DELAY > 0 and the
// transaction type is NOT_TYPE or COMMIT (Java skips PREPARED and ROLLBACK).
bool NeedsDelay(int32_t sys_flag, std::string_view properties);

// The rewrite for a parked message, as Java's CommitLog.putMessage does it on its properties
// HashMap: DELAY clamped (put), REAL_TOPIC and REAL_QID put, the map re-serialized
// (common/message_properties.h PropertyMap: HashMap order, no trailing \x02). The caller stores
// it to kScheduleTopic, queue `*schedule_queue_id` = level-1.
struct DelayedMessage {
  std::string properties;
  int32_t schedule_queue_id = 0;
};
DelayedMessage RewriteForDelay(std::string_view topic, int32_t queue_id, std::string_view properties,
                               const DelayLevelTable& table);

// ConsumeQueue tagsCode for a SCHEDULE_TOPIC_XXXX record: its delivery time, from the DELAY
// property and the store time. Other topics: `normal` (the TAGS hash).
int64_t ScheduleTagsCode(std::string_view topic, std::string_view properties, int64_t store_timestamp,
                         const DelayLevelTable& table, int64_t normal);

}  // namespace rmq::store
