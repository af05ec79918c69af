#include "store/store_verify.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "common/coding.h"
#include "store/mapped_file.h"
#include "store/store_test_util.h"

namespace rmq::store {
namespace {

using testing::MakeMessage;
using testing::OwnedMessage;
using testing::SmallConfig;
using testing::TempDir;

void WriteAt(const std::string& path, int64_t pos, const std::string& bytes) {
  FILE* f = std::fopen(path.c_str(), "r+b");
  REQUIRE(f != nullptr);
  std::fseek(f, static_cast<long>(pos), SEEK_SET);
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

// A closed store with 30 messages over two topics and three queues.
void BuildStore(const std::string& root) {
  MessageStore store(SmallConfig(root));
  REQUIRE(store.Open().ok());
  for (int i = 0; i < 30; ++i) {
    OwnedMessage m = MakeMessage(i % 2 ? "TopicA" : "TopicB", "body-" + std::to_string(i), "tag");
    REQUIRE(store.PutMessage(m.View(i % 3)).status == PutMessageStatus::kPutOk);
  }
}

TEST_CASE("VerifyStore: a store written by MessageStore is consistent") {
  TempDir dir;
  BuildStore(dir.path());
  VerifyReport r;
  REQUIRE(VerifyStore(dir.path(), &r).ok());
  CHECK(r.ok());
  CHECK(r.records == 30);
  CHECK(r.cq_entries == 30);
  CHECK(ListConsumeQueues(dir.path()).size() == 6);
}

TEST_CASE("VerifyStore: a ConsumeQueue entry with the wrong size is reported") {
  TempDir dir;
  BuildStore(dir.path());
  std::string size;
  PutFixed32(&size, 7);
  WriteAt(dir.Sub("consumequeue/TopicA/1/" + MappedFileName(0)), 8, size);  // entry 0's size
  VerifyReport r;
  REQUIRE(VerifyStore(dir.path(), &r).ok());
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].find("consumequeue TopicA/1 offset 0") != std::string::npos);
  CHECK(r.problems[0].find("size 7") != std::string::npos);
}

TEST_CASE("VerifyStore: a ConsumeQueue entry pointing between records is reported") {
  TempDir dir;
  BuildStore(dir.path());
  std::string off;
  PutFixed64(&off, 5);
  WriteAt(dir.Sub("consumequeue/TopicB/0/" + MappedFileName(0)), 0, off);
  VerifyReport r;
  REQUIRE(VerifyStore(dir.path(), &r).ok());
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].find("no record starts there") != std::string::npos);
}

TEST_CASE("VerifyStore: a damaged CommitLog record is reported and its entries dangle") {
  TempDir dir;
  BuildStore(dir.path());
  WriteAt(dir.Sub("commitlog/" + MappedFileName(0)), 4, "\x12\x34\x56\x78");  // first record's magic
  VerifyReport r;
  REQUIRE(VerifyStore(dir.path(), &r).ok());
  CHECK(!r.ok());
  CHECK(r.records == 0);
  CHECK(r.problems[0].find("commitlog offset 0") != std::string::npos);
}

TEST_CASE("WalkCommitLog: --from starts at a record and the visitor can stop") {
  TempDir dir;
  BuildStore(dir.path());
  std::vector<int64_t> offsets;
  std::vector<std::string> problems;
  REQUIRE(WalkCommitLog(dir.path(), -1, [&](const RecordView&, int64_t o) {
    offsets.push_back(o);
    return true;
  }, &problems).ok());
  REQUIRE(offsets.size() == 30);
  std::vector<int64_t> tail;
  REQUIRE(WalkCommitLog(dir.path(), offsets[10], [&](const RecordView&, int64_t o) {
    tail.push_back(o);
    return tail.size() < 3;
  }, &problems).ok());
  CHECK(tail == std::vector<int64_t>{offsets[10], offsets[11], offsets[12]});
  CHECK(problems.empty());
}

TEST_CASE("VerifyStore: a missing store directory is an error, not a crash") {
  TempDir dir;
  VerifyReport r;
  CHECK(!VerifyStore(dir.Sub("nope"), &r).ok());
}

}  // namespace
}  // namespace rmq::store
