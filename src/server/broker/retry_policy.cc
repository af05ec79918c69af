#include "server/broker/retry_policy.h"

#include "server/broker/topic_config_manager.h"

namespace rmq::server {

int32_t EffectiveMaxReconsumeTimes(int32_t group_retry_max_times, int32_t request_version,
                                   std::optional<int32_t> header_max_reconsume_times) {
  if (request_version >= kVersionV3_4_9 && header_max_reconsume_times.has_value()) {
    return *header_max_reconsume_times;
  }
  return group_retry_max_times;
}

SendBackDecision DecideSendBack(int32_t reconsume_times, int32_t max_reconsume_times, int32_t header_delay_level) {
  SendBackDecision d;
  if (reconsume_times >= max_reconsume_times || header_delay_level < 0) {
    d.to_dlq = true;
    d.delay_level = 0;
    return d;
  }
  d.delay_level = header_delay_level == 0 ? 3 + reconsume_times : header_delay_level;
  return d;
}

std::string RetryTopicOf(const std::string& group) { return kRetryGroupTopicPrefix + group; }
std::string DlqTopicOf(const std::string& group) { return kDlqGroupTopicPrefix + group; }

}  // namespace rmq::server
