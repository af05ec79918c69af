#include "store/index_service.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "store/commit_log_record.h"
#include "store/message_store.h"
#include "store/store_test_util.h"

namespace rmq::store {
namespace {

namespace fs = std::filesystem;
using testing::OwnedMessage;
using testing::SmallConfig;
using testing::TempDir;

std::string Props(const std::string& keys, const std::string& uniq = "") {
  std::string p;
  if (!keys.empty()) p += "KEYS\x01" + keys + "\x02";
  if (!uniq.empty()) p += "UNIQ_KEY\x01" + uniq + "\x02";
  return p;
}

std::vector<int64_t> Query(const IndexService& s, const std::string& topic, const std::string& key,
                           int32_t max = 64) {
  return s.QueryOffset(topic, key, max, 0, INT64_MAX).phy_offsets;
}

TEST_CASE("FindProperty finds a value, not a prefix of a name") {
  std::string_view v;
  std::string p = std::string("KEYSX\x01no\x02") + "KEYS\x01k1 k2\x02" + "UNIQ_KEY\x01U1";
  REQUIRE(FindProperty(p, "KEYS", &v));
  CHECK(v == "k1 k2");
  REQUIRE(FindProperty(p, "UNIQ_KEY", &v));
  CHECK(v == "U1");
  CHECK(!FindProperty(p, "TAGS", &v));
}

TEST_CASE("IndexFileNameForTime is yyyyMMddHHmmssSSS") {
  std::string n = IndexFileNameForTime(1700000000123);
  CHECK(n.size() == 17);
  CHECK(n.substr(14) == "123");
  CHECK(n.substr(0, 4) == "2023");
}

TEST_CASE("IndexService indexes each KEYS entry and UNIQ_KEY under topic#key") {
  TempDir dir;
  IndexService s(dir.Sub("index"), 16, 64, 64);
  REQUIRE(s.Load(false, 0, 0).ok());
  s.BuildIndex("T", Props("k1  k2", "U1"), 0, 100, 1000);
  s.BuildIndex("T", Props("k1"), 0, 200, 2000);
  s.BuildIndex("Other", Props("k1"), 0, 300, 3000);
  CHECK(Query(s, "T", "k1") == std::vector<int64_t>{200, 100});
  CHECK(Query(s, "T", "k2") == std::vector<int64_t>{100});
  CHECK(Query(s, "T", "U1") == std::vector<int64_t>{100});
  CHECK(Query(s, "Other", "k1") == std::vector<int64_t>{300});
  CHECK(Query(s, "T", "k1", 1) == std::vector<int64_t>{200});
  QueryOffsetResult r = s.QueryOffset("T", "k1", 64, 0, INT64_MAX);
  CHECK(r.index_last_update_phyoffset == 300);
  CHECK(r.index_last_update_timestamp == 3000);
}

TEST_CASE("IndexService skips rollback records and offsets already indexed") {
  TempDir dir;
  IndexService s(dir.Sub("index"), 16, 64, 64);
  REQUIRE(s.Load(false, 0, 0).ok());
  s.BuildIndex("T", Props("k"), 0xC, 100, 1000);  // TRANSACTION_ROLLBACK_TYPE
  s.BuildIndex("T", Props("k"), 0x4, 200, 1000);  // PREPARED is indexed, as in Java
  s.BuildIndex("T", Props("k"), 0, 200, 1000);    // the same record again
  s.BuildIndex("T", Props("k"), 0, 150, 1000);    // below the newest
  CHECK(Query(s, "T", "k") == std::vector<int64_t>{200});
}

TEST_CASE("IndexService rolls to a new file when one is full and queries across files") {
  TempDir dir;
  IndexService s(dir.Sub("index"), 4, 4, 64);  // 3 entries per file
  REQUIRE(s.Load(false, 0, 0).ok());
  for (int i = 1; i <= 10; ++i) s.BuildIndex("T", Props("k"), 0, i * 100, 1000 + i);
  CHECK(s.FileCount() == 4);
  std::vector<int64_t> got = Query(s, "T", "k");
  REQUIRE(got.size() == 10);
  CHECK(got.front() == 1000);
  CHECK(got.back() == 100);
  // Names sort in creation order even when created within one millisecond.
  auto files = s.Files();
  for (size_t i = 1; i < files.size(); ++i) CHECK(files[i - 1]->FileName() < files[i]->FileName());
  CHECK(files[1]->header().begin_phy_offset == 400);
}

TEST_CASE("IndexService query is capped by maxMsgsNumBatch") {
  TempDir dir;
  IndexService s(dir.Sub("index"), 16, 64, 3);
  REQUIRE(s.Load(false, 0, 0).ok());
  for (int i = 1; i <= 10; ++i) s.BuildIndex("T", Props("k"), 0, i * 100, 1000);
  CHECK(Query(s, "T", "k", 32).size() == 3);
}

TEST_CASE("IndexService load: clean reopen keeps files; RebuildFrom is the CommitLog end") {
  TempDir dir;
  {
    IndexService s(dir.Sub("index"), 16, 64, 64);
    REQUIRE(s.Load(false, 0, 0).ok());
    s.BuildIndex("T", Props("k"), 0, 100, 5000);
    int64_t ts = 0;
    REQUIRE(s.Flush(&ts).ok());
    CHECK(ts == 5000);
  }
  IndexService s(dir.Sub("index"), 16, 64, 64);
  REQUIRE(s.Load(false, 0, 1000).ok());
  CHECK(!s.incomplete());
  CHECK(s.RebuildFrom() == 1000);  // nothing to re-index after a clean shutdown
  CHECK(Query(s, "T", "k") == std::vector<int64_t>{100});
}

TEST_CASE("IndexService load after a crash drops files newer than the index checkpoint") {
  TempDir dir;
  {
    IndexService s(dir.Sub("index"), 4, 4, 64);
    REQUIRE(s.Load(false, 0, 0).ok());
    for (int i = 1; i <= 5; ++i) s.BuildIndex("T", Props("k"), 0, i * 100, i * 1000);
    REQUIRE(s.FileCount() == 2);
  }
  IndexService s(dir.Sub("index"), 4, 4, 64);
  REQUIRE(s.Load(true, 3000, 10000).ok());  // first file ends at 3000, second at 5000
  CHECK(s.FileCount() == 1);
  CHECK(s.RebuildFrom() == 300);
  size_t on_disk = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.Sub("index"))) ++on_disk;
  CHECK(on_disk == 1);
}

