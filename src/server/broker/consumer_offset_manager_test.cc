#include <doctest/doctest.h>

#include "server/file_util.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "common/temp_dir.h"
#include "server/broker/consumer_offset_manager.h"
#include "server/config.h"

using namespace rmq;
using namespace rmq::server;

namespace {


void WriteFile(const std::string& path, const std::string& data) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << data;
}

std::string ReadFile(const std::string& path) {
  std::string s;
  FlushPersistQueue();
  REQUIRE(ReadFileToString(path, &s).ok());
  return s;
}

}  // namespace

TEST_CASE("offsets: commit and query") {
  ConsumerOffsetManager m("/nonexistent/never-written.json");
  CHECK(m.QueryOffset("g", "T", 0) == -1);
  m.CommitOffset("g", "T", 0, 12);
  m.CommitOffset("g", "T", 1, 7);
  m.CommitOffset("g", "T", 0, 13);
  CHECK(m.QueryOffset("g", "T", 0) == 13);
  CHECK(m.QueryOffset("g", "T", 1) == 7);
  CHECK(m.QueryOffset("g", "T", 2) == -1);
  CHECK(m.QueryOffset("other", "T", 0) == -1);
  CHECK(m.QueryOffsets("g", "T") == std::map<int32_t, int64_t>{{0, 13}, {1, 7}});
  CHECK(m.QueryOffsets("g", "U").empty());
}

TEST_CASE("offsets: Encode is Java's shape with unquoted queue ids") {
  ConsumerOffsetManager m("unused");
  m.CommitOffset("g", "T", 1, 7);
  m.CommitOffset("g", "T", 0, 12);
  m.CommitOffset("g2", "%RETRY%g2", 0, 0);
  CHECK(m.Encode() == R"({"offsetTable":{"%RETRY%g2@g2":{0:0},"T@g":{0:12,1:7}}})");
}

TEST_CASE("offsets: empty table encodes as an empty object") {
  ConsumerOffsetManager m("unused");
  CHECK(m.Encode() == R"({"offsetTable":{}})");
}

TEST_CASE("offsets: persist and load round trip") {
  TempDir dir;
  std::string path = dir.Path("config/consumerOffset.json");
  {
    ConsumerOffsetManager m(path);
    REQUIRE(m.Load().ok());
    m.CommitOffset("g", "T", 0, 12);
    m.CommitOffset("g", "T", 3, 9000000000LL);
    m.PersistIfDirty();
  }
  CHECK(ReadFile(path) == R"({"offsetTable":{"T@g":{0:12,3:9000000000}}})");
  ConsumerOffsetManager m(path);
  REQUIRE(m.Load().ok());
  CHECK(m.QueryOffset("g", "T", 0) == 12);
  CHECK(m.QueryOffset("g", "T", 3) == 9000000000LL);
}

