#include "store/recovery.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "common/coding.h"
#include "store/mapped_file.h"
#include "store/store_test_util.h"

namespace rmq::store {
namespace {

namespace fs = std::filesystem;
using testing::MakeMessage;
using testing::OwnedMessage;
using testing::SmallConfig;
using testing::TempDir;

constexpr int64_t kFile = 64 * 1024;

std::string Body(int i) {
  std::string b = "body-" + std::to_string(i) + "-";
  b.resize(700, 'z');
  return b;
}

PutMessageResult Put(MessageStore& store, const std::string& topic, int32_t queue, const std::string& body) {
  OwnedMessage m = MakeMessage(topic, body, "TagA");
  return store.PutMessage(m.View(queue, JavaStringHash(std::string("TagA"))));
}

// Copies a live store directory: with MAP_SHARED the copy sees every append, as the disk would
// after a process crash. The `abort` file comes along, so the copy opens as "after a crash".
void SnapshotLiveStore(const std::string& from, const std::string& to) {
  fs::copy(from, to, fs::copy_options::recursive);
  REQUIRE(fs::exists(to + "/abort"));
}

void WriteAt(const std::string& path, int64_t pos, const std::string& bytes) {
  FILE* f = std::fopen(path.c_str(), "r+b");
  REQUIRE(f != nullptr);
  std::fseek(f, static_cast<long>(pos), SEEK_SET);
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

std::string CommitLogFileFor(const std::string& root, int64_t offset) {
  return root + "/commitlog/" + MappedFileName(offset - offset % kFile);
}

// Every ConsumeQueue entry of a queue points at a decodable record below the CommitLog end.
void CheckQueueConsistent(MessageStore& store, const std::string& topic, int32_t queue) {
  int64_t max = store.GetMaxOffsetInQueue(topic, queue);
  for (int64_t i = 0; i < max; ++i) {
    int64_t phy = store.GetCommitLogOffsetInQueue(topic, queue, i);
    CHECK(phy < store.GetMaxPhyOffset());
    auto sel = store.LookMessageByOffset(phy);
    REQUIRE(sel.ok());
    RecordView v;
    REQUIRE(DecodeRecord(sel->data, &v).ok());
    CHECK(v.queue_offset == i);
    CHECK(v.topic == topic);
  }
}

int64_t CountFound(MessageStore& store, const std::string& topic, int32_t queue) {
  int64_t count = 0, offset = 0;
  while (true) {
    GetMessageResult r = store.GetMessage(topic, queue, offset, 32, nullptr);
    if (r.status != GetMessageStatus::kFound) break;
    count += static_cast<int64_t>(r.messages.size());
    offset = r.next_begin_offset;
  }
  return count;
}

}  // namespace

TEST_CASE("recovery: clean restart keeps every message and queue offset") {
  TempDir dir;
  MessageStoreConfig c = SmallConfig(dir.path());
  int64_t max_phy = 0;
  {
    MessageStore store(c);
    REQUIRE(store.Open().ok());
    for (int i = 0; i < 400; ++i) Put(store, i % 2 ? "A" : "B", i % 3, Body(i));
    max_phy = store.GetMaxPhyOffset();
  }
  CHECK(!fs::exists(dir.Sub("abort")));
  MessageStore store(c);
  REQUIRE(store.Open().ok());
  CHECK(store.GetMaxPhyOffset() == max_phy);
  int64_t total = 0;
  for (const char* t : {"A", "B"}) {
    for (int q = 0; q < 3; ++q) {
      total += store.GetMaxOffsetInQueue(t, q);
      CHECK(CountFound(store, t, q) == store.GetMaxOffsetInQueue(t, q));
      CheckQueueConsistent(store, t, q);
    }
  }
  CHECK(total == 400);
  int64_t before = store.GetMaxOffsetInQueue("A", 1);
  CHECK(Put(store, "A", 1, "after restart").queue_offset == before);
}

TEST_CASE("recovery: crash with a torn last record keeps a consistent prefix") {
  TempDir dir;
  MessageStoreConfig c = SmallConfig(dir.path());
  MessageStore live(c);
  REQUIRE(live.Open().ok());
  PutMessageResult last;
  for (int i = 0; i < 200; ++i) last = Put(live, "T", 0, Body(i));
  TempDir crash_dir;
  const std::string crashed = crash_dir.Sub("store");
  SnapshotLiveStore(dir.path(), crashed);
  // Tear the last record: damage its body (CRC) and put garbage after it.
  std::string file = CommitLogFileFor(crashed, last.wrote_offset);
  WriteAt(file, last.wrote_offset % kFile + 84 + 4 + 20, "GARBAGE");  // inside the body
  WriteAt(file, last.wrote_offset % kFile + last.wrote_bytes, "GARBAGE-GARBAGE-GARBAGE");

  MessageStore store(SmallConfig(crashed));
  REQUIRE(store.Open().ok());
  CHECK(store.GetMaxPhyOffset() == last.wrote_offset);
  CHECK(store.GetMaxOffsetInQueue("T", 0) == 199);
  CheckQueueConsistent(store, "T", 0);
  CHECK(CountFound(store, "T", 0) == 199);
  PutMessageResult again = Put(store, "T", 0, "new");
  CHECK(again.queue_offset == 199);
  CHECK(again.wrote_offset == last.wrote_offset);
  CHECK(store.GetMessage("T", 0, 199, 1, nullptr).status == GetMessageStatus::kFound);
}

TEST_CASE("recovery: crash with garbage after the last record keeps every record") {
  TempDir dir;
  MessageStore live(SmallConfig(dir.path()));
  REQUIRE(live.Open().ok());
  PutMessageResult last;
  for (int i = 0; i < 50; ++i) last = Put(live, "T", 1, Body(i));
  TempDir crash_dir;
  const std::string crashed = crash_dir.Sub("store");
  SnapshotLiveStore(dir.path(), crashed);
  int64_t end = last.wrote_offset + last.wrote_bytes;
  std::string junk(300, '\0');
  for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>(i * 37 + 11);
  WriteAt(CommitLogFileFor(crashed, end), end % kFile, junk);

  MessageStore store(SmallConfig(crashed));
  REQUIRE(store.Open().ok());
  CHECK(store.GetMaxPhyOffset() == end);
  CHECK(store.GetMaxOffsetInQueue("T", 1) == 50);
  CheckQueueConsistent(store, "T", 1);
  // The garbage was zeroed: appending and re-recovering finds exactly the new record.
  PutMessageResult next = Put(store, "T", 1, "next");
  CHECK(next.wrote_offset == end);
}

TEST_CASE("recovery: crash with a truncated CommitLog file") {
  TempDir dir;
  MessageStore live(SmallConfig(dir.path()));
  REQUIRE(live.Open().ok());
  PutMessageResult last;
  for (int i = 0; i < 120; ++i) last = Put(live, "T", 0, Body(i));
  TempDir crash_dir;
  const std::string crashed = crash_dir.Sub("store");
  SnapshotLiveStore(dir.path(), crashed);
  fs::resize_file(CommitLogFileFor(crashed, last.wrote_offset), last.wrote_offset % kFile + 50);

  MessageStore store(SmallConfig(crashed));
  REQUIRE(store.Open().ok());
  CHECK(store.GetMaxPhyOffset() == last.wrote_offset);
  CHECK(store.GetMaxOffsetInQueue("T", 0) == 119);
  CheckQueueConsistent(store, "T", 0);
}

TEST_CASE("recovery: crash with the last CommitLog file gone") {
  TempDir dir;
  MessageStore live(SmallConfig(dir.path()));
  REQUIRE(live.Open().ok());
  PutMessageResult last;
  for (int i = 0; i < 200; ++i) last = Put(live, "T", 0, Body(i));
  TempDir crash_dir;
  const std::string crashed = crash_dir.Sub("store");
  SnapshotLiveStore(dir.path(), crashed);
  fs::remove(CommitLogFileFor(crashed, last.wrote_offset));

  MessageStore store(SmallConfig(crashed));
  REQUIRE(store.Open().ok());
  CHECK(store.GetMaxPhyOffset() <= last.wrote_offset - last.wrote_offset % kFile);
  CHECK(store.GetMaxOffsetInQueue("T", 0) < 200);
  CheckQueueConsistent(store, "T", 0);
}

TEST_CASE("recovery: crash with lost ConsumeQueue files rebuilds them from the CommitLog") {
  TempDir dir;
  MessageStore live(SmallConfig(dir.path()));
  REQUIRE(live.Open().ok());
  for (int i = 0; i < 90; ++i) Put(live, "T", i % 2, Body(i));
  TempDir crash_dir;
  const std::string crashed = crash_dir.Sub("store");
  SnapshotLiveStore(dir.path(), crashed);
  fs::remove_all(crashed + "/consumequeue/T/1");
  fs::remove(crashed + "/consumequeue/T/0/00000000000000000800");  // entries 40..44

  MessageStore store(SmallConfig(crashed));
  REQUIRE(store.Open().ok());
  CHECK(store.GetMaxOffsetInQueue("T", 0) == 45);
  CHECK(store.GetMaxOffsetInQueue("T", 1) == 45);
  CheckQueueConsistent(store, "T", 0);
  CheckQueueConsistent(store, "T", 1);
  CHECK(CountFound(store, "T", 1) == 45);
  // Tags codes are rebuilt from the TAGS property.
  const int64_t tag = JavaStringHash(std::string("TagA"));
  GetMessageResult r = store.GetMessage("T", 1, 0, 32, [tag](int64_t code) { return code == tag; });
  CHECK(r.status == GetMessageStatus::kFound);
}

TEST_CASE("recovery: clean restart without the consumequeue directory rebuilds it") {
  TempDir dir;
  {
    MessageStore store(SmallConfig(dir.path()));
    REQUIRE(store.Open().ok());
    for (int i = 0; i < 30; ++i) Put(store, "T", 3, Body(i));
  }
  fs::remove_all(dir.Sub("consumequeue"));
  MessageStore store(SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  CHECK(store.GetMaxOffsetInQueue("T", 3) == 30);
  CheckQueueConsistent(store, "T", 3);
}

TEST_CASE("recovery: a deleted first CommitLog file raises the queue minimum (OFFSET_TOO_SMALL)") {
  TempDir dir;
  {
    MessageStore store(SmallConfig(dir.path()));
    REQUIRE(store.Open().ok());
    for (int i = 0; i < 250; ++i) Put(store, "T", 0, Body(i));
  }
  fs::remove(dir.Sub("commitlog/00000000000000000000"));  // as retention would
  MessageStore store(SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  CHECK(store.GetMinPhyOffset() == kFile);
  int64_t min = store.GetMinOffsetInQueue("T", 0);
  CHECK(min > 0);
  CHECK(store.GetCommitLogOffsetInQueue("T", 0, min) >= kFile);
  CHECK(store.GetCommitLogOffsetInQueue("T", 0, min - 1) < kFile);
  GetMessageResult r = store.GetMessage("T", 0, 0, 32, nullptr);
  CHECK(r.status == GetMessageStatus::kOffsetTooSmall);
  CHECK(r.next_begin_offset == min);
  CHECK(store.GetMessage("T", 0, min, 32, nullptr).status == GetMessageStatus::kFound);
  CHECK(CountFound(store, "T", 0) == 0);  // CountFound starts at 0, which is too small now
}

TEST_CASE("recovery: a CommitLog of garbage opens empty") {
  TempDir dir;
  fs::create_directories(dir.Sub("commitlog"));
  std::string junk(static_cast<size_t>(kFile), '\0');
  uint32_t x = 7;
  for (auto& ch : junk) {
    x = x * 1664525u + 1013904223u;
    ch = static_cast<char>(x >> 24);
  }
  {
    FILE* f = std::fopen(dir.Sub("commitlog/00000000000000000000").c_str(), "wb");
    REQUIRE(f != nullptr);
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
  }
  // A ConsumeQueue of garbage too: pulls must not crash.
  fs::create_directories(dir.Sub("consumequeue/T/0"));
  {
    FILE* f = std::fopen(dir.Sub("consumequeue/T/0/00000000000000000000").c_str(), "wb");
    REQUIRE(f != nullptr);
    std::fwrite(junk.data(), 1, 200, f);
    std::fclose(f);
  }
  MessageStore store(SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  CHECK(store.GetMaxPhyOffset() == 0);
  CHECK(store.GetMaxOffsetInQueue("T", 0) == 0);
  CHECK(Put(store, "T", 0, "fresh").wrote_offset == 0);
  CHECK(CountFound(store, "T", 0) == 1);
}

TEST_CASE("recovery: garbage ConsumeQueue entries below the CommitLog end never crash a pull") {
  TempDir dir;
  {
    MessageStore store(SmallConfig(dir.path()));
    REQUIRE(store.Open().ok());
    for (int i = 0; i < 20; ++i) Put(store, "T", 0, Body(i));
  }
  // Entries that point into the middle of records, with odd sizes.
  std::string entries;
  for (int i = 0; i < 10; ++i) {
    char e[20];
    EncodeFixed64(e, static_cast<uint64_t>(i * 333 + 1));
    EncodeFixed32(e + 8, static_cast<uint32_t>(100 + i * 97));
    EncodeFixed64(e + 12, 0);
    entries.append(e, 20);
  }
  WriteAt(dir.Sub("consumequeue/T/0/00000000000000000000"), 0, entries);
  MessageStore store(SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  for (int64_t off = 0; off < 20; ++off) {
    GetMessageResult r = store.GetMessage("T", 0, off, 32, nullptr);
    CHECK((r.status == GetMessageStatus::kFound) == (off >= 10));
    store.GetOffsetInQueueByTime("T", 0, off);
  }
}

TEST_CASE("recovery: a CommitLog file larger than configured is an error, not a crash") {
  TempDir dir;
  fs::create_directories(dir.Sub("commitlog"));
  {
    FILE* f = std::fopen(dir.Sub("commitlog/00000000000000000000").c_str(), "wb");
    REQUIRE(f != nullptr);
    std::fclose(f);
  }
  fs::resize_file(dir.Sub("commitlog/00000000000000000000"), 2 * kFile);
  MessageStore store(SmallConfig(dir.path()));
  Status s = store.Open();
  CHECK(s.IsCorruption());
}

TEST_CASE("recovery: crash start uses the checkpoint") {
  TempDir dir;
  CommitLog log(dir.Sub("commitlog"), kFile);
  REQUIRE(log.Load().ok());
  OwnedMessage m = MakeMessage("T", Body(0));
  MessageToStore v = m.View();
  // Four files; the store time of the records in file k is 10000 * (k + 1).
  const int64_t size = static_cast<int64_t>(RecordSize(v));
  while (log.MaxOffset() < 3 * kFile + 100) {
    int64_t pos = log.MaxOffset();
    int64_t file = pos / kFile;
    if (size + kEndFileMinBlankLength > kFile - pos % kFile) ++file;  // it will roll
    AppendResult r;
    REQUIRE(log.Append(&v, 1, 0, 10000 * (file + 1), &r).ok());
    CHECK(r.wrote_offset / kFile == file);
  }
  StoreCheckpoint cp(dir.Sub("checkpoint"));
  REQUIRE(cp.Open().ok());
  CHECK(RecoveryStartOffset(*log.file_queue(), true, cp) == 0);  // zero checkpoint: from the start
  cp.set_physic_msg_timestamp(33000 + 3000);
  cp.set_logics_msg_timestamp(33000 + 3000);
  CHECK(RecoveryStartOffset(*log.file_queue(), true, cp) == 2 * kFile);
  CHECK(RecoveryStartOffset(*log.file_queue(), false, cp) == 1 * kFile);  // clean: last 3 files
  REQUIRE(cp.Flush().ok());
  StoreCheckpoint again(dir.Sub("checkpoint"));
  REQUIRE(again.Open().ok());
  CHECK(again.physic_msg_timestamp() == 36000);
  CHECK(fs::file_size(dir.Sub("checkpoint")) == 4096);
}

TEST_CASE("recovery: scan stops at a record whose physical offset disagrees") {
  TempDir dir;
  CommitLog log(dir.Sub("commitlog"), kFile);
  REQUIRE(log.Load().ok());
  OwnedMessage m = MakeMessage("T", "abc");
  MessageToStore v = m.View();
  AppendResult r1, r2, r3;
  REQUIRE(log.Append(&v, 1, 0, 1, &r1).ok());
  REQUIRE(log.Append(&v, 1, 1, 1, &r2).ok());
  REQUIRE(log.Append(&v, 1, 2, 1, &r3).ok());
  CHECK(ScanCommitLog(*log.file_queue(), 0, INT64_MAX, nullptr) == r3.wrote_offset + r3.wrote_bytes);
  // Make record 2 claim to live elsewhere (its bytes are otherwise valid).
  auto f = log.file_queue()->LastFile();
  char* base = f->WritableData() - f->write_position();
  EncodeFixed64(base + r2.wrote_offset + 28, 12345);
  int visited = 0;
  CHECK(ScanCommitLog(*log.file_queue(), 0, INT64_MAX, [&](const RecordView&, int64_t) { ++visited; }) ==
        r2.wrote_offset);
  CHECK(visited == 1);
}

// A clean store of `n` messages in T/0 (700-byte bodies: several 64 KiB CommitLog files); the
// CommitLog offset of each record in *offsets.
void WriteCleanStore(const std::string& root, int n, std::vector<int64_t>* offsets) {
  MessageStore store(SmallConfig(root));
  REQUIRE(store.Open().ok());
  for (int i = 0; i < n; ++i) {
    PutMessageResult r = Put(store, "T", 0, Body(i));
    REQUIRE(r.status == PutMessageStatus::kPutOk);
    offsets->push_back(r.wrote_offset);
  }
}

int64_t CleanStartOf(const std::string& root) {
  MessageStoreConfig c = SmallConfig(root);
  CommitLog log(root + "/commitlog", c.mapped_file_size_commit_log);
  ConsumeQueueStore queues(root + "/consumequeue", ConsumeQueueFileSize(c.mapped_file_size_consume_queue));
  REQUIRE(log.Load().ok());
  REQUIRE(queues.Load().ok());
  return CleanRecoveryStartOffset(*log.file_queue(), queues);
}

TEST_CASE("recovery: a clean start verifies from the newest ConsumeQueue entry, not the last three files") {
  TempDir dir;
  std::vector<int64_t> offsets;
  WriteCleanStore(dir.path(), 400, &offsets);  // ~300 KiB: five CommitLog files
  REQUIRE(offsets.back() / kFile >= 4);
  CHECK(CleanStartOf(dir.path()) == offsets.back());
  // Damage in an older file is not read at a clean start (Java does not read before the
  // third-last file either); the store opens with every message.
  WriteAt(CommitLogFileFor(dir.path(), offsets[0]), offsets[0] + 200, "damage");
  MessageStore store(SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  CHECK(store.GetMaxOffsetInQueue("T", 0) == 400);
  CHECK(CountFound(store, "T", 0) == 400);
}

TEST_CASE("recovery: a clean start re-dispatches records past the ConsumeQueue tail and cuts garbage") {
  TempDir dir;
  std::vector<int64_t> offsets;
  WriteCleanStore(dir.path(), 100, &offsets);
  const int64_t end = offsets.back() + static_cast<int64_t>(RecordSize(MakeMessage("T", Body(99), "TagA").View()));
  // Lose entries 97..99 (the last file holds entries 90..99) and put garbage after the last record.
  WriteAt(dir.Sub("consumequeue/T/0/" + MappedFileName(1800)), 7 * kCqStoreUnitSize,
          std::string(3 * kCqStoreUnitSize, '\0'));
  WriteAt(CommitLogFileFor(dir.path(), end), end % kFile, "garbage after the end");
  CHECK(CleanStartOf(dir.path()) == offsets[96]);
  MessageStore store(SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  CHECK(store.GetMaxPhyOffset() == end);
  CHECK(store.GetMaxOffsetInQueue("T", 0) == 100);
  CheckQueueConsistent(store, "T", 0);
  CHECK(CountFound(store, "T", 0) == 100);
  CHECK(Put(store, "T", 0, "next").wrote_offset == end);
}

TEST_CASE("recovery: a clean start falls back to the last three files when the ConsumeQueue tail is wrong") {
  TempDir dir;
  std::vector<int64_t> offsets;
  WriteCleanStore(dir.path(), 400, &offsets);
  const int64_t third_last = (offsets.back() / kFile - 2) * kFile;
  const int32_t size = static_cast<int32_t>(RecordSize(MakeMessage("T", Body(399), "TagA").View()));
  // The newest entry, 399, is slot 9 of the file holding entries 390..399.
  const std::string cq_file = dir.Sub("consumequeue/T/0/" + MappedFileName(7800));
  const int64_t slot = 9 * kCqStoreUnitSize;
  auto write_entry = [&](int64_t offset, int32_t n) {
    std::string e(kCqStoreUnitSize, '\0');
    EncodeCqEntry(CqEntry{offset, n, 0}, e.data());
    WriteAt(cq_file, slot, e);
  };
  SUBCASE("one byte too many") { write_entry(offsets.back(), size + 1); }
  SUBCASE("into the middle of a record") { write_entry(offsets.back() + 4, size); }
  CHECK(CleanStartOf(dir.path()) == third_last);
  MessageStore store(SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  CHECK(store.GetMaxOffsetInQueue("T", 0) == 400);
  CheckQueueConsistent(store, "T", 0);
  CHECK(CountFound(store, "T", 0) == 400);
}

TEST_CASE("recovery: tags code from properties") {
  CHECK(TagsCodeFromProperties("") == 0);
  CHECK(TagsCodeFromProperties(std::string_view("KEYS\x01k\x02TAGS\x01TagA\x02")) ==
        JavaStringHash(std::string("TagA")));
  CHECK(TagsCodeFromProperties(std::string_view("XTAGS\x01TagA\x02")) == 0);
  CHECK(DispatchesToConsumeQueue(0x0));
  CHECK(DispatchesToConsumeQueue(0x8));
  CHECK(!DispatchesToConsumeQueue(0x4));
  CHECK(!DispatchesToConsumeQueue(0xC));
}

}  // namespace rmq::store