TEST_CASE("IndexService load drops files that index past the CommitLog end") {
  TempDir dir;
  {
    IndexService s(dir.Sub("index"), 16, 64, 64);
    REQUIRE(s.Load(false, 0, 0).ok());
    s.BuildIndex("T", Props("k"), 0, 500, 1000);
  }
  IndexService s(dir.Sub("index"), 16, 64, 64);
  REQUIRE(s.Load(false, 0, 400).ok());
  CHECK(s.FileCount() == 0);
  CHECK(s.RebuildFrom() == 0);
}

TEST_CASE("IndexService load drops an unusable file and the ones after it") {
  TempDir dir;
  fs::create_directories(dir.Sub("index"));
  { std::ofstream(dir.Sub("index/20240101000000000")) << std::string(100000, 'x'); }  // too large
  { std::ofstream(dir.Sub("index/notes.txt")) << "ignored"; }
  IndexService s(dir.Sub("index"), 16, 64, 64);
  REQUIRE(s.Load(false, 0, 0).ok());
  CHECK(s.FileCount() == 0);
  CHECK(!fs::exists(dir.Sub("index/20240101000000000")));
}

TEST_CASE("IndexService load: incomplete only when the directory was missing or files were dropped") {
  TempDir dir;
  const std::string path = dir.Sub("index");
  {
    IndexService s(path, 4, 4, 64);
    REQUIRE(s.Load(false, 0, 700).ok());
    CHECK(s.incomplete());  // no directory: nothing was ever indexed here
    CHECK(s.RebuildFrom() == 0);
  }
  {
    IndexService s(path, 4, 4, 64);
    REQUIRE(s.Load(false, 0, 700).ok());
    CHECK(!s.incomplete());  // an empty directory: every record so far had no key
    CHECK(s.RebuildFrom() == 700);
    for (int i = 1; i <= 5; ++i) s.BuildIndex("T", Props("k"), 0, i * 100, i * 1000);
  }
  {
    IndexService s(path, 4, 4, 64);
    REQUIRE(s.Load(false, 0, 10000).ok());
    CHECK(!s.incomplete());
    CHECK(s.RebuildFrom() == 10000);
  }
  {
    IndexService s(path, 4, 4, 64);
    REQUIRE(s.Load(true, 3000, 10000).ok());  // a crash drops the second file
    CHECK(s.incomplete());
    CHECK(s.RebuildFrom() == 300);  // the newest surviving entry
  }
  IndexService s(path, 4, 4, 64);
  REQUIRE(s.Load(false, 0, 200).ok());  // the CommitLog was cut below the first file's end
  CHECK(s.incomplete());
  CHECK(s.FileCount() == 0);
  CHECK(s.RebuildFrom() == 0);
}

