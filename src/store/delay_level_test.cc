#include "store/delay_level.h"

#include <doctest/doctest.h>

#include <filesystem>

#include "store/message_store.h"
#include "store/store_test_util.h"

namespace rmq::store {
namespace {

const std::string kDefault = "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h";

TEST_CASE("delay levels: parse units s m h d") {
  DelayLevelTable t;
  REQUIRE(DelayLevelTable::Parse("1s 5s 1m 2h 1d", &t).ok());
  CHECK(t.max_level() == 5);
  CHECK(t.DelayMillis(1) == 1000);
  CHECK(t.DelayMillis(2) == 5000);
  CHECK(t.DelayMillis(3) == 60000);
  CHECK(t.DelayMillis(4) == 2 * 3600000LL);
  CHECK(t.DelayMillis(5) == 86400000LL);
}

TEST_CASE("delay levels: the Java default has 18 levels ending at 2h") {
  DelayLevelTable t;
  REQUIRE(DelayLevelTable::Parse(kDefault, &t).ok());
  CHECK(t.max_level() == 18);
  CHECK(t.DelayMillis(3) == 10000);
  CHECK(t.DelayMillis(18) == 7200000);
}

TEST_CASE("delay levels: extra spaces are tolerated") {
  DelayLevelTable t;
  REQUIRE(DelayLevelTable::Parse(" 1s  2s ", &t).ok());
  CHECK(t.max_level() == 2);
}

TEST_CASE("delay levels: bad unit, bad number and empty spec are rejected") {
  DelayLevelTable t;
  CHECK(DelayLevelTable::Parse("1s 5x", &t).IsInvalidArgument());
  CHECK(DelayLevelTable::Parse("s", &t).IsInvalidArgument());
  CHECK(DelayLevelTable::Parse("-1s", &t).IsInvalidArgument());
  CHECK(DelayLevelTable::Parse("1.5s", &t).IsInvalidArgument());
  CHECK(DelayLevelTable::Parse("99999999999999999999d", &t).IsInvalidArgument());
  CHECK(DelayLevelTable::Parse("", &t).IsInvalidArgument());
}

TEST_CASE("delay levels: unknown level delays 1s, clamp to max") {
  DelayLevelTable t;
  REQUIRE(DelayLevelTable::Parse("1s 5s", &t).ok());
  CHECK(t.DelayMillis(0) == 1000);
  CHECK(t.DelayMillis(3) == 1000);
  CHECK(t.Clamp(7) == 2);
  CHECK(t.Clamp(1) == 1);
  CHECK(t.DeliverTimestamp(2, 100) == 5100);
}

TEST_CASE("delay levels: DELAY property parsing") {
  CHECK(DelayLevelOf("") == 0);
  CHECK(DelayLevelOf("TAGS\x01" "a\x02" "DELAY\x01" "3\x02") == 3);
  CHECK(DelayLevelOf("DELAY\x01" "x\x02") == 0);
  CHECK(DelayLevelOf("DELAY\x01" "-1\x02") == -1);
}

TEST_CASE("delay levels: set and remove properties") {
  std::string p = "A\x01" "1\x02" "B\x01" "2\x02";
  CHECK(SetPropertyValue(p, "A", "9") == "B\x01" "2\x02" "A\x01" "9\x02");
  CHECK(SetPropertyValue(p, "C", "3") == p + "C\x01" "3\x02");
  CHECK(RemoveProperty(p, "B") == "A\x01" "1\x02");
  CHECK(RemoveProperty("A\x01" "1", "A").empty());  // no trailing separator
}

TEST_CASE("delay levels: which messages are parked") {
  CHECK(NeedsDelay(0, "DELAY\x01" "2\x02"));
  CHECK(NeedsDelay(0x8, "DELAY\x01" "2\x02"));    // COMMIT
  CHECK_FALSE(NeedsDelay(0x4, "DELAY\x01" "2\x02"));  // PREPARED
  CHECK_FALSE(NeedsDelay(0xC, "DELAY\x01" "2\x02"));  // ROLLBACK
  CHECK_FALSE(NeedsDelay(0, "DELAY\x01" "0\x02"));
  CHECK_FALSE(NeedsDelay(0, "TAGS\x01" "a\x02"));
}

TEST_CASE("delay levels: rewrite saves REAL_TOPIC/REAL_QID and clamps the level") {
  DelayLevelTable t;
  REQUIRE(DelayLevelTable::Parse("1s 5s", &t).ok());
  DelayedMessage d = RewriteForDelay("T", 3, "DELAY\x01" "9\x02" "REAL_TOPIC\x01" "old\x02", t);
  CHECK(d.schedule_queue_id == 1);
  CHECK(DelayLevelOf(d.properties) == 2);
  CHECK(d.properties.find("old") == std::string::npos);
  std::string_view v;
  REQUIRE(FindProperty(d.properties, "REAL_TOPIC", &v));
  CHECK(v == "T");
  REQUIRE(FindProperty(d.properties, "REAL_QID", &v));
  CHECK(v == "3");
  // Re-serialized as Java's HashMap would write it: its order, no trailing separator.
  PropertyMap java = PropertyMap::Parse("DELAY\x01" "9\x02" "REAL_TOPIC\x01" "old\x02");
  java.Put("DELAY", "2");
  java.Put("REAL_TOPIC", "T");
  java.Put("REAL_QID", "3");
  CHECK(d.properties == java.Encode());
  CHECK(d.properties.back() != '\x02');
}

TEST_CASE("delay levels: schedule tagsCode is the delivery time") {
  DelayLevelTable t;
  REQUIRE(DelayLevelTable::Parse(kDefault, &t).ok());
  CHECK(ScheduleTagsCode(kScheduleTopic, "DELAY\x01" "2\x02", 1000, t, 77) == 6000);
  CHECK(ScheduleTagsCode(kScheduleTopic, "DELAY\x01" "99\x02", 0, t, 77) == 7200000);
  CHECK(ScheduleTagsCode(kScheduleTopic, "TAGS\x01" "a\x02", 1000, t, 77) == 77);
  CHECK(ScheduleTagsCode("T", "DELAY\x01" "2\x02", 1000, t, 77) == 77);
}

TEST_CASE("store: a DELAY message is parked in SCHEDULE_TOPIC_XXXX with its delivery time") {
  testing::TempDir dir;
  MessageStore store(testing::SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  testing::OwnedMessage m = testing::MakeMessage("T", "body", "tg");
  m.properties += std::string("DELAY\x01" "2\x02");
  PutMessageResult r = store.PutMessage(m.View(1, 5));
  REQUIRE(r.status == PutMessageStatus::kPutOk);
  CHECK(store.GetMaxOffsetInQueue("T", 1) == 0);
  CHECK(store.GetMaxOffsetInQueue(kScheduleTopic, 1) == 1);
  MessageStore::ConsumeQueueEntry e;
  REQUIRE(store.GetConsumeQueueEntry(kScheduleTopic, 1, 0, &e));
  CHECK(e.tags_code == r.store_timestamp + 5000);
  CHECK_FALSE(store.GetConsumeQueueEntry(kScheduleTopic, 1, 1, &e));
}

TEST_CASE("store: rebuilding SCHEDULE_TOPIC_XXXX from the CommitLog restores delivery times") {
  testing::TempDir dir;
  int64_t stored = 0;
  {
    MessageStore store(testing::SmallConfig(dir.path()));
    REQUIRE(store.Open().ok());
    testing::OwnedMessage m = testing::MakeMessage("T", "body", "tg");
    m.properties += std::string("DELAY\x01" "1\x02");
    PutMessageResult r = store.PutMessage(m.View(0, 5));
    REQUIRE(r.status == PutMessageStatus::kPutOk);
    stored = r.store_timestamp;
    store.Shutdown();
  }
  std::filesystem::remove_all(dir.Sub("consumequeue"));
  MessageStore store(testing::SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  MessageStore::ConsumeQueueEntry e;
  REQUIRE(store.GetConsumeQueueEntry(kScheduleTopic, 0, 0, &e));
  CHECK(e.tags_code == stored + 1000);
}

TEST_CASE("store: a message marked delay_done keeps DELAY but is not parked again") {
  testing::TempDir dir;
  MessageStore store(testing::SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  testing::OwnedMessage m = testing::MakeMessage("T", "body");
  m.properties = "DELAY\x01" "2\x02";
  MessageToStore v = m.View(0);
  v.delay_done = true;
  REQUIRE(store.PutMessage(v).status == PutMessageStatus::kPutOk);
  CHECK(store.GetMaxOffsetInQueue("T", 0) == 1);
  CHECK(store.GetMaxOffsetInQueue(kScheduleTopic, 1) == 0);
}

TEST_CASE("store: a batch carrying DELAY is illegal") {
  testing::TempDir dir;
  MessageStore store(testing::SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  testing::OwnedMessage a = testing::MakeMessage("T", "a");
  testing::OwnedMessage b = testing::MakeMessage("T", "b");
  b.properties = "DELAY\x01" "1\x02";
  CHECK(store.PutMessages({a.View(), b.View()}).status == PutMessageStatus::kMessageIllegal);
}

TEST_CASE("store: a bad messageDelayLevel refuses to open") {
  testing::TempDir dir;
  MessageStoreConfig c = testing::SmallConfig(dir.path());
  c.message_delay_level = "1q";
  MessageStore store(c);
  CHECK(store.Open().IsInvalidArgument());
}

}  // namespace
}  // namespace rmq::store