TEST_CASE("offsets: PersistIfDirty writes only after a change") {
  TempDir dir;
  std::string path = dir.Path("consumerOffset.json");
  ConsumerOffsetManager m(path);
  m.PersistIfDirty();
  FlushPersistQueue();
  CHECK_FALSE(std::filesystem::exists(path));
  m.CommitOffset("g", "T", 0, 1);
  m.PersistIfDirty();
  FlushPersistQueue();
  CHECK(std::filesystem::exists(path));
  std::filesystem::remove(path);
  m.PersistIfDirty();  // clean again: no write
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("offsets: loading a Java-written consumerOffset.json") {
  TempDir dir;
  std::string path = dir.Path("consumerOffset.json");
  WriteFile(path, "{\n\t\"offsetTable\":{\n\t\t\"T@g\":{0:42,1:17\n\t\t},\n\t\t\"%RETRY%g@g\":{0:0}\n\t}\n}");
  ConsumerOffsetManager m(path);
  REQUIRE(m.Load().ok());
  CHECK(m.QueryOffset("g", "T", 0) == 42);
  CHECK(m.QueryOffset("g", "T", 1) == 17);
  CHECK(m.QueryOffset("g", "%RETRY%g", 0) == 0);
}

TEST_CASE("offsets: the compact Java form loads too") {
  TempDir dir;
  std::string path = dir.Path("consumerOffset.json");
  WriteFile(path, R"({"offsetTable":{"T@g":{0:42,1:17}}})");
  ConsumerOffsetManager m(path);
  REQUIRE(m.Load().ok());
  CHECK(m.QueryOffsets("g", "T") == std::map<int32_t, int64_t>{{0, 42}, {1, 17}});
}

TEST_CASE("offsets: missing file loads empty") {
  TempDir dir;
  ConsumerOffsetManager m(dir.Path("consumerOffset.json"));
  CHECK(m.Load().ok());
  CHECK(m.Encode() == R"({"offsetTable":{}})");
}

TEST_CASE("offsets: .bak is used when the file is missing") {
  TempDir dir;
  std::string path = dir.Path("consumerOffset.json");
  WriteFile(path + ".bak", R"({"offsetTable":{"T@g":{0:5}}})");
  ConsumerOffsetManager m(path);
  REQUIRE(m.Load().ok());
  CHECK(m.QueryOffset("g", "T", 0) == 5);
}

TEST_CASE("offsets: .bak is used when the file is empty") {
  TempDir dir;
  std::string path = dir.Path("consumerOffset.json");
  WriteFile(path, "");
  WriteFile(path + ".bak", R"({"offsetTable":{"T@g":{0:6}}})");
  ConsumerOffsetManager m(path);
  REQUIRE(m.Load().ok());
  CHECK(m.QueryOffset("g", "T", 0) == 6);
}

TEST_CASE("offsets: a second persist keeps the previous file as .bak") {
  TempDir dir;
  std::string path = dir.Path("consumerOffset.json");
  ConsumerOffsetManager m(path);
  m.CommitOffset("g", "T", 0, 1);
  m.PersistIfDirty();
  FlushPersistQueue();  // queued writes to one path coalesce; let the first one land
  m.CommitOffset("g", "T", 0, 2);
  m.PersistIfDirty();
  CHECK(ReadFile(path + ".bak") == R"({"offsetTable":{"T@g":{0:1}}})");
  CHECK(ReadFile(path) == R"({"offsetTable":{"T@g":{0:2}}})");
}

TEST_CASE("offsets: corrupt file is an error, not a crash") {
  TempDir dir;
  std::string path = dir.Path("consumerOffset.json");
  WriteFile(path, R"({"offsetTable":{"T@g":{0:)");
  ConsumerOffsetManager m(path);
  CHECK(m.Load().IsCorruption());
}

TEST_CASE("offsets: wrong-typed entries are skipped") {
  TempDir dir;
  std::string path = dir.Path("consumerOffset.json");
  WriteFile(path, R"({"offsetTable":{"A@g":[1],"B@g":{"x":1,1:"s",2:3,99999999999:4}}})");
  ConsumerOffsetManager m(path);
  REQUIRE(m.Load().ok());
  CHECK(m.QueryOffsets("g", "B") == std::map<int32_t, int64_t>{{2, 3}});
  CHECK(m.QueryOffsets("g", "A").empty());
}

TEST_CASE("offsets: offsetTable of the wrong type loads empty") {
  TempDir dir;
  std::string path = dir.Path("consumerOffset.json");
  WriteFile(path, R"({"offsetTable":[]})");
  ConsumerOffsetManager m(path);
  CHECK(m.Load().ok());
  CHECK(m.Encode() == R"({"offsetTable":{}})");
}

TEST_CASE("offsets: topics of a group and groups of a topic") {
  ConsumerOffsetManager m("unused");
  m.CommitOffset("g", "T", 0, 1);
  m.CommitOffset("g", "U", 0, 1);
  m.CommitOffset("h", "T", 0, 1);
  m.CommitOffset("gg", "V", 0, 1);
  m.CommitOffset("g", "T@x", 0, 1);  // '@' inside a topic name: the last '@' splits
  CHECK(m.TopicsOfGroup("g") == std::set<std::string>{"T", "U", "T@x"});
  CHECK(m.GroupsOfTopic("T") == std::set<std::string>{"g", "h"});
  CHECK(m.GroupsOfTopic("V") == std::set<std::string>{"gg"});
  CHECK(m.GroupsOfTopic("Nope").empty());
}

TEST_CASE("offsets: RemoveGroup and RemoveTopic match whole names") {
  ConsumerOffsetManager m("unused");
  m.CommitOffset("g", "T", 0, 1);
  m.CommitOffset("gg", "T", 0, 1);
  m.CommitOffset("g", "TT", 0, 1);
  m.RemoveGroup("g");
  CHECK(m.QueryOffset("g", "T", 0) == -1);
  CHECK(m.QueryOffset("g", "TT", 0) == -1);
  CHECK(m.QueryOffset("gg", "T", 0) == 1);
  m.CommitOffset("g", "TT", 0, 1);
  m.RemoveTopic("T");
  CHECK(m.QueryOffset("gg", "T", 0) == -1);
  CHECK(m.QueryOffset("g", "TT", 0) == 1);
}