// ---- through the MessageStore facade -------------------------------------------------------

OwnedMessage Keyed(const std::string& topic, const std::string& body, const std::string& keys,
                   const std::string& uniq) {
  OwnedMessage m;
  m.topic = topic;
  m.body = body;
  m.properties = Props(keys, uniq);
  return m;
}

std::vector<std::string> Bodies(const QueryMessageResult& r) {
  std::vector<std::string> out;
  for (auto rec : r.messages) {
    RecordView v;
    REQUIRE(DecodeRecord(rec, &v).ok());
    out.emplace_back(v.body);
  }
  return out;
}

TEST_CASE("MessageStore::QueryMessage returns whole records in CommitLog order") {
  TempDir dir;
  MessageStore store(SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  for (int i = 0; i < 5; ++i) {
    OwnedMessage m = Keyed("T", "b" + std::to_string(i), i % 2 ? "odd all" : "even all", "U" + std::to_string(i));
    REQUIRE(store.PutMessage(m.View()).status == PutMessageStatus::kPutOk);
  }
  QueryMessageResult r = store.QueryMessage("T", "odd", 32, 0, INT64_MAX);
  CHECK(Bodies(r) == std::vector<std::string>{"b1", "b3"});
  CHECK(r.buffer_total_size == static_cast<int32_t>(r.messages[0].size() + r.messages[1].size()));
  CHECK(Bodies(store.QueryMessage("T", "U4", 32, 0, INT64_MAX)) == std::vector<std::string>{"b4"});
  CHECK(store.QueryMessage("T", "all", 32, 0, INT64_MAX).messages.size() == 5);
  CHECK(store.QueryMessage("T", "missing", 32, 0, INT64_MAX).messages.empty());
  CHECK(store.QueryMessage("T", "all", 32, 0, INT64_MAX).index_last_update_phyoffset > 0);
}

TEST_CASE("MessageStore index survives a clean restart and is rebuilt when deleted") {
  TempDir dir;
  {
    MessageStore store(SmallConfig(dir.path()));
    REQUIRE(store.Open().ok());
    for (int i = 0; i < 100; ++i) {  // rolls several 63-entry index files
      OwnedMessage m = Keyed("T", "b" + std::to_string(i), "k" + std::to_string(i % 7), "");
      REQUIRE(store.PutMessage(m.View()).status == PutMessageStatus::kPutOk);
    }
  }
  {
    MessageStore store(SmallConfig(dir.path()));
    REQUIRE(store.Open().ok());
    CHECK(store.QueryMessage("T", "k3", 64, 0, INT64_MAX).messages.size() == 14);
  }
  fs::remove_all(dir.Sub("index"));
  MessageStore store(SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  CHECK(store.QueryMessage("T", "k3", 64, 0, INT64_MAX).messages.size() == 14);
  CHECK(store.QueryMessage("T", "k0", 64, 0, INT64_MAX).messages.size() == 15);
}

TEST_CASE("MessageStore index after a crash: rebuilt from the CommitLog, no duplicates") {
  TempDir dir;
  TempDir crash_dir;
  const std::string crashed = crash_dir.Sub("store");
  {
    MessageStore store(SmallConfig(dir.path()));
    REQUIRE(store.Open().ok());
    for (int i = 0; i < 100; ++i) {
      OwnedMessage m = Keyed("T", "b" + std::to_string(i), "k" + std::to_string(i % 7), "");
      REQUIRE(store.PutMessage(m.View()).status == PutMessageStatus::kPutOk);
    }
    fs::copy(dir.path(), crashed, fs::copy_options::recursive);  // abort file included
  }
  MessageStore store(SmallConfig(crashed));
  REQUIRE(store.Open().ok());
  CHECK(store.QueryMessage("T", "k3", 64, 0, INT64_MAX).messages.size() == 14);
  OwnedMessage m = Keyed("T", "after", "k3", "");
  REQUIRE(store.PutMessage(m.View()).status == PutMessageStatus::kPutOk);
  CHECK(store.QueryMessage("T", "k3", 64, 0, INT64_MAX).messages.size() == 15);
}

}  // namespace
}  // namespace rmq::store
