#include "store/clean_service.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>

#include "store/commit_log_record.h"
#include "store/mapped_file.h"
#include "store/store_test_util.h"

namespace rmq::store {
namespace {

using testing::MakeMessage;
using testing::OwnedMessage;
using testing::SmallConfig;
using testing::TempDir;

constexpr int64_t kHourMs = 3600LL * 1000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

size_t FilesIn(const std::string& dir) {
  size_t n = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file()) ++n;
  }
  return n;
}

// CommitLog segments in use: files up to the store's end, not the next one being prepared in
// the background (AllocateMappedFileService).
size_t CommitLogSegments(const std::string& root, const MessageStore& store) {
  size_t n = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(root + "/commitlog", ec)) {
    int64_t offset;
    if (ParseMappedFileName(e.path().filename().string(), &offset) && offset <= store.GetMaxPhyOffset()) ++n;
  }
  return n;
}

// Small files, no clean pass of its own (the test drives them), deleteWhen never matches, and a
// disk whose fullness the test sets.
MessageStoreConfig CleanConfig(const std::string& root, std::atomic<double>* disk) {
  MessageStoreConfig c = SmallConfig(root);
  c.clean_resource_interval = 3600 * 1000;
  c.delete_when = "";
  c.disk_used_ratio_fn = [disk](const std::string&) { return disk->load(); };
  return c;
}

PutMessageResult PutKeyed(MessageStore& store, const std::string& topic, int i) {
  OwnedMessage m = MakeMessage(topic, "body-" + std::to_string(i) + std::string(900, 'x'));
  m.properties = "KEYS\x01k" + std::to_string(i) + "\x02";
  return store.PutMessage(m.View(0));
}

}  // namespace

TEST_CASE("clean: IsItTimeToDo matches the local hour against a ';' list") {
  std::tm t{};
  t.tm_year = 2024 - 1900;
  t.tm_mon = 0;
  t.tm_mday = 15;
  t.tm_hour = 4;
  t.tm_min = 30;
  t.tm_isdst = -1;
  int64_t at4 = static_cast<int64_t>(std::mktime(&t)) * 1000;
  CHECK(IsItTimeToDo("04", at4));
  CHECK(IsItTimeToDo("4", at4));
  CHECK(IsItTimeToDo("01;04;16", at4));
  CHECK_FALSE(IsItTimeToDo("05", at4));
  CHECK_FALSE(IsItTimeToDo("", at4));
  CHECK_FALSE(IsItTimeToDo("x4;", at4));
  CHECK(IsItTimeToDo("05", at4 + kHourMs));
}

TEST_CASE("clean: expired CommitLog files go (not the current one), ConsumeQueue and index follow") {
  TempDir dir;
  std::atomic<double> disk{0.5};
  MessageStore store(CleanConfig(dir.path(), &disk));
  REQUIRE(store.Open().ok());
  const int kCount = 400;  // ~1 KiB each: 6+ CommitLog files of 64 KiB
  for (int i = 0; i < kCount; ++i) REQUIRE(PutKeyed(store, "T", i).status == PutMessageStatus::kPutOk);
  const size_t cl_files = CommitLogSegments(dir.path(), store);
  const size_t cq_files = FilesIn(dir.Sub("consumequeue"));
  const size_t index_files = FilesIn(dir.Sub("index"));
  REQUIRE(cl_files >= 6);
  REQUIRE(cq_files >= 30);
  REQUIRE(index_files >= 6);

  // A reader holding the first message across the deletion.
  GetMessageResult held = store.GetMessage("T", 0, 0, 1, nullptr);
  REQUIRE(held.status == GetMessageStatus::kFound);
  const std::string first(held.messages[0]);

  const int64_t now = NowMs();
  store.RunCleanPass(now + 100 * kHourMs);  // expired, but not the hour, disk fine, no manual delete
  CHECK(CommitLogSegments(dir.path(), store) == cl_files);
  store.ExecuteDeleteFilesManually();
  store.RunCleanPass(now + kHourMs);  // manual, but nothing is 72 h old yet
  CHECK(CommitLogSegments(dir.path(), store) == cl_files);
  store.RunCleanPass(now + 73 * kHourMs);
  CHECK(CommitLogSegments(dir.path(), store) == 1);  // the current file stays

  const int64_t min_phy = store.GetMinPhyOffset();
  CHECK(min_phy == static_cast<int64_t>(cl_files - 1) * 64 * 1024);
  CHECK(FilesIn(dir.Sub("consumequeue")) < cq_files);
  CHECK(FilesIn(dir.Sub("index")) < index_files);
  const int64_t min_q = store.GetMinOffsetInQueue("T", 0);
  CHECK(min_q > 0);
  CHECK(store.GetMaxOffsetInQueue("T", 0) == kCount);
  int64_t min_entry_phy = store.GetCommitLogOffsetInQueue("T", 0, min_q);
  CHECK(min_entry_phy >= min_phy);
  CHECK(store.GetCommitLogOffsetInQueue("T", 0, min_q - 1) < min_phy);

  // Old offsets are too small and point the consumer at the new minimum; the rest reads fine.
  GetMessageResult old = store.GetMessage("T", 0, 0, 8, nullptr);
  CHECK(old.status != GetMessageStatus::kFound);
  CHECK(old.next_begin_offset == min_q);
  GetMessageResult rest = store.GetMessage("T", 0, min_q, 8, nullptr);
  REQUIRE(rest.status == GetMessageStatus::kFound);
  RecordView v;
  REQUIRE(DecodeRecord(rest.messages[0], &v).ok());
  CHECK(v.queue_offset == min_q);

  // The held view still reads the deleted file's bytes.
  CHECK(std::string(held.messages[0]) == first);

  // Index: an old key is gone with its file, a recent one is found.
  CHECK(store.QueryMessage("T", "k0", 32, 0, INT64_MAX).messages.empty());
  CHECK(store.QueryMessage("T", "k" + std::to_string(kCount - 1), 32, 0, INT64_MAX).messages.size() == 1);

  // Writes go on after the new minimum.
  CHECK(PutKeyed(store, "T", kCount).status == PutMessageStatus::kPutOk);
  store.Shutdown();

  // A reopened store keeps the new minimums.
  MessageStore again(CleanConfig(dir.path(), &disk));
  REQUIRE(again.Open().ok());
  CHECK(again.GetMinPhyOffset() == min_phy);
  CHECK(again.GetMinOffsetInQueue("T", 0) >= min_q);
  CHECK(again.GetMaxOffsetInQueue("T", 0) == kCount + 1);
}

