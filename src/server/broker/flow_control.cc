#include "server/broker/flow_control.h"

#include <algorithm>
#include <string>

#include "protocol/response_code.h"

namespace rmq::server {

namespace {

protocol::RemotingCommand Busy(std::string remark) {
  return protocol::RemotingCommand::CreateResponse(static_cast<int32_t>(protocol::ResponseCode::kSystemBusy),
                                                   std::move(remark));
}

// Java's "%sms, size of queue: %d" tail of both clean-queue remarks.
std::string Period(const char* tag, const SendFlowState& s) {
  return std::string(tag) + "broker busy, start flow control for a while, period in queue: " +
         std::to_string(s.waited_ms) + "ms, size of queue: " + std::to_string(s.queue_size);
}

}  // namespace

std::optional<protocol::RemotingCommand> CheckSendFlowControl(const SendFlowState& s) {
  if (s.send_thread_pool_queue_capacity > 0 &&
      s.sends_in_flight >= static_cast<size_t>(s.send_thread_pool_queue_capacity)) {
    return Busy(kOverloadRemark);
  }
  if (!s.broker_fast_failure_enable) return std::nullopt;
  if (s.store_busy) return Busy(Period("[PCBUSY_CLEAN_QUEUE]", s));
  if (s.waited_ms >= static_cast<uint64_t>(std::max<int64_t>(0, s.wait_time_mills_in_send_queue))) {
    return Busy(Period("[TIMEOUT_CLEAN_QUEUE]", s));
  }
  return std::nullopt;
}

}  // namespace rmq::server
