#include "store/allocate_mapped_file_service.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>

#include "store/commit_log.h"
#include "store/commit_log_record.h"
#include "store/recovery.h"
#include "store/store_test_util.h"
#include "store/store_verify.h"

namespace rmq::store {
namespace {

namespace fs = std::filesystem;
using testing::MakeMessage;
using testing::SmallConfig;
using testing::TempDir;

constexpr int64_t kFile = 64 * 1024;

bool Exists(const std::string& p) { return fs::exists(p); }

// Polls `done` for up to 5 s; a test never hangs on the background thread.
template <typename F>
bool WaitFor(F done) {
  for (int i = 0; i < 5000; ++i) {
    if (done()) return true;
    usleep(1000);
  }
  return done();
}

// Appends 1 KiB records until the CommitLog has `files` files.
void FillTo(CommitLog* log, size_t files) {
  auto m = MakeMessage("T", std::string(1000, 'x'));
  MessageToStore v = m.View();
  int64_t qo = 0;
  while (log->file_queue()->Files().size() < files) {
    AppendResult r;
    REQUIRE(log->Append(&v, 1, qo++, 1000, &r).ok());
  }
}

TEST_CASE("AllocateMappedFileService: Take returns the prepared, empty, mapped file") {
  TempDir dir;
  AllocateMappedFileService a;
  a.Start();
  const std::string p = dir.Sub(MappedFileName(kFile));
  a.Request(p, kFile, kFile);
  std::shared_ptr<MappedFile> f = a.Take(kFile, kFile);
  REQUIRE(f != nullptr);
  CHECK(f->file_from_offset() == kFile);
  CHECK(f->write_position() == 0);
  CHECK(fs::file_size(p) == static_cast<uintmax_t>(kFile));
  CHECK(a.prepared() == 1);
  CHECK(a.Take(kFile, kFile) == nullptr);  // claimed once
}

TEST_CASE("AllocateMappedFileService: a file for another offset, Cancel and Stop remove the unclaimed file") {
  TempDir dir;
  auto a = std::make_unique<AllocateMappedFileService>();
  a->Start();
  const std::string p1 = dir.Sub(MappedFileName(kFile));
  a->Request(p1, kFile, kFile);
  CHECK(a->Take(2 * kFile, kFile) == nullptr);
  CHECK_FALSE(Exists(p1));

  a->Request(p1, kFile, kFile);
  a->Cancel();
  CHECK_FALSE(Exists(p1));

  a->Request(p1, kFile, kFile);
  CHECK(WaitFor([&] { return Exists(p1); }));
  a->Stop();
  CHECK_FALSE(Exists(p1));
  a->Request(p1, kFile, kFile);  // after Stop: ignored
  CHECK(a->Take(kFile, kFile) == nullptr);
}

TEST_CASE("AllocateMappedFileService: never adopts a file already on disk") {
  TempDir dir;
  const std::string p = dir.Sub(MappedFileName(kFile));
  { std::ofstream(p) << "records"; }
  AllocateMappedFileService a;
  a.Start();
  a.Request(p, kFile, kFile);
  CHECK(a.Take(kFile, kFile) == nullptr);
  CHECK(a.failed() == 1);
  CHECK(fs::file_size(p) == 7);  // untouched
}

TEST_CASE("CommitLog roll takes the prepared file and asks for the next one") {
  TempDir dir;
  CommitLog log(dir.Sub("commitlog"), kFile);
  REQUIRE(log.Load().ok());
  log.StartPreallocation();
  FillTo(&log, 1);
  // The first file was created synchronously (no file before it); its successor is prepared.
  CHECK(WaitFor([&] { return log.allocator()->prepared() >= 1; }));
  CHECK(Exists(dir.Sub("commitlog/" + MappedFileName(kFile))));
  FillTo(&log, 3);
  auto files = log.file_queue()->Files();
  REQUIRE(files.size() == 3);
  CHECK(files[2]->file_from_offset() == 2 * kFile);
  CHECK(WaitFor([&] { return log.allocator()->prepared() >= 3; }));
  CHECK(Exists(dir.Sub("commitlog/" + MappedFileName(3 * kFile))));
  CHECK(log.MaxOffset() < 3 * kFile);  // the prepared file is not part of the log
  CHECK(ScanCommitLog(*log.file_queue(), 0, INT64_MAX, nullptr) == log.MaxOffset());
}

TEST_CASE("CommitLog roll creates the file itself when preparing it failed") {
  TempDir dir;
  CommitLog log(dir.Sub("commitlog"), kFile);
  REQUIRE(log.Load().ok());
  log.StartPreallocation([](const std::string&, int64_t, int64_t) -> Result<std::shared_ptr<MappedFile>> {
    return Status::IOError("no space left on device (test)");
  });
  FillTo(&log, 3);
  CHECK(log.allocator()->prepared() == 0);
  CHECK(log.allocator()->failed() >= 1);
  CHECK(log.file_queue()->Files().size() == 3);
}

TEST_CASE("TruncateDirty drops a prepared file beyond the new end and prepares the right one") {
  TempDir dir;
  CommitLog log(dir.Sub("commitlog"), kFile);
  REQUIRE(log.Load().ok());
  log.StartPreallocation();
  FillTo(&log, 2);
  CHECK(WaitFor([&] { return log.allocator()->prepared() >= 2; }));
  const std::string second = dir.Sub("commitlog/" + MappedFileName(kFile));
  const std::string third = dir.Sub("commitlog/" + MappedFileName(2 * kFile));
  REQUIRE(Exists(third));
  REQUIRE(log.file_queue()->TruncateDirty(1000).ok());
  CHECK_FALSE(Exists(third));
  CHECK(log.file_queue()->Files().size() == 1);
  // The file after the new last one is prepared afresh (empty), then taken at the roll.
  CHECK(WaitFor([&] { return Exists(second); }));
  FillTo(&log, 2);
  auto files = log.file_queue()->Files();
  REQUIRE(files.size() == 2);
  RecordView v;
  CHECK(DecodeRecord(files[1]->ReadFrom(0), &v).ok());
  CHECK(v.physical_offset == kFile);
}

// What a crash between preparing a file and rolling into it leaves: an empty full-size file
// after the last one.
void LeavePreparedFile(const std::string& root, int64_t offset) {
  const std::string p = root + "/commitlog/" + MappedFileName(offset);
  auto f = MappedFile::Open(p, offset, kFile);
  REQUIRE(f.ok());
}

TEST_CASE("A prepared empty file on disk at startup is harmless for recovery and verify") {
  for (bool crashed : {true, false}) {
    CAPTURE(crashed);
    TempDir dir;
    int64_t max_phy = 0;
    {
      MessageStore store(SmallConfig(dir.path()));
      REQUIRE(store.Open().ok());
      auto m = MakeMessage("T", std::string(900, 'y'));
      for (int i = 0; i < 100; ++i) REQUIRE(store.PutMessage(m.View()).status == PutMessageStatus::kPutOk);
      max_phy = store.GetMaxPhyOffset();
      store.Shutdown();
    }
    const int64_t next = (max_phy / kFile + 1) * kFile;
    CHECK_FALSE(Exists(dir.Sub("commitlog/" + MappedFileName(next))));  // clean shutdown removed it
    LeavePreparedFile(dir.path(), next);
    if (crashed) { std::ofstream(dir.Sub("abort")) << ""; }

    VerifyReport report;
    REQUIRE(VerifyStore(dir.path(), &report).ok());
    CHECK(report.problems.empty());
    CHECK(report.records == 100);

    MessageStore store(SmallConfig(dir.path()));
    REQUIRE(store.Open().ok());
    CHECK(store.GetMaxPhyOffset() == max_phy);
    CHECK(store.GetMaxOffsetInQueue("T", 0) == 100);
    auto got = store.GetMessage("T", 0, 99, 1, nullptr);
    CHECK(got.status == GetMessageStatus::kFound);
    auto m = MakeMessage("T", std::string(900, 'z'));
    auto put = store.PutMessage(m.View());
    CHECK(put.status == PutMessageStatus::kPutOk);
    CHECK(put.wrote_offset == max_phy);  // appended right after the recovered end, not in the stale file
  }
}

TEST_CASE("A prepared empty file after a full last file becomes the empty last file") {
  TempDir dir;
  int64_t max_phy = 0;
  {
    MessageStore store(SmallConfig(dir.path()));
    REQUIRE(store.Open().ok());
    auto m = MakeMessage("T", std::string(900, 'y'));
    while (store.GetMaxPhyOffset() < kFile) REQUIRE(store.PutMessage(m.View()).status == PutMessageStatus::kPutOk);
    max_phy = store.GetMaxPhyOffset();
    store.Shutdown();
  }
  // Cut the log back to exactly the end of its first file (which ends with a blank record).
  fs::remove(dir.Sub("commitlog/" + MappedFileName(kFile)));
  fs::remove_all(dir.Sub("consumequeue"));
  LeavePreparedFile(dir.path(), kFile);
  std::ofstream(dir.Sub("abort")) << "";
  MessageStore store(SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  CHECK(store.GetMaxPhyOffset() == kFile);
  auto m = MakeMessage("T", "after");
  auto put = store.PutMessage(m.View());
  REQUIRE(put.status == PutMessageStatus::kPutOk);
  CHECK(put.wrote_offset == kFile);
  CHECK(max_phy > kFile);
}

}  // namespace
}  // namespace rmq::store
