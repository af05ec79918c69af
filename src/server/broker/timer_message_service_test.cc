#include "server/broker/timer_message_service.h"

#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "common/coding.h"
#include "protocol/message.h"
#include "server/file_util.h"
#include "store/commit_log_record.h"
#include "store/store_test_util.h"

namespace rmq::server {
namespace {

using store::MessageStore;

TEST_CASE("timer heap: pops in due order, ties in queue order") {
  TimerHeap h;
  h.Push({30, 0, 0});
  h.Push({10, 2, 0});
  h.Push({20, 1, 0});
  h.Push({10, 1, 0});
  std::vector<std::pair<int64_t, int64_t>> got;
  while (!h.empty()) {
    got.emplace_back(h.Top().due_ms, h.Top().queue_offset);
    h.Pop();
  }
  CHECK(got == std::vector<std::pair<int64_t, int64_t>>{{10, 1}, {10, 2}, {20, 1}, {30, 0}});
  CHECK(sizeof(TimerEntry) == 24);
}

TEST_CASE("timer heap: a million timers come out in order") {
  constexpr int kN = 1000000;
  TimerHeap h;
  h.Reserve(kN);
  std::mt19937_64 rng(7);
  for (int i = 0; i < kN; ++i) h.Push({static_cast<int64_t>(rng() % (259200LL * 1000)), i, 0});
  REQUIRE(h.size() == kN);
  int64_t prev = -1;
  int n = 0;
  bool ordered = true;
  while (!h.empty()) {
    if (h.Top().due_ms < prev) ordered = false;
    prev = h.Top().due_ms;
    h.Pop();
    ++n;
  }
  CHECK(ordered);
  CHECK(n == kN);
}

TEST_CASE("timer progress: ranges merge into deliveredBelow and round-trip") {
  DeliveredOffsets d;
  d.MarkDone(2);
  d.MarkDone(4);
  d.MarkDone(3);
  CHECK(d.below() == 0);
  CHECK(d.range_count() == 1);
  CHECK(d.Contains(3));
  CHECK_FALSE(d.Contains(1));
  CHECK(d.Encode() == "{\"deliveredBelow\":0,\"deliveredRanges\":[[2,5]]}");
  DeliveredOffsets back;
  REQUIRE(DeliveredOffsets::Decode(d.Encode(), &back).ok());
  CHECK(back.Encode() == d.Encode());
  d.MarkDone(0);
  d.MarkDone(1);
  CHECK(d.below() == 5);
  CHECK(d.range_count() == 0);
  CHECK(DeliveredOffsets::Decode("{", &back).IsCorruption());
  CHECK(DeliveredOffsets::Decode("{\"deliveredBelow\":-1}", &back).IsCorruption());
  // Overlapping or junk ranges are ignored rather than trusted.
  REQUIRE(DeliveredOffsets::Decode("{\"deliveredBelow\":3,\"deliveredRanges\":[[1,4],[6,8],[7,9],\"x\",[4,6]]}", &back).ok());
  CHECK(back.below() == 8);
  CHECK(back.range_count() == 0);
}

// Parks one message the way the send handler does.
store::PutMessageResult Park(MessageStore& st, const std::string& body, int32_t qid, int64_t deliver_ms, int64_t now) {
  store::testing::OwnedMessage m = store::testing::MakeMessage("T", body, "tg");
  m.properties += std::string("TIMER_DELIVER_MS\x01") + std::to_string(deliver_ms) + "\x02";
  TimerDecision d = CheckTimerMessage("T", qid, m.properties, now, TimerConfig{});
  REQUIRE(d.action == TimerAction::kPark);
  m.topic = std::string(kTimerTopic);
  m.properties = d.properties;
  return st.PutMessage(m.View(0, 0));
}

std::string BodyAt(MessageStore& st, const std::string& topic, int32_t qid, int64_t offset) {
  MessageStore::ConsumeQueueEntry e;
  if (!st.GetConsumeQueueEntry(topic, qid, offset, &e)) return "<none>";
  Result<store::SelectedMessage> sel = st.LookMessageByOffset(e.commit_log_offset);
  store::RecordView rec;
  if (!sel.ok() || !store::DecodeRecord(sel->data, &rec).ok()) return "<bad>";
  return std::string(rec.body);
}

TEST_CASE("timer service: delivers in due order, not before, and survives a restart") {
  store::testing::TempDir dir;
  const std::string path = dir.Sub("timerProgress.json");
  const int64_t now = 1700000000000;  // aligned: each due time is exactly the delivery time
  {
    MessageStore st(store::testing::SmallConfig(dir.Sub("store")));
    REQUIRE(st.Open().ok());
    std::vector<std::pair<std::string, int32_t>> woken;
    TimerMessageService svc(st, path, TimerConfig{}, [&](const std::string& t, int32_t q) { woken.emplace_back(t, q); });
    REQUIRE(svc.Load().ok());
    REQUIRE(Park(st, "late", 1, now + 9000, now).status == store::PutMessageStatus::kPutOk);
    REQUIRE(Park(st, "early", 1, now + 2000, now).status == store::PutMessageStatus::kPutOk);
    REQUIRE(Park(st, "mid", 1, now + 5000, now).status == store::PutMessageStatus::kPutOk);
    CHECK(svc.Tick(now) == 0);
    CHECK(svc.pending() == 3);
    CHECK(svc.NextDueMs() == now + 2000);
    CHECK(svc.Tick(now + 1999) == 0);
    CHECK(svc.Tick(now + 2000) == 1);
    CHECK(BodyAt(st, "T", 1, 0) == "early");
    REQUIRE(woken.size() == 1);
    CHECK(woken[0] == std::make_pair(std::string("T"), 1));
    // The delivered copy: real topic, REAL_* gone, TIMER_* stamps, tags code from TAGS.
    MessageStore::ConsumeQueueEntry e;
    REQUIRE(st.GetConsumeQueueEntry("T", 1, 0, &e));
    Result<store::SelectedMessage> sel = st.LookMessageByOffset(e.commit_log_offset);
    REQUIRE(sel.ok());
    store::RecordView rec;
    REQUIRE(store::DecodeRecord(sel->data, &rec).ok());
    std::string_view v;
    CHECK_FALSE(protocol::PropertiesView(rec.properties).Get("REAL_TOPIC", &v));
    CHECK(protocol::PropertiesView(rec.properties).Get("TIMER_DEQUEUE_MS", &v));
    CHECK(v == std::to_string(now + 2000));
    CHECK(protocol::PropertiesView(rec.properties).Get("TIMER_ENQUEUE_MS", &v));
    CHECK(std::stoll(std::string(v)) % 1000 == 0);  // the store time aligned down to the precision
    CHECK(protocol::PropertiesView(rec.properties).Get("TIMER_OUT_MS", &v));
    CHECK(rec.queue_id == 1);
    CHECK(e.tags_code == JavaStringHash("tg"));
    svc.PersistIfDirty();
    // Offset 1 is done but 0 is not: a range above deliveredBelow.
    CHECK(svc.progress().below() == 0);
    CHECK(svc.progress().range_count() == 1);
  }
  {
    MessageStore st(store::testing::SmallConfig(dir.Sub("store")));
    REQUIRE(st.Open().ok());
    TimerMessageService svc(st, path, TimerConfig{}, nullptr);
    REQUIRE(svc.Load().ok());
    CHECK(svc.pending() == 2);  // "early" is not rebuilt, so not delivered twice
    CHECK(svc.Tick(now + 5000) == 1);
    CHECK(BodyAt(st, "T", 1, 1) == "mid");
    CHECK(svc.Tick(now + 100000) == 1);
    CHECK(BodyAt(st, "T", 1, 2) == "late");
    CHECK(BodyAt(st, "T", 1, 3) == "<none>");
    CHECK(svc.pending() == 0);
    CHECK(svc.progress().below() == 3);
    svc.PersistIfDirty();
  }
  {
    MessageStore st(store::testing::SmallConfig(dir.Sub("store")));
    REQUIRE(st.Open().ok());
    TimerMessageService svc(st, path, TimerConfig{}, nullptr);
    REQUIRE(svc.Load().ok());
    CHECK(svc.pending() == 0);
    CHECK(svc.Tick(now + 200000) == 0);
  }
}

// Parks a message with its own UNIQ_KEY (what every client send carries) and, for a delete
// marker, TIMER_DEL_UNIQKEY; real topic "T", queue 0.
void ParkKeyed(MessageStore& st, const std::string& body, const std::string& uniq, int64_t deliver_ms, int64_t now,
               const std::string& del_key = "") {
  store::testing::OwnedMessage m = store::testing::MakeMessage("T", body);
  m.properties += "UNIQ_KEY\x01" + uniq + "\x02";
  if (!del_key.empty()) m.properties += "TIMER_DEL_UNIQKEY\x01" + del_key + "\x02";
  m.properties += "TIMER_DELIVER_MS\x01" + std::to_string(deliver_ms) + "\x02";
  TimerDecision d = CheckTimerMessage("T", 0, m.properties, now, TimerConfig{});
  REQUIRE(d.action == TimerAction::kPark);
  m.topic = std::string(kTimerTopic);
  m.properties = d.properties;
  REQUIRE(st.PutMessage(m.View(0, 0)).status == store::PutMessageStatus::kPutOk);
}

// Bodies delivered to T/0, in queue order.
std::vector<std::string> Delivered(MessageStore& st) {
  std::vector<std::string> out;
  for (int64_t i = 0;; ++i) {
    std::string b = BodyAt(st, "T", 0, i);
    if (b == "<none>") break;
    out.push_back(b);
  }
  return out;
}

using Bodies = std::vector<std::string>;
constexpr int64_t kAligned = 1700000000000;  // a multiple of the 1 s precision

TEST_CASE("timer cancel: a marker in the same slot drops the message it names (topic+key and bare key)") {
  store::testing::TempDir dir;
  MessageStore st(store::testing::SmallConfig(dir.Sub("store")));
  REQUIRE(st.Open().ok());
  TimerMessageService svc(st, dir.Sub("timerProgress.json"), TimerConfig{}, nullptr);
  REQUIRE(svc.Load().ok());
  const int64_t now = kAligned + 100;
  // Slot kAligned+2000 (delivery times 2000..2999 ms ahead all land in it), due at +3000.
  ParkKeyed(st, "a", "AAAA", kAligned + 2500, now);
  ParkKeyed(st, "b", "BBBB", kAligned + 2500, now);
  ParkKeyed(st, "c", "CCCC", kAligned + 2200, now);
  ParkKeyed(st, "d", "DDDD", kAligned + 2999, now);
  // 5.3.2+ form, other delivery time in the same slot; 5.0-5.3.1 bare form; a marker whose topic
  // part names another topic; all sent after their targets.
  ParkKeyed(st, "x1", "M1", kAligned + 2900, now, "T+AAAA");
  ParkKeyed(st, "x2", "M2", kAligned + 2100, now, "CCCC");
  ParkKeyed(st, "x3", "M3", kAligned + 2500, now, "Other+DDDD");
  CHECK(svc.Tick(now) == 0);
  CHECK(svc.pending() == 4);  // markers never enter the heap
  CHECK(svc.pending_markers() == 3);
  CHECK(svc.Tick(kAligned + 2999) == 0);
  CHECK(svc.Tick(kAligned + 3000) == 2);
  CHECK(Delivered(st) == Bodies{"b", "d"});  // markers themselves are never delivered
  CHECK(svc.cancelled() == 2);
  CHECK(svc.pending() == 0);
  CHECK(svc.pending_markers() == 0);
  CHECK(svc.progress().below() == 7);  // targets and markers all done
}

TEST_CASE("timer cancel: a marker in another slot cancels nothing; a marker may come first") {
  store::testing::TempDir dir;
  MessageStore st(store::testing::SmallConfig(dir.Sub("store")));
  REQUIRE(st.Open().ok());
  TimerMessageService svc(st, dir.Sub("timerProgress.json"), TimerConfig{}, nullptr);
  REQUIRE(svc.Load().ok());
  const int64_t now = kAligned + 100;
  ParkKeyed(st, "y", "M1", kAligned + 2500, now, "T+EEEE");  // before its target
  ParkKeyed(st, "e", "EEEE", kAligned + 2400, now);
  ParkKeyed(st, "f", "FFFF", kAligned + 2500, now);
  ParkKeyed(st, "z", "M2", kAligned + 3000, now, "T+FFFF");  // exactly +3000 is slot +2000 too
  ParkKeyed(st, "g", "GGGG", kAligned + 2500, now);
  ParkKeyed(st, "w", "M3", kAligned + 3001, now, "T+GGGG");  // slot +3000: too late for g
  CHECK(svc.Tick(kAligned + 3000) == 1);
  CHECK(Delivered(st) == Bodies{"g"});
  CHECK(svc.pending_markers() == 1);  // w's slot is not read yet
  CHECK(svc.Tick(kAligned + 4000) == 0);
  CHECK(svc.pending_markers() == 0);
  CHECK(svc.cancelled() == 2);
  CHECK(svc.progress().below() == 6);
}

TEST_CASE("timer cancel: markers are rebuilt on restart, and a slot read twice is not") {
  store::testing::TempDir dir;
  const std::string path = dir.Sub("timerProgress.json");
  const int64_t now = kAligned + 100;
  {
    MessageStore st(store::testing::SmallConfig(dir.Sub("store")));
    REQUIRE(st.Open().ok());
    TimerMessageService svc(st, path, TimerConfig{}, nullptr);
    REQUIRE(svc.Load().ok());
    ParkKeyed(st, "early", "EEEE", kAligned + 1500, now);
    ParkKeyed(st, "h", "HHHH", kAligned + 2500, now);
    ParkKeyed(st, "i", "IIII", kAligned + 2500, now);
    ParkKeyed(st, "m", "M1", kAligned + 2500, now, "T+HHHH");
    CHECK(svc.Tick(kAligned + 2000) == 1);
    CHECK(svc.pending_markers() == 1);
    svc.PersistIfDirty();
  }
  {
    MessageStore st(store::testing::SmallConfig(dir.Sub("store")));
    REQUIRE(st.Open().ok());
    TimerMessageService svc(st, path, TimerConfig{}, nullptr);
    REQUIRE(svc.Load().ok());
    CHECK(svc.pending() == 2);
    CHECK(svc.pending_markers() == 1);
    // Overdue after the restart: still read slot by slot, so the marker still applies.
    CHECK(svc.Tick(kAligned + 60000) == 1);
    CHECK(Delivered(st) == Bodies{"early", "i"});
    CHECK(svc.cancelled() == 1);
    // A message parked late for a slot already read is delivered (Java forgot the slot's keys).
    ParkKeyed(st, "late", "HHHH", kAligned + 60500, kAligned + 60000);
    CHECK(svc.Tick(kAligned + 61000) == 1);
    CHECK(svc.progress().below() == 5);
    svc.PersistIfDirty();
  }
  {
    MessageStore st(store::testing::SmallConfig(dir.Sub("store")));
    REQUIRE(st.Open().ok());
    TimerMessageService svc(st, path, TimerConfig{}, nullptr);
    REQUIRE(svc.Load().ok());
    CHECK(svc.pending() == 0);
    CHECK(svc.pending_markers() == 0);
  }
}

}  // namespace
}  // namespace rmq::server
