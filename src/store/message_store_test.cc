#include "store/message_store.h"

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "common/coding.h"
#include "store/commit_log_record.h"
#include "store/store_test_util.h"

namespace rmq::store {
namespace {

using testing::MakeMessage;
using testing::OwnedMessage;
using testing::SmallConfig;
using testing::TempDir;

std::string Body(int i, size_t size = 1000) {
  std::string b = "msg-" + std::to_string(i) + "-";
  b.resize(size, static_cast<char>('a' + i % 26));
  return b;
}

PutMessageResult Put(MessageStore& store, const std::string& topic, int32_t queue, const std::string& body,
                     const std::string& tags = "") {
  OwnedMessage m = MakeMessage(topic, body, tags);
  int64_t code = tags.empty() ? 0 : JavaStringHash(tags);
  return store.PutMessage(m.View(queue, code));
}

// Reads every message of a queue from `from` with pulls of `batch`, checking each record.
std::vector<std::string> PullAll(MessageStore& store, const std::string& topic, int32_t queue,
                                 int64_t from = 0, int32_t batch = 32) {
  std::vector<std::string> bodies;
  int64_t offset = from;
  for (int guard = 0; guard < 10000; ++guard) {
    GetMessageResult r = store.GetMessage(topic, queue, offset, batch, nullptr);
    if (r.status != GetMessageStatus::kFound) break;
    for (std::string_view rec : r.messages) {
      RecordView v;
      REQUIRE(DecodeRecord(rec, &v).ok());
      CHECK(v.topic == topic);
      CHECK(v.queue_id == queue);
      CHECK(v.queue_offset == offset + static_cast<int64_t>(bodies.size() - (offset - from)));
      bodies.emplace_back(v.body);
    }
    CHECK(r.next_begin_offset > offset);
    offset = r.next_begin_offset;
  }
  return bodies;
}

}  // namespace

TEST_CASE("store: put and get across CommitLog and ConsumeQueue file rolls") {
  TempDir dir;
  MessageStore store(SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  const int n = 300;
  int64_t last_end = 0;
  for (int i = 0; i < n; ++i) {
    PutMessageResult r = Put(store, "TopicA", 1, Body(i));
    REQUIRE(r.status == PutMessageStatus::kPutOk);
    CHECK(r.queue_offset == i);
    CHECK(r.msg_num == 1);
    REQUIRE(r.phy_offsets.size() == 1);
    CHECK(r.phy_offsets[0] == r.wrote_offset);
    CHECK(r.wrote_offset >= last_end);  // a gap only where a blank record ended a file
    last_end = r.wrote_offset + r.wrote_bytes;
  }
  CHECK(store.GetMaxPhyOffset() == last_end);
  CHECK(store.GetMaxPhyOffset() > 4 * 64 * 1024);  // several CommitLog files
  CHECK(store.GetMaxOffsetInQueue("TopicA", 1) == n);
  CHECK(store.GetMinOffsetInQueue("TopicA", 1) == 0);
  std::vector<std::string> bodies = PullAll(store, "TopicA", 1);
  REQUIRE(bodies.size() == static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) CHECK(bodies[static_cast<size_t>(i)] == Body(i));
  // A pull never crosses a ConsumeQueue file (10 entries each here), as in Java.
  GetMessageResult r = store.GetMessage("TopicA", 1, 5, 32, nullptr);
  CHECK(r.status == GetMessageStatus::kFound);
  CHECK(r.messages.size() == 5);
  CHECK(r.next_begin_offset == 10);
  CHECK(!r.holds.empty());
  CHECK(std::filesystem::exists(dir.Sub("consumequeue/TopicA/1/00000000000000000200")));
  CHECK(std::filesystem::exists(dir.Sub("commitlog/00000000000000065536")));
  CHECK(std::filesystem::exists(dir.Sub("abort")));
  store.Shutdown();
  CHECK(!std::filesystem::exists(dir.Sub("abort")));
}

TEST_CASE("store: the blank end-of-file record fills each CommitLog file") {
  TempDir dir;
  MessageStore store(SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  std::vector<int64_t> offsets;
  for (int i = 0; i < 100; ++i) offsets.push_back(Put(store, "T", 0, Body(i)).wrote_offset);
  int64_t file = 64 * 1024;
  for (size_t i = 1; i < offsets.size(); ++i) {
    if (offsets[i] / file != offsets[i - 1] / file) {
      CHECK(offsets[i] % file == 0);  // the next record starts the next file
      auto blank = store.LookMessageByOffset(offsets[i - 1] + (offsets[1] - offsets[0]));
      CHECK(!blank.ok());
    }
  }
}

TEST_CASE("store: filter by tags code skips entries but advances the offset") {
  TempDir dir;
  MessageStore store(SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  for (int i = 0; i < 8; ++i) Put(store, "T", 0, Body(i, 50), i % 2 == 0 ? "TagA" : "TagB");
  const int64_t tag_a = JavaStringHash(std::string("TagA"));
  TagsCodeFilter only_a = [tag_a](int64_t code) { return code == tag_a; };
  GetMessageResult r = store.GetMessage("T", 0, 0, 32, only_a);
  REQUIRE(r.status == GetMessageStatus::kFound);
  CHECK(r.messages.size() == 4);
  CHECK(r.next_begin_offset == 8);
  for (std::string_view rec : r.messages) {
    RecordView v;
    REQUIRE(DecodeRecord(rec, &v).ok());
    CHECK(v.properties == std::string_view("TAGS\x01TagA\x02"));
  }
  TagsCodeFilter none = [](int64_t) { return false; };
  r = store.GetMessage("T", 0, 2, 32, none);
  CHECK(r.status == GetMessageStatus::kNoMatchedMessage);
  CHECK(r.next_begin_offset == 8);
  CHECK(r.messages.empty());
}

TEST_CASE("store: max_msg_nums and the per-pull byte limit") {
  TempDir dir;
  MessageStoreConfig c = SmallConfig(dir.path());
  c.mapped_file_size_consume_queue = 20 * 1000;
  c.max_transfer_bytes_on_message_in_memory = 4000;
  MessageStore store(c);
  REQUIRE(store.Open().ok());
  for (int i = 0; i < 20; ++i) Put(store, "T", 0, Body(i, 1000));
  GetMessageResult r = store.GetMessage("T", 0, 0, 2, nullptr);
  CHECK(r.messages.size() == 2);
  CHECK(r.next_begin_offset == 2);
  r = store.GetMessage("T", 0, 0, 32, nullptr);
  CHECK(r.messages.size() == 3);  // 3 records of ~1.1 KiB fit under 4000 bytes
  CHECK(r.buffer_total_size <= 4000);
  CHECK(r.next_begin_offset == 3);
  r = store.GetMessage("T", 0, 0, 0, nullptr);
  CHECK(r.messages.size() == 1);  // Java always returns at least one message
}

TEST_CASE("store: offsets by time") {
  TempDir dir;
  MessageStore store(SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  CHECK(store.GetOffsetInQueueByTime("T", 0, 12345) == 0);
  CHECK(store.GetEarliestMessageTime("T", 0) == -1);
  for (int i = 0; i < 30; ++i) {
    Put(store, "T", 0, Body(i, 100));
    if (i % 5 == 4) std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  std::vector<int64_t> ts;
  for (int i = 0; i < 30; ++i) ts.push_back(store.GetMessageStoreTimeStamp("T", 0, i));
  CHECK(std::is_sorted(ts.begin(), ts.end()));
  CHECK(store.GetEarliestMessageTime("T", 0) == ts[0]);
  CHECK(store.GetMessageStoreTimeStamp("T", 0, 30) == -1);
  // Java 4.9 semantics: an exact hit returns a message with that store time, otherwise the nearer
  // neighbour (tie -> the earlier one).
  for (int i = 0; i < 30; ++i) {
    int64_t t = ts[static_cast<size_t>(i)];
    int64_t got = store.GetOffsetInQueueByTime("T", 0, t);
    REQUIRE(got >= 0);
    REQUIRE(got < 30);
    CHECK(ts[static_cast<size_t>(got)] == t);
    int64_t next = std::upper_bound(ts.begin(), ts.end(), t) - ts.begin();
    if (next < 30 && ts[static_cast<size_t>(next)] > t + 2) {
      int64_t last_equal = next - 1;
      CHECK(store.GetOffsetInQueueByTime("T", 0, t + 1) == last_equal);  // nearer the earlier one
    }
  }
  CHECK(store.GetOffsetInQueueByTime("T", 0, 0) == 0);                  // all later -> the first
  CHECK(store.GetOffsetInQueueByTime("T", 0, ts.back() + 1000) == 29);  // all earlier -> the last
}

TEST_CASE("store: batch put assigns consecutive queue offsets") {
  TempDir dir;
  MessageStore store(SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  Put(store, "T", 2, "first");
  std::vector<OwnedMessage> owned;
  for (int i = 0; i < 5; ++i) owned.push_back(MakeMessage("T", Body(i, 30)));
  std::vector<MessageToStore> batch;
  for (auto& m : owned) batch.push_back(m.View(2));
  PutMessageResult r = store.PutMessages(batch);
  REQUIRE(r.status == PutMessageStatus::kPutOk);
  CHECK(r.queue_offset == 1);
  CHECK(r.msg_num == 5);
  REQUIRE(r.phy_offsets.size() == 5);
  int64_t sum = 0;
  for (int i = 0; i < 5; ++i) {
    auto sel = store.LookMessageByOffset(r.phy_offsets[static_cast<size_t>(i)]);
    REQUIRE(sel.ok());
    RecordView v;
    REQUIRE(DecodeRecord(sel->data, &v).ok());
    CHECK(v.queue_offset == 1 + i);
    CHECK(v.physical_offset == r.phy_offsets[static_cast<size_t>(i)]);
    sum += v.total_size;
  }
  CHECK(sum == r.wrote_bytes);
  CHECK(store.GetMaxOffsetInQueue("T", 2) == 6);
  // A batch must be one topic and queue.
  batch[3].queue_id = 1;
  CHECK(store.PutMessages(batch).status == PutMessageStatus::kMessageIllegal);
  CHECK(store.PutMessages({}).status == PutMessageStatus::kMessageIllegal);
  CHECK(store.GetMaxOffsetInQueue("T", 2) == 6);
}

TEST_CASE("store: look up by physical offset") {
  TempDir dir;
  MessageStore store(SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  PutMessageResult a = Put(store, "T", 0, "alpha");
  PutMessageResult b = Put(store, "T", 0, "beta");
  auto sel = store.LookMessageByOffset(b.wrote_offset);
  REQUIRE(sel.ok());
  CHECK(sel->hold != nullptr);
  CHECK(static_cast<int32_t>(sel->data.size()) == b.wrote_bytes);
  RecordView v;
  REQUIRE(DecodeRecord(sel->data, &v).ok());
  CHECK(v.body == "beta");
  CHECK(store.GetCommitLogOffsetInQueue("T", 0, 1) == b.wrote_offset);
  CHECK(store.GetCommitLogOffsetInQueue("T", 0, 0) == a.wrote_offset);
  CHECK(!store.LookMessageByOffset(a.wrote_offset + 1).ok());      // mid-record
  CHECK(!store.LookMessageByOffset(store.GetMaxPhyOffset()).ok());  // end
  CHECK(!store.LookMessageByOffset(-5).ok());
  CHECK(!store.LookMessageByOffset(1LL << 50).ok());
}

TEST_CASE("store: message checks") {
  TempDir dir;
  MessageStoreConfig c = SmallConfig(dir.path());
  c.max_message_size = 1024;
  MessageStore store(c);
  CHECK(Put(store, "T", 0, "x").status == PutMessageStatus::kServiceNotAvailable);  // not open
  REQUIRE(store.Open().ok());
  CHECK(Put(store, "T", 0, std::string(1025, 'b')).status == PutMessageStatus::kMessageIllegal);
  CHECK(Put(store, "T", 0, std::string(1024, 'b')).status == PutMessageStatus::kPutOk);
  OwnedMessage big_props = MakeMessage("T", "x");
  big_props.properties.assign(32768, 'p');
  CHECK(store.PutMessage(big_props.View()).status == PutMessageStatus::kPropertiesSizeExceeded);
  CHECK(Put(store, std::string(256, 't'), 0, "x").status == PutMessageStatus::kMessageIllegal);
  CHECK(Put(store, std::string(255, 't'), 0, "x").status == PutMessageStatus::kPutOk);
  CHECK(Put(store, "a/b", 0, "x").status == PutMessageStatus::kMessageIllegal);
  CHECK(Put(store, "..", 0, "x").status == PutMessageStatus::kMessageIllegal);
  CHECK(Put(store, "", 0, "x").status == PutMessageStatus::kMessageIllegal);
  CHECK(Put(store, "T", -1, "x").status == PutMessageStatus::kMessageIllegal);
  // A record that can never fit in one CommitLog file.
  MessageStoreConfig c2 = SmallConfig(dir.Sub("other"));
  MessageStore store2(c2);
  REQUIRE(store2.Open().ok());
  CHECK(Put(store2, "T", 0, std::string(70 * 1024, 'b')).status == PutMessageStatus::kMessageIllegal);
  CHECK(store2.GetMaxPhyOffset() == 0);
}

TEST_CASE("store: each GetMessageStatus path") {
  TempDir dir;
  MessageStore store(SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  for (int i = 0; i < 5; ++i) Put(store, "T", 0, Body(i, 40));

  GetMessageResult r = store.GetMessage("Nope", 0, 0, 32, nullptr);
  CHECK(r.status == GetMessageStatus::kNoMatchedLogicQueue);
  CHECK(r.next_begin_offset == 0);

  r = store.GetMessage("T", 7, 3, 32, nullptr);
  CHECK(r.status == GetMessageStatus::kNoMessageInQueue);
  CHECK(r.next_begin_offset == 0);

  r = store.GetMessage("T", 0, -1, 32, nullptr);
  CHECK(r.status == GetMessageStatus::kOffsetTooSmall);
  CHECK(r.next_begin_offset == 0);

  r = store.GetMessage("T", 0, 5, 32, nullptr);
  CHECK(r.status == GetMessageStatus::kOffsetOverflowOne);
  CHECK(r.next_begin_offset == 5);
  CHECK(r.max_offset == 5);

  r = store.GetMessage("T", 0, 99, 32, nullptr);
  CHECK(r.status == GetMessageStatus::kOffsetOverflowBadly);
  CHECK(r.next_begin_offset == 5);

  r = store.GetMessage("T", 0, 1, 32, [](int64_t) { return false; });
  CHECK(r.status == GetMessageStatus::kNoMatchedMessage);

  r = store.GetMessage("T", 0, 1, 32, nullptr);
  CHECK(r.status == GetMessageStatus::kFound);
  CHECK(r.messages.size() == 4);
  CHECK(r.next_begin_offset == 5);
  CHECK(r.min_offset == 0);
  CHECK(std::string(GetMessageStatusName(r.status)) == "FOUND");
  CHECK(std::string(PutMessageStatusName(PutMessageStatus::kCreateMappedFileFailed)) == "CREATE_MAPEDFILE_FAILED");
}

TEST_CASE("store: MESSAGE_WAS_REMOVING and OFFSET_FOUND_NULL from damaged queues") {
  TempDir dir;
  MessageStoreConfig c = SmallConfig(dir.path());
  {
    MessageStore store(c);
    REQUIRE(store.Open().ok());
    for (int i = 0; i < 50; ++i) Put(store, "T", 0, Body(i, 40));
  }
  // Entry 0's size no longer matches its record; the file holding entries 10..19 is gone.
  {
    std::string cq0 = dir.Sub("consumequeue/T/0/00000000000000000000");
    FILE* f = std::fopen(cq0.c_str(), "r+b");
    REQUIRE(f != nullptr);
    char size[4];
    EncodeFixed32(size, 33);
    std::fseek(f, 8, SEEK_SET);
    std::fwrite(size, 1, 4, f);
    std::fclose(f);
    std::filesystem::remove(dir.Sub("consumequeue/T/0/00000000000000000200"));
  }
  MessageStore store(c);
  REQUIRE(store.Open().ok());
  GetMessageResult r = store.GetMessage("T", 0, 0, 1, nullptr);
  CHECK(r.status == GetMessageStatus::kMessageWasRemoving);
  // Java skips to the next CommitLog file after a lost record, so the rest of this file goes too.
  r = store.GetMessage("T", 0, 0, 32, nullptr);
  CHECK(r.status == GetMessageStatus::kMessageWasRemoving);
  CHECK(r.next_begin_offset == 10);
  r = store.GetMessage("T", 0, 1, 32, nullptr);
  CHECK(r.status == GetMessageStatus::kFound);
  CHECK(r.messages.size() == 9);
  r = store.GetMessage("T", 0, 12, 32, nullptr);
  CHECK(r.status == GetMessageStatus::kOffsetFoundNull);
  CHECK(r.next_begin_offset == 20);
  r = store.GetMessage("T", 0, 20, 32, nullptr);
  CHECK(r.status == GetMessageStatus::kFound);
}

TEST_CASE("store: delete topic drops its queues") {
  TempDir dir;
  MessageStore store(SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  Put(store, "Gone", 0, "x");
  Put(store, "Kept", 0, "y");
  store.DeleteTopic("Gone");
  CHECK(store.GetMaxOffsetInQueue("Gone", 0) == 0);
  CHECK(!std::filesystem::exists(dir.Sub("consumequeue/Gone")));
  CHECK(store.GetMessage("Kept", 0, 0, 32, nullptr).status == GetMessageStatus::kFound);
  CHECK(Put(store, "Gone", 0, "again").queue_offset == 0);
}

TEST_CASE("store: SYNC_FLUSH listener reports the flushed offset") {
  TempDir dir;
  MessageStoreConfig c = SmallConfig(dir.path());
  c.flush_disk_type = FlushDiskType::kSyncFlush;
  c.flush_interval_commit_log = 10000;  // only RequestFlush makes it sync
  MessageStore store(c);
  std::mutex mu;
  std::condition_variable cv;
  int64_t seen = -1;
  store.SetFlushListener([&](int64_t off) {
    std::lock_guard<std::mutex> l(mu);
    seen = std::max(seen, off);
    cv.notify_all();
  });
  REQUIRE(store.Open().ok());
  PutMessageResult r = Put(store, "T", 0, Body(1));
  int64_t want = r.wrote_offset + r.wrote_bytes;
  store.RequestFlush(want);
  {
    std::unique_lock<std::mutex> l(mu);
    CHECK(cv.wait_for(l, std::chrono::seconds(5), [&] { return seen >= want; }));
  }
  CHECK(store.FlushedOffset() >= want);
  store.Shutdown();
  store.Shutdown();  // idempotent
}

TEST_CASE("store: ASYNC_FLUSH eventually flushes") {
  TempDir dir;
  MessageStoreConfig c = SmallConfig(dir.path());
  c.flush_commit_log_least_pages = 0;
  MessageStore store(c);
  REQUIRE(store.Open().ok());
  PutMessageResult r = Put(store, "T", 0, Body(1));
  int64_t want = r.wrote_offset + r.wrote_bytes;
  for (int i = 0; i < 250 && store.FlushedOffset() < want; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(store.FlushedOffset() >= want);
}

TEST_CASE("store: a second open of the same directory is refused") {
  TempDir dir;
  MessageStore a(SmallConfig(dir.path()));
  REQUIRE(a.Open().ok());
  MessageStore b(SmallConfig(dir.path()));
  CHECK(!b.Open().ok());
}

}  // namespace rmq::store
