#include "server/broker/retry_policy.h"

#include <doctest/doctest.h>

namespace rmq::server {
namespace {

TEST_CASE("retry policy: header maxReconsumeTimes counts only from V3_4_9 and when sent") {
  CHECK(EffectiveMaxReconsumeTimes(16, 409, 2) == 2);
  CHECK(EffectiveMaxReconsumeTimes(16, 121, 2) == 2);
  CHECK(EffectiveMaxReconsumeTimes(16, 120, 2) == 16);
  CHECK(EffectiveMaxReconsumeTimes(16, 409, std::nullopt) == 16);
}

TEST_CASE("retry policy: send-back retries with delay 3 + reconsumeTimes when the broker decides") {
  SendBackDecision d = DecideSendBack(0, 16, 0);
  CHECK_FALSE(d.to_dlq);
  CHECK(d.delay_level == 3);
  CHECK(DecideSendBack(5, 16, 0).delay_level == 8);
}

TEST_CASE("retry policy: send-back keeps the client's delay level") {
  SendBackDecision d = DecideSendBack(1, 16, 1);
  CHECK_FALSE(d.to_dlq);
  CHECK(d.delay_level == 1);
}

TEST_CASE("retry policy: send-back dead-letters at max or on a negative delay level") {
  CHECK(DecideSendBack(2, 2, 1).to_dlq);
  CHECK(DecideSendBack(3, 2, 0).to_dlq);
  CHECK_FALSE(DecideSendBack(1, 2, 0).to_dlq);
  SendBackDecision d = DecideSendBack(0, 16, -1);
  CHECK(d.to_dlq);
  CHECK(d.delay_level == 0);
}

TEST_CASE("retry policy: a direct retry-topic send dead-letters at reconsumeTimes >= max (4.9)") {
  CHECK(RetrySendGoesToDlq(16, 16));
  CHECK_FALSE(RetrySendGoesToDlq(15, 16));
}

TEST_CASE("retry policy: topic names") {
  CHECK(RetryTopicOf("g") == "%RETRY%g");
  CHECK(DlqTopicOf("g") == "%DLQ%g");
}

}  // namespace
}  // namespace rmq::server
