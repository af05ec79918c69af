// Timer messages (RocketMQ 5.x, timerWheelEnable): the send-side decision that parks a message
// carrying TIMER_DELAY_SEC / TIMER_DELAY_MS / TIMER_DELIVER_MS in rmq_sys_wheel_timer, and the
// delivery-side rewrite back to its real topic (mirrors the facts of 5.x HookUtils
// .checkIfTimerMessage / transformTimerMessage and TimerMessageStore.convert / convertMessage).
//
// Pure functions; no IO. TimerMessageService (timer_message_service.h) delivers what this parks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "server/broker/schedule_message_service.h"
#include "store/commit_log_record.h"

namespace rmq::server {

// Mirrors TimerMessageStore.TIMER_TOPIC: one queue (0) holds every parked timer message.
inline constexpr std::string_view kTimerTopic = "rmq_sys_wheel_timer";
// Its property keys (TIMER_DELIVER_MS, ...) are in common/message_properties.h.

// MessageStoreConfig's timer keys (5.x defaults: 3 days, 1 s).
struct TimerConfig {
  bool enable = true;              // timerWheelEnable
  int64_t max_delay_sec = 259200;  // timerMaxDelaySec
  int64_t precision_ms = 1000;     // timerPrecisionMs
};

enum class TimerAction {
  kNone,        // not a timer message (or DELAY wins): store as usual, with `properties`
  kPark,        // store to kTimerTopic queue 0 with `properties`
  kNotEnabled,  // Java's WHEEL_TIMER_NOT_ENABLE
  kIllegal,     // Java's WHEEL_TIMER_MSG_ILLEGAL (unparseable, too far away, past delete)
};

struct TimerDecision {
  TimerAction action = TimerAction::kNone;
  // True when `properties` holds what to store in place of the message's own properties (kPark,
  // or DELAY dropping the timer properties). Otherwise `properties` is empty: the send path keeps
  // the message's properties without copying them.
  bool rewritten = false;
  std::string properties;
  int64_t out_ms = 0;      // TIMER_OUT_MS when parked: the wheel slot, precision-aligned
};

// The send-side rule for one message of a non-prepared, non-rollback transaction type:
//  * DELAY > 0 wins: the three timer properties are dropped and the delay level applies;
//  * a message already in kTimerTopic or carrying TIMER_OUT_MS is left alone;
//  * TIMER_DELAY_SEC, else TIMER_DELAY_MS, else TIMER_DELIVER_MS gives the delivery time;
//  * a delivery time in the past or now is stored at once, unchanged (unless it is a delete);
//  * further away than timerMaxDelaySec is kIllegal; otherwise the time is aligned down to the
//    precision (an exact multiple moves one slot earlier) into TIMER_OUT_MS, REAL_TOPIC/REAL_QID
//    are saved, and the caller stores to kTimerTopic/0.
TimerDecision CheckTimerMessage(std::string_view topic, int32_t queue_id, std::string_view properties,
                                int64_t now_ms, const TimerConfig& config);

// When a parked message is delivered: Java reads slot T once the aligned wall clock has moved
// past it, i.e. at T + precision. So delivery is never early and at most one precision late.
inline int64_t TimerDueMs(int64_t out_ms, int64_t precision_ms) { return out_ms + precision_ms; }

// `ms` aligned down to the wheel's precision (Java's formatTimeMs); a precision <= 0 counts as 1 ms.
inline int64_t TimerAlignDown(int64_t ms, int64_t precision_ms) {
  const int64_t p = precision_ms > 0 ? precision_ms : 1;
  return ms / p * p;
}

// TIMER_OUT_MS of a parked record; false when missing or malformed.
bool TimerOutMsOf(std::string_view properties, int64_t* out_ms);

// The message a parked record becomes when due (convert + convertMessage): TIMER_ENQUEUE_MS
// and TIMER_DEQUEUE_MS set, REAL_TOPIC/REAL_QID removed, topic/queue from them, tagsCode from
// TAGS. InvalidArgument when REAL_TOPIC/REAL_QID is missing or malformed.
Status BuildTimerDelivery(const store::RecordView& parked, int64_t enqueue_ms, int64_t dequeue_ms,
                          TimeupMessage* out);

// Cancelling (TimerMessageStore's MAGIC_DELETE): a parked message carrying TIMER_DEL_UNIQKEY is a
// delete marker. It is never delivered itself; when its wheel slot (TIMER_OUT_MS) is read, every
// parked message of that same slot that it names is dropped instead of delivered. A marker in any
// other slot cancels nothing. Java 5.3.2+ (TimerMessageStore.buildDeleteKey, also what
// RECALL_MESSAGE writes) names a message by "<REAL_TOPIC>+<UNIQ_KEY>"; 5.0-5.3.1 by the bare
// UNIQ_KEY. Both forms are accepted here.
inline constexpr char kTimerDeleteKeySeparator = '+';
std::string TimerDeleteKey(std::string_view real_topic, std::string_view uniq_key);
// The value of TIMER_DEL_UNIQKEY when `properties` is a delete marker's.
bool TimerDeleteKeyOf(std::string_view properties, std::string_view* key);

// The response remark Java's SendMessageProcessor gives each refusal.
std::string TimerRefusalRemark(TimerAction action, const TimerConfig& config);

}  // namespace rmq::server
