#include "store/delay_level.h"

#include <charconv>
#include <limits>

#include "common/message_properties.h"
#include "store/reput_service.h"  // DispatchesToConsumeQueue

namespace rmq::store {

Status DelayLevelTable::Parse(std::string_view spec, DelayLevelTable* out) {
  DelayLevelTable t;
  size_t pos = 0;
  while (pos < spec.size()) {
    size_t end = spec.find(' ', pos);
    if (end == std::string_view::npos) end = spec.size();
    std::string_view item = spec.substr(pos, end - pos);
    pos = end + 1;
    if (item.empty()) continue;
    int64_t unit = 0;
    switch (item.back()) {
      case 's': unit = 1000; break;
      case 'm': unit = 60 * 1000; break;
      case 'h': unit = 60 * 60 * 1000; break;
      case 'd': unit = 24 * 60 * 60 * 1000; break;
      default: return Status::InvalidArgument("messageDelayLevel item '" + std::string(item) + "' has no unit s/m/h/d");
    }
    std::string_view digits = item.substr(0, item.size() - 1);
    int64_t n = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size() || n < 0 ||
        n > std::numeric_limits<int64_t>::max() / unit) {
      return Status::InvalidArgument("messageDelayLevel item '" + std::string(item) + "' is not a number");
    }
    t.millis_.push_back(n * unit);
  }
  if (t.millis_.empty()) return Status::InvalidArgument("messageDelayLevel has no levels");
  *out = std::move(t);
  return Status::OK();
}

int64_t DelayLevelTable::DelayMillis(int32_t level) const {
  if (level < 1 || level > max_level()) return 1000;
  return millis_[static_cast<size_t>(level - 1)];
}

int32_t DelayLevelOf(std::string_view properties) {
  std::string_view value;
  if (!FindProperty(properties, kDelayProperty, &value)) return 0;
  int32_t v = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  return (ec == std::errc() && p == value.data() + value.size()) ? v : 0;
}

bool NeedsDelay(int32_t sys_flag, std::string_view properties) {
  // Java parks only what it dispatches: not PREPARED or ROLLBACK records.
  return DispatchesToConsumeQueue(sys_flag) && DelayLevelOf(properties) > 0;
}

DelayedMessage RewriteForDelay(std::string_view topic, int32_t queue_id, std::string_view properties,
                               const DelayLevelTable& table) {
  int32_t level = DelayLevelOf(properties);
  int32_t clamped = table.Clamp(level);
  PropertyMap map = PropertyMap::Parse(properties);
  if (clamped != level) map.Put(kDelayProperty, std::to_string(clamped));
  map.Put(kRealTopicProperty, topic);
  map.Put(kRealQueueIdProperty, std::to_string(queue_id));
  DelayedMessage d;
  d.properties = map.Encode();
  d.schedule_queue_id = clamped - 1;
  return d;
}

int64_t ScheduleTagsCode(std::string_view topic, std::string_view properties, int64_t store_timestamp,
                         const DelayLevelTable& table, int64_t normal) {
  if (topic != kScheduleTopic) return normal;
  int32_t level = table.Clamp(DelayLevelOf(properties));
  // Java leaves the TAGS hash when DELAY is missing or not positive.
  if (level <= 0) return normal;
  return table.DeliverTimestamp(level, store_timestamp);
}

}  // namespace rmq::store
