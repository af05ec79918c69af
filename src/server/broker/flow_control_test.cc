#include "server/broker/flow_control.h"

#include <doctest/doctest.h>

#include <map>
#include <string>

#include "protocol/request_code.h"
#include "protocol/response_code.h"
#include "server/config.h"

namespace rmq::server {
namespace {

constexpr int32_t kSystemBusy = static_cast<int32_t>(protocol::ResponseCode::kSystemBusy);

SendFlowState Tiny() {
  SendFlowState s;
  s.wait_time_mills_in_send_queue = 5;
  s.send_thread_pool_queue_capacity = 2;
  return s;
}

TEST_CASE("flow control: a send that waited in rmqd past waitTimeMillsInSendQueue gets TIMEOUT_CLEAN_QUEUE") {
  SendFlowState s = Tiny();
  s.waited_ms = 4;
  CHECK_FALSE(CheckSendFlowControl(s).has_value());
  s.waited_ms = 5;
  s.queue_size = 3;
  auto r = CheckSendFlowControl(s);
  REQUIRE(r.has_value());
  CHECK(r->code == kSystemBusy);
  CHECK(r->remark == "[TIMEOUT_CLEAN_QUEUE]broker busy, start flow control for a while, period in queue: 5ms, "
                     "size of queue: 3");
}

TEST_CASE("flow control: a busy store drains sends with PCBUSY_CLEAN_QUEUE") {
  SendFlowState s = Tiny();
  s.store_busy = true;
  s.waited_ms = 1;
  s.queue_size = 0;
  auto r = CheckSendFlowControl(s);
  REQUIRE(r.has_value());
  CHECK(r->code == kSystemBusy);
  CHECK(r->remark == "[PCBUSY_CLEAN_QUEUE]broker busy, start flow control for a while, period in queue: 1ms, "
                     "size of queue: 0");
  s.waited_ms = 50;  // busy is checked before the wait, as Java drains first
  CHECK(CheckSendFlowControl(s)->remark.value_or("").rfind("[PCBUSY_CLEAN_QUEUE]", 0) == 0);
}

TEST_CASE("flow control: sends held for SYNC_FLUSH at sendThreadPoolQueueCapacity get OVERLOAD") {
  SendFlowState s = Tiny();
  s.sends_in_flight = 1;
  CHECK_FALSE(CheckSendFlowControl(s).has_value());
  s.sends_in_flight = 2;
  auto r = CheckSendFlowControl(s);
  REQUIRE(r.has_value());
  CHECK(r->code == kSystemBusy);
  CHECK(r->remark == "[OVERLOAD]system busy, start flow control for a while");
  s.broker_fast_failure_enable = false;  // like Java's rejected execution: not a fast-failure rule
  CHECK(CheckSendFlowControl(s)->remark == kOverloadRemark);
}

TEST_CASE("flow control: brokerFastFailureEnable=false turns off the clean-queue answers") {
  SendFlowState s = Tiny();
  s.broker_fast_failure_enable = false;
  s.store_busy = true;
  s.waited_ms = 1000;
  CHECK_FALSE(CheckSendFlowControl(s).has_value());
}

TEST_CASE("flow control: config keys with Java's names and defaults") {
  BrokerConfig c;
  CHECK(c.broker_fast_failure_enable);
  CHECK(c.wait_time_mills_in_send_queue == 200);
  CHECK(c.os_page_cache_busy_time_out_mills == 1000);
  CHECK(c.send_thread_pool_queue_capacity == 10000);
  std::map<std::string, std::string> props = {{"brokerFastFailureEnable", "false"},
                                               {"waitTimeMillsInSendQueue", "50"},
                                               {"osPageCacheBusyTimeOutMills", "300"},
                                               {"sendThreadPoolQueueCapacity", "64"}};
  std::vector<std::string> unknown;
  REQUIRE(ApplyBrokerConfig(props, &c, &unknown).ok());
  CHECK(unknown.empty());
  CHECK_FALSE(c.broker_fast_failure_enable);
  CHECK(c.wait_time_mills_in_send_queue == 50);
  CHECK(c.os_page_cache_busy_time_out_mills == 300);
  CHECK(c.send_thread_pool_queue_capacity == 64);
  CHECK(BrokerConfigToProperties(c).find("waitTimeMillsInSendQueue=50\n") != std::string::npos);
  CHECK_FALSE(ApplyBrokerConfig({{"sendThreadPoolQueueCapacity", "0"}}, &c, &unknown).ok());
}

}  // namespace
}  // namespace rmq::server