TEST_CASE("clean: a full disk refuses writes and cleans at once; freed space accepts them again") {
  TempDir dir;
  std::atomic<double> disk{0.5};
  MessageStore store(CleanConfig(dir.path(), &disk));
  REQUIRE(store.Open().ok());
  for (int i = 0; i < 200; ++i) REQUIRE(PutKeyed(store, "T", i).status == PutMessageStatus::kPutOk);
  const size_t cl_files = CommitLogSegments(dir.path(), store);
  REQUIRE(cl_files >= 3);

  disk = 0.95;  // above diskSpaceWarningLevelRatio (0.90)
  store.RunCleanPass(NowMs());
  CHECK(store.IsDiskFull());
  PutMessageResult refused = PutKeyed(store, "T", 999);
  CHECK(refused.status == PutMessageStatus::kServiceNotAvailable);
  CHECK(refused.disk_util == "CL:  0.95 CQ:  0.95 INDEX:  0.95");  // Java prints ratios
  // cleanImmediately: files are deleted although none has expired.
  CHECK(CommitLogSegments(dir.path(), store) == 1);

  disk = 0.87;  // between the clean-forcibly and warning ratios: still refused
  store.RunCleanPass(NowMs());
  CHECK(store.IsDiskFull());
  disk = 0.60;
  store.RunCleanPass(NowMs());
  CHECK_FALSE(store.IsDiskFull());
  CHECK(PutKeyed(store, "T", 1000).status == PutMessageStatus::kPutOk);
}

TEST_CASE("clean: cleanExpiredConsumerQueue drops queues whose messages are all gone") {
  TempDir dir;
  std::atomic<double> disk{0.5};
  MessageStoreConfig c = CleanConfig(dir.path(), &disk);
  c.file_reserved_time = 0;
  MessageStore store(c);
  REQUIRE(store.Open().ok());
  for (int i = 0; i < 5; ++i) REQUIRE(PutKeyed(store, "Old", i).status == PutMessageStatus::kPutOk);
  for (int i = 0; i < 200; ++i) REQUIRE(PutKeyed(store, "New", i).status == PutMessageStatus::kPutOk);
  CHECK(store.CleanExpiredConsumerQueue() == 0);  // nothing deleted yet
  store.ExecuteDeleteFilesManually();
  store.RunCleanPass(NowMs() + 1000);
  REQUIRE(store.GetMinPhyOffset() > 0);
  CHECK(store.CleanExpiredConsumerQueue() == 1);
  CHECK_FALSE(std::filesystem::exists(dir.Sub("consumequeue/Old")));
  CHECK(std::filesystem::exists(dir.Sub("consumequeue/New")));
  CHECK(store.GetMaxOffsetInQueue("Old", 0) == 0);
  CHECK(store.GetMaxOffsetInQueue("New", 0) == 200);
}

}  // namespace rmq::store

namespace rmq::store {

TEST_CASE("clean: the used share is Java 4.9.7's: rounded up to a whole percent") {
  const double r = DiskPartitionSpaceUsedPercent("/");
  REQUIRE(r > 0);
  CHECK(r <= 1.0);
  CHECK(std::abs(r * 100 - std::round(r * 100)) < 1e-9);
  CHECK(DiskPartitionSpaceUsedPercent("/nonexistent/rmqd") == -1);
}

TEST_CASE("clean: a full ConsumeQueue partition marks the disk full too (Java's logics disk check)") {
  TempDir dir;
  MessageStoreConfig c = SmallConfig(dir.path());
  c.clean_resource_interval = 3600 * 1000;
  c.delete_when = "";
  std::atomic<double> logics{0.95};
  c.disk_used_ratio_fn = [&logics](const std::string& path) {
    return path.find("consumequeue") != std::string::npos ? logics.load() : 0.5;
  };
  MessageStore store(c);
  REQUIRE(store.Open().ok());
  REQUIRE(PutKeyed(store, "T", 0).status == PutMessageStatus::kPutOk);
  store.RunCleanPass(NowMs());
  CHECK(store.IsDiskFull());
  CHECK(PutKeyed(store, "T", 1).status == PutMessageStatus::kServiceNotAvailable);
  logics = 0.5;
  store.RunCleanPass(NowMs());
  CHECK_FALSE(store.IsDiskFull());
  CHECK(PutKeyed(store, "T", 2).status == PutMessageStatus::kPutOk);
}

}  // namespace rmq::store
