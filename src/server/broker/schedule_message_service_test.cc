#include "server/broker/schedule_message_service.h"

#include <doctest/doctest.h>

#include <vector>

#include "common/coding.h"
#include "protocol/message.h"
#include "server/file_util.h"
#include "store/commit_log_record.h"
#include "store/store_test_util.h"

namespace rmq::server {
namespace {

using store::kScheduleTopic;
using store::MessageStore;

store::DelayLevelTable Levels(const char* spec = "1s 5s 10s") {
  store::DelayLevelTable t;
  REQUIRE(store::DelayLevelTable::Parse(spec, &t).ok());
  return t;
}

TEST_CASE("schedule: due logic") {
  CHECK(IsDeliveryDue(1000, 1000, 5000));
  CHECK(IsDeliveryDue(1000, 999, 5000));
  CHECK_FALSE(IsDeliveryDue(1000, 1001, 5000));
  // Further away than now + delay: the clock went back, so deliver now (Java's correction).
  CHECK(IsDeliveryDue(1000, 6001, 5000));
  CHECK(CorrectDeliverTimestamp(1000, 6001, 5000) == 1000);
  CHECK(CorrectDeliverTimestamp(1000, 6000, 5000) == 6000);
}

TEST_CASE("schedule: delayOffset.json round trip in fastjson's shape") {
  std::map<int32_t, int64_t> t{{1, 0}, {2, 5}, {18, 123456789012}};
  std::string text = EncodeDelayOffsets(t);
  CHECK(text == "{\"offsetTable\":{1:0,2:5,18:123456789012}}");
  std::map<int32_t, int64_t> back;
  REQUIRE(DecodeDelayOffsets(text, &back).ok());
  CHECK(back == t);
  CHECK(EncodeDelayOffsets({}) == "{\"offsetTable\":{}}");
}

TEST_CASE("schedule: delayOffset.json decoding tolerates quoted keys, dataVersion and junk entries") {
  std::map<int32_t, int64_t> t;
  REQUIRE(DecodeDelayOffsets("{\"dataVersion\":{\"counter\":1},\"offsetTable\":{\"3\":15,\"x\":1,4:\"y\"}}", &t).ok());
  CHECK(t == std::map<int32_t, int64_t>{{3, 15}});
  CHECK(DecodeDelayOffsets("{\"offsetTable\":", &t).IsCorruption());
  CHECK(DecodeDelayOffsets("[]", &t).IsCorruption());
}

TEST_CASE("schedule: timeup message restores the real topic and drops DELAY") {
  store::RecordView rec;
  std::string props = std::string("TAGS\x01" "tg\x02" "DELAY\x01" "2\x02" "WAIT\x01" "true\x02") +
                      "REAL_TOPIC\x01" "T\x02" "REAL_QID\x01" "3\x02";
  rec.properties = props;
  TimeupMessage t;
  REQUIRE(BuildTimeupMessage(rec, &t).ok());
  CHECK(t.topic == "T");
  CHECK(t.queue_id == 3);
  // As Java 4.9 stores it: DELAY, WAIT and REAL_* kept, re-serialized in HashMap order (order
  // printed by java.util.HashMap for these five names).
  CHECK(t.properties == std::string("REAL_TOPIC\x01" "T\x02" "DELAY\x01" "2\x02" "WAIT\x01" "true\x02") +
                            "TAGS\x01" "tg\x02" "REAL_QID\x01" "3");
  CHECK(t.tags_code == JavaStringHash("tg"));
}

TEST_CASE("schedule: timeup message without REAL_TOPIC or with a bad REAL_QID is refused") {
  store::RecordView rec;
  TimeupMessage t;
  rec.properties = "REAL_QID\x01" "1\x02";
  CHECK(BuildTimeupMessage(rec, &t).IsInvalidArgument());
  rec.properties = "REAL_TOPIC\x01" "T\x02" "REAL_QID\x01" "x\x02";
  CHECK(BuildTimeupMessage(rec, &t).IsInvalidArgument());
}

TEST_CASE("schedule: delivers a parked message when due, keeps progress, and persists it") {
  store::testing::TempDir dir;
  MessageStore st(store::testing::SmallConfig(dir.Sub("store")));
  REQUIRE(st.Open().ok());
  std::vector<std::pair<std::string, int32_t>> woken;
  const std::string path = dir.Sub("delayOffset.json");
  ScheduleMessageService svc(st, path, Levels(),
                             [&](const std::string& t, int32_t q) { woken.emplace_back(t, q); });
  REQUIRE(svc.Load().ok());

  store::testing::OwnedMessage m = store::testing::MakeMessage("T", "hello", "tg");
  m.properties += std::string("DELAY\x01" "2\x02");
  store::PutMessageResult r = st.PutMessage(m.View(2, 0));
  REQUIRE(r.status == store::PutMessageStatus::kPutOk);
  const int64_t due = r.store_timestamp + 5000;

  CHECK(svc.Tick(due - 1) == 0);
  CHECK(st.GetMaxOffsetInQueue("T", 2) == 0);
  CHECK(svc.OffsetOf(2) == 0);
  CHECK(svc.Tick(due) == 1);
  CHECK(st.GetMaxOffsetInQueue("T", 2) == 1);
  CHECK(svc.OffsetOf(2) == 1);
  REQUIRE(woken.size() == 1);
  CHECK(woken[0] == std::make_pair(std::string("T"), 2));
  CHECK(svc.Tick(due + 10000) == 0);  // nothing twice

  MessageStore::ConsumeQueueEntry e;
  REQUIRE(st.GetConsumeQueueEntry("T", 2, 0, &e));
  CHECK(e.tags_code == JavaStringHash("tg"));
  Result<store::SelectedMessage> sel = st.LookMessageByOffset(e.commit_log_offset);
  REQUIRE(sel.ok());
  store::RecordView rec;
  REQUIRE(store::DecodeRecord(sel->data, &rec).ok());
  CHECK(rec.topic == "T");
  CHECK(rec.body == "hello");
  CHECK(rec.queue_id == 2);
  std::string_view delay;
  CHECK(protocol::PropertiesView(rec.properties).Get("DELAY", &delay));

  svc.PersistIfDirty();
  ScheduleMessageService again(st, path, Levels(), nullptr);
  REQUIRE(again.Load().ok());
  CHECK(again.OffsetOf(2) == 1);
  CHECK(again.Encode() == "{\"offsetTable\":{2:1}}");
  CHECK(again.Tick(due + 20000) == 0);
}

TEST_CASE("schedule: a level stops at the first entry not yet due") {
  store::testing::TempDir dir;
  MessageStore st(store::testing::SmallConfig(dir.Sub("store")));
  REQUIRE(st.Open().ok());
  ScheduleMessageService svc(st, dir.Sub("delayOffset.json"), Levels(), nullptr);
  store::testing::OwnedMessage m = store::testing::MakeMessage("T", "x");
  m.properties = "DELAY\x01" "1\x02";
  int64_t first = st.PutMessage(m.View(0)).store_timestamp;
  int64_t second = st.PutMessage(m.View(0)).store_timestamp;
  CHECK(svc.Tick(first + 1000) == (second == first ? 2 : 1));
  CHECK(svc.Tick(second + 1000) + (second == first ? 2 : 1) == 2);
  CHECK(st.GetMaxOffsetInQueue("T", 0) == 2);
}

TEST_CASE("schedule: progress beyond the queue is pulled back inside it") {
  store::testing::TempDir dir;
  MessageStore st(store::testing::SmallConfig(dir.Sub("store")));
  REQUIRE(st.Open().ok());
  std::string path = dir.Sub("delayOffset.json");
  REQUIRE(WriteFileAtomically(path, "{\"offsetTable\":{1:99}}").ok());
  ScheduleMessageService svc(st, path, Levels(), nullptr);
  REQUIRE(svc.Load().ok());
  CHECK(svc.OffsetOf(1) == 99);
  svc.Tick(0);
  CHECK(svc.OffsetOf(1) == 0);
}

}  // namespace
}  // namespace rmq::server
