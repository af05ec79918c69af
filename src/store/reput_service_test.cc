#include "store/reput_service.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/coding.h"
#include "store/message_store.h"
#include "store/store_test_util.h"

namespace rmq::store {
namespace {

using testing::MakeMessage;
using testing::OwnedMessage;
using testing::SmallConfig;
using testing::TempDir;

constexpr int32_t kPrepared = 0x4;
constexpr int32_t kRollback = 0xC;

int64_t TagsHash(const std::string& tags) { return JavaStringHash(tags.data(), tags.size()); }

// A message with TAGS, KEYS and UNIQ_KEY, as a client sends them.
OwnedMessage Keyed(const std::string& topic, int i, const std::string& extra = "") {
  OwnedMessage m = MakeMessage(topic, "body-" + std::to_string(i) + std::string(300 + i % 200, 'b'), "Tag" + std::to_string(i % 3));
  m.properties += "KEYS\x01k" + std::to_string(i) + " shared\x02UNIQ_KEY\x01U" + std::to_string(i) + "\x02" + extra;
  return m;
}

PutMessageResult PutOne(MessageStore& s, const OwnedMessage& m, int32_t queue, int32_t sys_flag = 0) {
  MessageToStore v = m.View(queue, TagsCodeFromProperties(m.properties));
  v.sys_flag = sys_flag;
  return s.PutMessage(v);
}

// Fills a store with what the dispatch rule distinguishes: several topics and queues, tags,
// keys, batches, a delayed message (SCHEDULE_TOPIC_XXXX, delivery-time tagsCode), PREPARED and
// ROLLBACK records (no ConsumeQueue entry; ROLLBACK not indexed), over several CommitLog files.
std::vector<std::pair<std::string, int32_t>> FillMaster(MessageStore& a) {
  for (int i = 0; i < 400; ++i) {
    const std::string topic = i % 2 == 0 ? "TopicA" : "TopicB";
    int32_t sys_flag = 0;
    if (i % 50 == 7) sys_flag = kPrepared;
    if (i % 50 == 9) sys_flag = kRollback;
    REQUIRE(IsStored(PutOne(a, Keyed(topic, i), (i / 2) % 4, sys_flag).status));
    if (i % 40 == 0) {
      OwnedMessage d = Keyed("TopicA", 1000 + i, "DELAY\x01" "3\x02");
      REQUIRE(IsStored(PutOne(a, d, 0).status));
    }
    if (i % 25 == 0) {
      std::vector<OwnedMessage> owned;
      for (int j = 0; j < 3; ++j) owned.push_back(Keyed("TopicC", 2000 + i * 3 + j));
      std::vector<MessageToStore> batch;
      for (const auto& o : owned) {
        MessageToStore v = o.View(1);
        v.tags_code = TagsCodeFromProperties(o.properties);
        batch.push_back(v);
      }
      REQUIRE(IsStored(a.PutMessages(batch).status));
    }
  }
  std::vector<std::pair<std::string, int32_t>> queues;
  for (const char* t : {"TopicA", "TopicB"}) {
    for (int32_t q = 0; q < 4; ++q) queues.emplace_back(t, q);
  }
  queues.emplace_back("TopicC", 1);
  queues.emplace_back(std::string(kScheduleTopic), 2);  // DELAY 3 -> queue 2
  return queues;
}

// Copies the master's CommitLog into the slave as raw bytes, in chunks that split records.
void Replicate(const MessageStore& from, MessageStore* to, size_t chunk) {
  int64_t offset = to->GetMaxPhyOffset();
  while (offset < from.GetMaxPhyOffset()) {
    auto data = from.GetCommitLogData(offset);
    REQUIRE(data.ok());
    std::string_view piece = data->data.substr(0, std::min(chunk, data->data.size()));
    REQUIRE(to->AppendToCommitLog(offset, piece).ok());
    offset += static_cast<int64_t>(piece.size());
  }
}

std::set<int64_t> KeyOffsets(const MessageStore& s, const std::string& topic, const std::string& key) {
  QueryMessageResult r = s.QueryMessage(topic, key, 64, 0, INT64_MAX);
  std::set<int64_t> offsets;
  for (std::string_view rec : r.messages) {
    RecordView v;
    REQUIRE(DecodeRecord(rec, &v).ok());
    offsets.insert(v.physical_offset);
  }
  return offsets;
}

// The slave answers every ConsumeQueue and index lookup as the master does.
void CheckSameAnswers(const MessageStore& a, const MessageStore& b,
                      const std::vector<std::pair<std::string, int32_t>>& queues) {
  CHECK(b.GetMaxPhyOffset() == a.GetMaxPhyOffset());
  CHECK(b.GetMinPhyOffset() == a.GetMinPhyOffset());
  int64_t entries = 0;
  for (const auto& [topic, q] : queues) {
    const int64_t max = a.GetMaxOffsetInQueue(topic, q);
    REQUIRE(max > 0);
    CHECK(b.GetMaxOffsetInQueue(topic, q) == max);
    CHECK(b.GetMinOffsetInQueue(topic, q) == a.GetMinOffsetInQueue(topic, q));
    for (int64_t i = 0; i < max; ++i) {
      MessageStore::ConsumeQueueEntry ea, eb;
      REQUIRE(a.GetConsumeQueueEntry(topic, q, i, &ea));
      REQUIRE(b.GetConsumeQueueEntry(topic, q, i, &eb));
      CHECK(eb.commit_log_offset == ea.commit_log_offset);
      CHECK(eb.size == ea.size);
      CHECK(eb.tags_code == ea.tags_code);
      ++entries;
    }
  }
  CHECK(entries > 400);
  for (int i : {0, 7, 9, 57, 1040, 2076, 399}) {
    INFO("message " << i);
    // Parked (delayed) messages are indexed under the topic they are stored to, as in Java.
    const std::string topic = i >= 2000   ? "TopicC"
                              : i >= 1000 ? std::string(kScheduleTopic)
                                          : (i % 2 == 0 ? "TopicA" : "TopicB");
    const std::string key = "k" + std::to_string(i);
    std::set<int64_t> want = KeyOffsets(a, topic, key);
    CHECK(KeyOffsets(b, topic, key) == want);
    CHECK(KeyOffsets(b, topic, "U" + std::to_string(i)) == KeyOffsets(a, topic, "U" + std::to_string(i)));
    CHECK(want.size() == (i == 9 ? 0u : 1u));  // ROLLBACK records are not indexed
  }
  CHECK(KeyOffsets(b, "TopicB", "shared") == KeyOffsets(a, "TopicB", "shared"));
}

}  // namespace

TEST_CASE("reput: records appended raw into a second store are dispatched as the first store's puts") {
  TempDir dir_a, dir_b;
  MessageStore a(SmallConfig(dir_a.path()));
  MessageStore b(SmallConfig(dir_b.path()));
  REQUIRE(a.Open().ok());
  REQUIRE(b.Open().ok());
  auto queues = FillMaster(a);
  REQUIRE(a.GetMaxPhyOffset() > 3 * 64 * 1024);  // several files, so blank file ends too
  // The rule under test: PREPARED/ROLLBACK get no entry; the schedule topic's is a delivery time.
  MessageStore::ConsumeQueueEntry sched;
  REQUIRE(a.GetConsumeQueueEntry(std::string(kScheduleTopic), 2, 0, &sched));
  auto parked = a.LookMessageByOffset(sched.commit_log_offset);
  REQUIRE(parked.ok());
  RecordView parked_view;
  REQUIRE(DecodeRecord(parked->data, &parked_view).ok());
  CHECK(sched.tags_code == parked_view.store_timestamp + 10000);  // level 3 of the default table: 10s
  CHECK(a.GetMaxOffsetInQueue("TopicB", 3) == 50 - 4);  // 4 of TopicB/3's 50 puts are PREPARED/ROLLBACK

  Replicate(a, &b, 1000);  // 1000-byte chunks: most records arrive in two parts
  CheckSameAnswers(a, b, queues);

  // More puts on the master, then the rest, in one chunk per file.
  for (int i = 400; i < 450; ++i) REQUIRE(IsStored(PutOne(a, Keyed("TopicB", i), 3).status));
  Replicate(a, &b, 1 << 20);
  CheckSameAnswers(a, b, queues);

  // The slave's store reopens (clean recovery of raw-appended files) with the same answers.
  b.Shutdown();
  REQUIRE(b.Open().ok());
  CheckSameAnswers(a, b, queues);
}

TEST_CASE("reput: raw bytes that do not continue the log are refused; garbage is never dispatched") {
  TempDir dir_a, dir_b;
  MessageStore a(SmallConfig(dir_a.path()));
  MessageStore b(SmallConfig(dir_b.path()));
  REQUIRE(a.Open().ok());
  REQUIRE(b.Open().ok());
  for (int i = 0; i < 10; ++i) REQUIRE(IsStored(PutOne(a, Keyed("TopicA", i), 0).status));
  auto data = a.GetCommitLogData(0);
  REQUIRE(data.ok());
  CHECK(b.AppendToCommitLog(100, data->data).IsInvalidArgument());      // not a file boundary
  CHECK(b.AppendToCommitLog(-64 * 1024, data->data).IsInvalidArgument());
  CHECK(b.AppendToCommitLog(0, std::string(64 * 1024 + 1, 'x')).IsInvalidArgument());  // crosses a file
  CHECK(b.GetMaxPhyOffset() == 0);
  REQUIRE(b.AppendToCommitLog(0, data->data).ok());
  CHECK(b.AppendToCommitLog(0, data->data).IsInvalidArgument());  // already there: a gap check
  CHECK(b.GetMaxOffsetInQueue("TopicA", 0) == 10);
  const int64_t good_end = b.GetMaxPhyOffset();

  // Garbage after the good records: stored (a slave cannot tell yet), never dispatched.
  std::string garbage(700, '\x5a');
  REQUIRE(b.AppendToCommitLog(good_end, garbage).ok());
  CHECK(b.GetMaxOffsetInQueue("TopicA", 0) == 10);
  CHECK(b.AppendToCommitLog(good_end + 700, std::string(64, '\0')).ok());
  CHECK(b.GetMaxOffsetInQueue("TopicA", 0) == 10);
  // Reopening verifies from the ConsumeQueue tail and cuts the garbage.
  b.Shutdown();
  REQUIRE(b.Open().ok());
  CHECK(b.GetMaxPhyOffset() == good_end);
  CHECK(b.GetMaxOffsetInQueue("TopicA", 0) == 10);
  CHECK(b.GetCommitLogData(good_end).status().IsNotFound());
}

TEST_CASE("reput: the put path and a decoded record give the same ConsumeQueue entry") {
  DelayLevelTable levels;
  REQUIRE(DelayLevelTable::Parse("1s 5s 10s", &levels).ok());
  MessageToStore m;
  std::string props = "TAGS\x01TagA\x02" "DELAY\x01" "2\x02";
  m.topic = kScheduleTopic;
  m.queue_id = 1;
  m.properties = props;
  m.body = "x";
  m.tags_code = TagsHash("TagA");
  const std::string rec = EncodeRecordToString(m, RecordPlacement{5, 4096, 1000});
  RecordView v;
  REQUIRE(DecodeRecord(rec, &v).ok());
  DispatchRequest r = DispatchRequestOf(v, 4096);
  CHECK(r.tags_code == TagsHash("TagA"));
  CHECK(r.queue_offset == 5);
  CHECK(r.size == static_cast<int32_t>(rec.size()));
  ReputService with_delays(nullptr, nullptr, nullptr, &levels);
  CqEntry e = with_delays.ConsumeQueueEntryOf(r);
  CHECK(e.commit_log_offset == 4096);
  CHECK(e.size == static_cast<int32_t>(rec.size()));
  CHECK(e.tags_code == 1000 + 5000);  // store time + level 2
  ReputService without(nullptr, nullptr, nullptr, nullptr);
  CHECK(without.ConsumeQueueEntryOf(r).tags_code == TagsHash("TagA"));
  r.topic = "T";
  CHECK(with_delays.ConsumeQueueEntryOf(r).tags_code == TagsHash("TagA"));
}

}  // namespace rmq::store
