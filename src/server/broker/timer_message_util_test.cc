#include "server/broker/timer_message_util.h"

#include <doctest/doctest.h>

#include "protocol/message.h"

namespace rmq::server {
namespace {

std::string Prop(std::string_view props, std::string_view name) {
  std::string_view v;
  return protocol::PropertiesView(props).Get(name, &v) ? std::string(v) : std::string("<none>");
}

constexpr int64_t kNow = 1700000000123;

TEST_CASE("timer: delete key is <real topic>+<UNIQ_KEY>, read from TIMER_DEL_UNIQKEY") {
  CHECK(TimerDeleteKey("T", "7F00000100002A9F0000000000000001") == "T+7F00000100002A9F0000000000000001");
  std::string_view key;
  const std::string marker("TIMER_DEL_UNIQKEY\x01" "T+AB\x02");
  CHECK(TimerDeleteKeyOf(marker, &key));
  CHECK(key == "T+AB");
  const std::string plain("UNIQ_KEY\x01" "AB\x02");
  CHECK_FALSE(TimerDeleteKeyOf(plain, &key));
}

TEST_CASE("timer: plain messages and DELAY are not timer messages") {
  TimerConfig c;
  TimerDecision d = CheckTimerMessage("T", 1, std::string("TAGS\x01" "a\x02"), kNow, c);
  CHECK(d.action == TimerAction::kNone);
  CHECK_FALSE(d.rewritten);  // stored as sent, without a copy
  // DELAY wins and the timer properties are dropped (checkIfTimerMessage).
  d = CheckTimerMessage("T", 1, std::string("DELAY\x01" "3\x02" "TIMER_DELAY_SEC\x01" "5\x02" "TIMER_DELIVER_MS\x01" "9\x02"), kNow, c);
  CHECK(d.action == TimerAction::kNone);
  CHECK(d.rewritten);
  CHECK(d.properties == std::string("DELAY\x01" "3\x02"));
  d = CheckTimerMessage("T", 1, std::string("DELAY\x01" "3\x02"), kNow, c);
  CHECK_FALSE(d.rewritten);
  // Already parked (TIMER_OUT_MS) or addressed to the timer topic: left alone.
  d = CheckTimerMessage("T", 1, std::string("TIMER_DELAY_SEC\x01" "5\x02" "TIMER_OUT_MS\x01" "1\x02"), kNow, c);
  CHECK(d.action == TimerAction::kNone);
  d = CheckTimerMessage(kTimerTopic, 0, std::string("TIMER_DELAY_SEC\x01" "5\x02"), kNow, c);
  CHECK(d.action == TimerAction::kNone);
}

TEST_CASE("timer: delay sec / delay ms / deliver ms park with an aligned TIMER_OUT_MS") {
  TimerConfig c;
  TimerDecision d = CheckTimerMessage("T", 2, std::string("TIMER_DELAY_SEC\x01" "3\x02"), kNow, c);
  REQUIRE(d.action == TimerAction::kPark);
  CHECK(d.rewritten);
  CHECK(d.out_ms == (kNow + 3000) / 1000 * 1000);
  CHECK(Prop(d.properties, "TIMER_OUT_MS") == std::to_string(d.out_ms));
  CHECK(Prop(d.properties, "REAL_TOPIC") == "T");
  CHECK(Prop(d.properties, "REAL_QID") == "2");
  CHECK(Prop(d.properties, "TIMER_DELAY_SEC") == "3");
  CHECK(TimerDueMs(d.out_ms, 1000) >= kNow + 3000);
  CHECK(TimerDueMs(d.out_ms, 1000) < kNow + 3000 + 1000);

  d = CheckTimerMessage("T", 0, std::string("TIMER_DELAY_MS\x01" "1500\x02"), kNow, c);
  REQUIRE(d.action == TimerAction::kPark);
  CHECK(d.out_ms == (kNow + 1500) / 1000 * 1000);

  // An exact multiple of the precision goes one slot earlier, so it is still delivered on time.
  d = CheckTimerMessage("T", 0, std::string("TIMER_DELIVER_MS\x01" "1700000005000\x02"), kNow, c);
  REQUIRE(d.action == TimerAction::kPark);
  CHECK(d.out_ms == 1700000004000);
  CHECK(TimerDueMs(d.out_ms, 1000) == 1700000005000);

  // TIMER_DELAY_SEC is read before TIMER_DELAY_MS and TIMER_DELIVER_MS.
  d = CheckTimerMessage("T", 0, std::string("TIMER_DELIVER_MS\x01" "1\x02" "TIMER_DELAY_SEC\x01" "10\x02"), kNow, c);
  REQUIRE(d.action == TimerAction::kPark);
  CHECK(d.out_ms == (kNow + 10000) / 1000 * 1000);
}

TEST_CASE("timer: past delivery is stored at once; bad values and too far away are illegal") {
  TimerConfig c;
  std::string past = std::string("TIMER_DELIVER_MS\x01") + std::to_string(kNow - 5) + "\x02";
  TimerDecision d = CheckTimerMessage("T", 0, past, kNow, c);
  CHECK(d.action == TimerAction::kNone);
  CHECK_FALSE(d.rewritten);
  d = CheckTimerMessage("T", 0, past + "TIMER_DEL_UNIQKEY\x01" "k\x02", kNow, c);
  CHECK(d.action == TimerAction::kIllegal);
  CHECK(CheckTimerMessage("T", 0, std::string("TIMER_DELAY_SEC\x01" "-1\x02"), kNow, c).action == TimerAction::kNone);
  CHECK(CheckTimerMessage("T", 0, std::string("TIMER_DELAY_SEC\x01" "x\x02"), kNow, c).action == TimerAction::kIllegal);
  CHECK(CheckTimerMessage("T", 0, std::string("TIMER_DELAY_SEC\x01" "99999999999999999\x02"), kNow, c).action ==
        TimerAction::kIllegal);
  CHECK(CheckTimerMessage("T", 0, std::string("TIMER_DELAY_SEC\x01" "259200\x02"), kNow, c).action == TimerAction::kPark);
  CHECK(CheckTimerMessage("T", 0, std::string("TIMER_DELAY_SEC\x01" "259201\x02"), kNow, c).action ==
        TimerAction::kIllegal);
  CHECK(CheckTimerMessage("T", 0, std::string("TIMER_DELAY_MS\x01" "259200001\x02"), kNow, c).action ==
        TimerAction::kIllegal);
  c.enable = false;
  CHECK(CheckTimerMessage("T", 0, std::string("TIMER_DELAY_SEC\x01" "1\x02"), kNow, c).action ==
        TimerAction::kNotEnabled);
  CHECK(TimerRefusalRemark(TimerAction::kNotEnabled, c) == "accurate timer message is not enabled, timerWheelEnable is false");
  c.enable = true;
  CHECK(TimerRefusalRemark(TimerAction::kIllegal, c) ==
        "timer message illegal, the delay time should not be bigger than the max delay 259200000ms; or if set del "
        "msg, the delay time should be bigger than the current time");
}

TEST_CASE("timer: delivery restores the real topic and stamps enqueue/dequeue times") {
  store::RecordView rec;
  std::string props = std::string("TAGS\x01" "tg\x02" "TIMER_DELAY_SEC\x01" "1\x02" "TIMER_OUT_MS\x01" "5000\x02") +
                      "REAL_TOPIC\x01" "T\x02" "REAL_QID\x01" "3\x02";
  rec.properties = props;
  TimeupMessage t;
  REQUIRE(BuildTimerDelivery(rec, 4100, 6000, &t).ok());
  CHECK(t.topic == "T");
  CHECK(t.queue_id == 3);
  CHECK(Prop(t.properties, "REAL_TOPIC") == "<none>");
  CHECK(Prop(t.properties, "REAL_QID") == "<none>");
  CHECK(Prop(t.properties, "TIMER_OUT_MS") == "5000");
  CHECK(Prop(t.properties, "TIMER_DELAY_SEC") == "1");
  CHECK(Prop(t.properties, "TIMER_ENQUEUE_MS") == "4100");
  CHECK(Prop(t.properties, "TIMER_DEQUEUE_MS") == "6000");
  CHECK(Prop(t.properties, "TAGS") == "tg");
  int64_t out = 0;
  CHECK(TimerOutMsOf(props, &out));
  CHECK(out == 5000);
  rec.properties = "TAGS\x01" "tg\x02";
  CHECK(BuildTimerDelivery(rec, 1, 2, &t).IsInvalidArgument());
}

}  // namespace
}  // namespace rmq::server
