// Retry and dead-letter decisions for consumer send-back and for direct sends to a retry
// topic, as pure functions (mirrors the decision parts of Java 4.9's
// SendMessageProcessor.asyncConsumerSendMsgBack and handleRetryAndDLQ).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace rmq::server {

// Mirrors MQVersion.Version.V3_4_9.ordinal(): from this client version on, the request's
// maxReconsumeTimes header (when present) overrides the group's retryMaxTimes.
inline constexpr int32_t kVersionV3_4_9 = 121;
// Mirrors MixAll.DLQ_NUMS_PER_GROUP.
inline constexpr int32_t kDlqNumsPerGroup = 1;

// Max reconsume times for a request: the group's retryMaxTimes, or the header value when the
// client is at least V3_4_9 and sent one.
int32_t EffectiveMaxReconsumeTimes(int32_t group_retry_max_times, int32_t request_version,
                                   std::optional<int32_t> header_max_reconsume_times);

// CONSUMER_SEND_MSG_BACK: dead-letter when the stored message's reconsumeTimes reached the
// max or the client asked for it (delayLevel < 0). Otherwise a retry whose delay level is the
// header's, or 3 + reconsumeTimes when the header says 0 (broker decides).
struct SendBackDecision {
  bool to_dlq = false;
  int32_t delay_level = 0;  // DELAY to store (0 for the DLQ, as Java sets it)
};
SendBackDecision DecideSendBack(int32_t reconsume_times, int32_t max_reconsume_times, int32_t header_delay_level);

// A plain send to %RETRY%<group> (the client's fallback when send-back failed) is redirected to
// %DLQ%<group> when its header reconsumeTimes >= max (Java 4.9's comparison; 5.x uses >).
inline bool RetrySendGoesToDlq(int32_t reconsume_times, int32_t max_reconsume_times) {
  return reconsume_times >= max_reconsume_times;
}

std::string RetryTopicOf(const std::string& group);  // %RETRY%<group>
std::string DlqTopicOf(const std::string& group);    // %DLQ%<group>

}  // namespace rmq::server
