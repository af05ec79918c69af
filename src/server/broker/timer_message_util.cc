#include "server/broker/timer_message_util.h"

#include <algorithm>
#include <limits>

#include "protocol/ext_fields.h"
#include "protocol/message.h"
#include "server/broker/message_builder.h"
#include "store/delay_level.h"
#include "store/recovery.h"

namespace rmq::server {

namespace {

bool Has(std::string_view properties, std::string_view name, std::string_view* value) {
  return protocol::PropertiesView(properties).Get(name, value);
}

}  // namespace

TimerDecision CheckTimerMessage(std::string_view topic, int32_t queue_id, std::string_view properties,
                                int64_t now_ms, const TimerConfig& config) {
  TimerDecision d;
  std::string_view sec, ms, deliver, unused;
  const bool has_sec = Has(properties, kPropertyTimerDelaySec, &sec);
  const bool has_ms = Has(properties, kPropertyTimerDelayMs, &ms);
  const bool has_deliver = Has(properties, kPropertyTimerDeliverMs, &deliver);
  if (!has_sec && !has_ms && !has_deliver) return d;  // most sends: no further scans
  if (store::DelayLevelOf(properties) > 0) {
    std::string p(properties);
    if (has_sec) p = RemoveProperty(p, kPropertyTimerDelaySec);
    if (has_ms) p = RemoveProperty(p, kPropertyTimerDelayMs);
    if (has_deliver) p = RemoveProperty(p, kPropertyTimerDeliverMs);
    d.properties = std::move(p);
    d.rewritten = true;
    return d;
  }
  if (topic == kTimerTopic || Has(properties, kPropertyTimerOutMs, &unused)) return d;
  if (!config.enable) {
    d.action = TimerAction::kNotEnabled;
    return d;
  }
  int64_t deliver_ms = 0;
  int64_t n = 0;
  bool ok;
  if (has_sec) {
    ok = protocol::ParseInt64(sec, &n) && !__builtin_mul_overflow(n, int64_t{1000}, &n) &&
         !__builtin_add_overflow(now_ms, n, &deliver_ms);
  } else if (has_ms) {
    ok = protocol::ParseInt64(ms, &n) && !__builtin_add_overflow(now_ms, n, &deliver_ms);
  } else {
    ok = protocol::ParseInt64(deliver, &deliver_ms);
  }
  if (!ok) {
    d.action = TimerAction::kIllegal;
    return d;
  }
  if (deliver_ms <= now_ms) {
    if (Has(properties, kPropertyTimerDelUniqKey, &unused)) d.action = TimerAction::kIllegal;
    return d;
  }
  if (deliver_ms - now_ms > config.max_delay_sec * 1000) {
    d.action = TimerAction::kIllegal;
    return d;
  }
  const int64_t aligned = TimerAlignDown(deliver_ms, config.precision_ms);
  d.out_ms = aligned == deliver_ms ? deliver_ms - std::max<int64_t>(config.precision_ms, 1) : aligned;
  d.properties = SetPropertyValue(properties, kPropertyTimerOutMs, std::to_string(d.out_ms));
  d.properties = SetPropertyValue(d.properties, kPropertyRealTopic, topic);
  d.properties = SetPropertyValue(d.properties, kPropertyRealQueueId, std::to_string(queue_id));
  d.rewritten = true;
  d.action = TimerAction::kPark;
  return d;
}

bool TimerOutMsOf(std::string_view properties, int64_t* out_ms) {
  std::string_view v;
  return Has(properties, kPropertyTimerOutMs, &v) && protocol::ParseInt64(v, out_ms);
}

Status BuildTimerDelivery(const store::RecordView& parked, int64_t enqueue_ms, int64_t dequeue_ms,
                          TimeupMessage* out) {
  std::string_view topic, qid;
  if (!Has(parked.properties, kPropertyRealTopic, &topic) || topic.empty()) {
    return Status::InvalidArgument("timer message has no REAL_TOPIC");
  }
  if (!Has(parked.properties, kPropertyRealQueueId, &qid) || !protocol::ParseInt32(qid, &out->queue_id) ||
      out->queue_id < 0) {
    return Status::InvalidArgument("timer message has no valid REAL_QID");
  }
  out->topic = std::string(topic);
  std::string p = std::string(parked.properties);
  if (enqueue_ms != -1) p = SetPropertyValue(p, kPropertyTimerEnqueueMs, std::to_string(enqueue_ms));
  p = SetPropertyValue(p, kPropertyTimerDequeueMs, std::to_string(dequeue_ms));
  p = RemoveProperty(p, kPropertyRealTopic);
  p = RemoveProperty(p, kPropertyRealQueueId);
  out->properties = std::move(p);
  out->tags_code = store::TagsCodeFromProperties(out->properties);
  return Status::OK();
}

std::string TimerDeleteKey(std::string_view real_topic, std::string_view uniq_key) {
  std::string key;
  key.reserve(real_topic.size() + 1 + uniq_key.size());
  key.append(real_topic).push_back(kTimerDeleteKeySeparator);
  key.append(uniq_key);
  return key;
}

bool TimerDeleteKeyOf(std::string_view properties, std::string_view* key) {
  return Has(properties, kPropertyTimerDelUniqKey, key);
}

std::string TimerRefusalRemark(TimerAction action, const TimerConfig& config) {
  if (action == TimerAction::kNotEnabled) {
    return std::string("accurate timer message is not enabled, timerWheelEnable is ") +
           (config.enable ? "true" : "false");
  }
  return "timer message illegal, the delay time should not be bigger than the max delay " +
         std::to_string(config.max_delay_sec * 1000) +
         "ms; or if set del msg, the delay time should be bigger than the current time";
}

}  // namespace rmq::server
