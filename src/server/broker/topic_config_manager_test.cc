#include <doctest/doctest.h>

#include "server/file_util.h"

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <utility>
#include <vector>
#include <fstream>

#include "common/json.h"
#include "common/temp_dir.h"
#include "server/broker/topic_config_manager.h"

using namespace rmq;
using namespace rmq::server;

namespace {


void WriteFile(const std::string& path, const std::string& data) { std::ofstream(path, std::ios::binary) << data; }

rapidjson::Document ParseFile(const std::string& path) {
  std::string text;
  FlushPersistQueue();
  REQUIRE(ReadFileToString(path, &text).ok());
  rapidjson::Document doc;
  REQUIRE(rmq::json::Parse(text, &doc).ok());
  return doc;
}

TopicConfig Topic(const std::string& name, int32_t queues, int32_t perm = kPermRead | kPermWrite) {
  TopicConfig tc;
  tc.topic_name = name;
  tc.read_queue_nums = queues;
  tc.write_queue_nums = queues;
  tc.perm = perm;
  return tc;
}

}  // namespace

// ---- topic names ----------------------------------------------------------------------------

TEST_CASE("topic names: valid characters") {
  std::string why;
  for (const char* t : {"T", "TopicTest", "a-b_c", "%RETRY%group", "%DLQ%g", "A|B", "0123456789"}) {
    INFO("topic: ", std::string(t));
    CHECK(IsValidTopicName(t, &why));
  }
}

TEST_CASE("topic names: blank and illegal characters") {
  std::string why;
  CHECK_FALSE(IsValidTopicName("", &why));
  CHECK(why == "The specified topic is blank.");
  for (const char* t : {"a b", "a.b", "a/b", "a@b", "中文", "a\nb", "a:b"}) {
    INFO("topic: ", std::string(t));
    CHECK_FALSE(IsValidTopicName(t, &why));
    CHECK(why.find("illegal characters") != std::string::npos);
  }
}

TEST_CASE("topic names: length limits 127, retry and DLQ 255") {
  std::string why;
  CHECK(IsValidTopicName(std::string(127, 'a'), &why));
  CHECK_FALSE(IsValidTopicName(std::string(128, 'a'), &why));
  CHECK(why.find("127") != std::string::npos);
  CHECK(IsValidTopicName("%RETRY%" + std::string(248, 'a'), &why));
  CHECK_FALSE(IsValidTopicName("%RETRY%" + std::string(249, 'a'), &why));
  CHECK(IsValidTopicName("%DLQ%" + std::string(250, 'a'), &why));
  CHECK_FALSE(IsValidTopicName("%DLQ%" + std::string(251, 'a'), &why));
}

TEST_CASE("topic names: system topics and topics a client may not send to") {
  CHECK(IsNotAllowedSendTopic("SCHEDULE_TOPIC_XXXX"));
  CHECK(IsNotAllowedSendTopic("RMQ_SYS_TRANS_HALF_TOPIC"));
  CHECK(IsNotAllowedSendTopic("OFFSET_MOVED_EVENT"));
  CHECK(IsNotAllowedSendTopic("TBW102"));  // rmqd's addition (Java 4.9.7 accepts the send)
  CHECK_FALSE(IsNotAllowedSendTopic("TopicTest"));
  CHECK(IsSystemTopic("TBW102"));
  CHECK(IsSystemTopic("rmq_sys_anything"));
  CHECK(IsSystemTopic("SCHEDULE_TOPIC_XXXX"));
  CHECK_FALSE(IsSystemTopic("TopicTest"));
}

// ---- TopicConfigManager ---------------------------------------------------------------------

TEST_CASE("topics: Load creates Java's system topics") {
  TempDir dir;
  BrokerConfig cfg;
  TopicConfigManager m(cfg, dir.Path("topics.json"));
  REQUIRE(m.Load().ok());
  const TopicConfig* tbw = m.Find("TBW102");
  REQUIRE(tbw != nullptr);
  CHECK(tbw->perm == (kPermInherit | kPermRead | kPermWrite));
  CHECK(tbw->write_queue_nums == 8);
  CHECK(m.Find("SELF_TEST_TOPIC") != nullptr);
  CHECK(m.Find("BenchmarkTest") != nullptr);
  CHECK(m.Find("OFFSET_MOVED_EVENT") != nullptr);
  REQUIRE(m.Find("SCHEDULE_TOPIC_XXXX") != nullptr);
  CHECK(m.Find("SCHEDULE_TOPIC_XXXX")->read_queue_nums == 18);
  CHECK(m.Find("DefaultCluster") != nullptr);
  CHECK(m.Find("broker-a") != nullptr);
  CHECK(m.Find("DefaultCluster_REPLY_TOPIC") != nullptr);
  CHECK(m.Find("RMQ_SYS_TRACE_TOPIC") == nullptr);  // traceTopicEnable=false
  // 5.x TopicConfigManager.init with timerWheelEnable (on by default): one queue, RW.
  const TopicConfig* timer = m.Find("rmq_sys_wheel_timer");
  REQUIRE(timer != nullptr);
  CHECK(timer->read_queue_nums == 1);
  CHECK(timer->write_queue_nums == 1);
  CHECK(timer->perm == (kPermRead | kPermWrite));
  CHECK(IsSystemTopic("rmq_sys_wheel_timer"));
  CHECK(m.dirty());  // no file yet: written at the broker's next persist tick
  CHECK(m.PersistIfDirty());
  FlushPersistQueue();
  CHECK(std::filesystem::exists(dir.Path("topics.json")));
}

TEST_CASE("topics: no rmq_sys_wheel_timer when timerWheelEnable is off") {
  TempDir dir;
  BrokerConfig cfg;
  cfg.timer_wheel_enable = false;
  TopicConfigManager m(cfg, dir.Path("topics.json"));
  REQUIRE(m.Load().ok());
  CHECK(m.Find("rmq_sys_wheel_timer") == nullptr);
}

TEST_CASE("topics: no TBW102 when auto-creation is off") {
  TempDir dir;
  BrokerConfig cfg;
  cfg.auto_create_topic_enable = false;
  TopicConfigManager m(cfg, dir.Path("topics.json"));
  REQUIRE(m.Load().ok());
  CHECK(m.Find("TBW102") == nullptr);
}

TEST_CASE("topics: persist and load round trip in Java's shape") {
  TempDir dir;
  BrokerConfig cfg;
  std::string path = dir.Path("config/topics.json");
  {
    TopicConfigManager m(cfg, path);
    REQUIRE(m.Load().ok());
    TopicConfig tc = Topic("Orders", 4, kPermRead);
    tc.order = true;
    tc.topic_sys_flag = 1;
    m.Update(tc);
    m.PersistIfDirty();  // the leading edge may already have written it
  }
  auto doc = ParseFile(path);
  REQUIRE(doc["dataVersion"].IsObject());
  CHECK(doc["dataVersion"].HasMember("counter"));
  CHECK(doc["dataVersion"].HasMember("timestamp"));
  const auto& o = doc["topicConfigTable"]["Orders"];
  CHECK(std::string(o["topicName"].GetString()) == "Orders");
  CHECK(o["readQueueNums"].GetInt() == 4);
  CHECK(o["writeQueueNums"].GetInt() == 4);
  CHECK(o["perm"].GetInt() == kPermRead);
  CHECK(o["order"].GetBool());
  CHECK(std::string(o["topicFilterType"].GetString()) == "SINGLE_TAG");
  CHECK(o["topicSysFlag"].GetInt() == 1);

  TopicConfigManager m(cfg, path);
  REQUIRE(m.Load().ok());
  const TopicConfig* tc = m.Find("Orders");
  REQUIRE(tc != nullptr);
  CHECK(tc->perm == kPermRead);
  CHECK(tc->order);
  CHECK(tc->topic_sys_flag == 1);
}

TEST_CASE("topics: loading a Java-written topics.json") {
  TempDir dir;
  BrokerConfig cfg;
  std::string path = dir.Path("topics.json");
  WriteFile(path, R"({
	"dataVersion":{"counter":7,"stateVersion":0,"timestamp":1700000000000},
	"topicConfigTable":{
		"TopicTest":{"order":false,"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG",
			"topicName":"TopicTest","topicSysFlag":0,"writeQueueNums":4}
	}
})");
  TopicConfigManager m(cfg, path);
  REQUIRE(m.Load().ok());
  REQUIRE(m.Find("TopicTest") != nullptr);
  CHECK(m.Find("TopicTest")->write_queue_nums == 4);
  CHECK(m.data_version().counter == 8);  // continues from the file's, bumped by Load
}

TEST_CASE("topics: .bak fallback") {
  TempDir dir;
  BrokerConfig cfg;
  std::string path = dir.Path("topics.json");
  WriteFile(path + ".bak", R"({"topicConfigTable":{"FromBak":{"topicName":"FromBak","readQueueNums":2,"writeQueueNums":2}}})");
  TopicConfigManager m(cfg, path);
  REQUIRE(m.Load().ok());
  REQUIRE(m.Find("FromBak") != nullptr);
  CHECK(m.Find("FromBak")->read_queue_nums == 2);
}

TEST_CASE("topics: corrupt topics.json is an error") {
  TempDir dir;
  BrokerConfig cfg;
  std::string path = dir.Path("topics.json");
  WriteFile(path, "[1,2");
  TopicConfigManager m(cfg, path);
  CHECK(m.Load().IsCorruption());
}

TEST_CASE("topics: a non-object document is an error") {
  TempDir dir;
  BrokerConfig cfg;
  std::string path = dir.Path("topics.json");
  WriteFile(path, "[1,2]");
  TopicConfigManager m(cfg, path);
  CHECK(m.Load().IsCorruption());
}

TEST_CASE("topics: Update and Delete bump the data version and notify") {
  TempDir dir;
  BrokerConfig cfg;
  TopicConfigManager m(cfg, dir.Path("topics.json"));
  REQUIRE(m.Load().ok());
  int changes = 0;
  std::vector<std::pair<std::string, bool>> seen;
  m.SetOnChange([&](const std::string& topic, bool deleted) {
    ++changes;
    seen.emplace_back(topic, deleted);
  });
  int64_t c0 = m.data_version().counter;
  m.Update(Topic("T", 4));
  CHECK(m.data_version().counter == c0 + 1);
  CHECK(m.Delete("T"));
  CHECK(m.data_version().counter == c0 + 2);
  CHECK_FALSE(m.Delete("T"));
  CHECK(m.data_version().counter == c0 + 2);
  CHECK(changes == 2);
  REQUIRE(seen.size() == 2);
  CHECK(seen[0] == std::make_pair(std::string("T"), false));
  CHECK(seen[1] == std::make_pair(std::string("T"), true));
}

// ---- coalesced persistence ------------------------------------------------------------------

TEST_CASE("topics: 20,000 creates encode topics.json once per persist tick, not once per create") {
  TempDir dir;
  BrokerConfig cfg;
  std::string path = dir.Path("topics.json");
  TopicConfigManager m(cfg, path);
  REQUIRE(m.Load().ok());
  REQUIRE(m.PersistIfDirty());
  const uint64_t w0 = m.persist_writes();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 20000; ++i) m.Update(Topic("Scale_" + std::to_string(i), 4));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // At most one leading-edge write per elapsed second (none when the loop took under a second).
  CHECK(static_cast<double>(m.persist_writes() - w0) <= seconds + 1);
  m.PersistIfDirty();
  const uint64_t w1 = m.persist_writes();
  CHECK(w1 - w0 <= static_cast<uint64_t>(seconds) + 2);
  CHECK_FALSE(m.PersistIfDirty());  // nothing new: no second write
  CHECK(m.persist_writes() == w1);
  auto doc = ParseFile(path);
  CHECK(doc["topicConfigTable"].MemberCount() == m.table().size());
  CHECK(doc["topicConfigTable"].HasMember("Scale_19999"));
  CHECK(doc["dataVersion"]["counter"].GetInt64() == m.data_version().counter);
}

TEST_CASE("topics: an isolated create is queued for disk at once, the burst after it at the tick") {
  TempDir dir;
  BrokerConfig cfg;
  std::string path = dir.Path("topics.json");
  {
    TopicConfigManager m(cfg, path);
    REQUIRE(m.Load().ok());
    REQUIRE(m.PersistIfDirty());
  }
  FlushPersistQueue();
  TopicConfigManager m(cfg, path);
  REQUIRE(m.Load().ok());
  REQUIRE_FALSE(m.dirty());
  m.Update(Topic("First", 1));  // nothing written by this manager yet: the leading edge
  CHECK(m.persist_writes() == 1);
  CHECK_FALSE(m.dirty());
  CHECK(ParseFile(path)["topicConfigTable"].HasMember("First"));
  m.Update(Topic("Second", 1));  // within the tick: coalesced
  CHECK(m.persist_writes() == 1);
  CHECK(m.dirty());
  CHECK(m.PersistIfDirty());
  CHECK(ParseFile(path)["topicConfigTable"].HasMember("Second"));
}

TEST_CASE("topics: a delete reaches topics.json by the next tick") {
  TempDir dir;
  BrokerConfig cfg;
  std::string path = dir.Path("topics.json");
  TopicConfigManager m(cfg, path);
  REQUIRE(m.Load().ok());
  m.Update(Topic("Gone", 1));
  m.PersistIfDirty();
  REQUIRE(ParseFile(path)["topicConfigTable"].HasMember("Gone"));
  REQUIRE(m.Delete("Gone"));
  m.PersistIfDirty();
  CHECK_FALSE(ParseFile(path)["topicConfigTable"].HasMember("Gone"));
}

TEST_CASE("topics: loading an up-to-date topics.json does not rewrite it") {
  TempDir dir;
  BrokerConfig cfg;
  std::string path = dir.Path("topics.json");
  {
    TopicConfigManager m(cfg, path);
    REQUIRE(m.Load().ok());
    m.Update(Topic("Kept", 2));
    m.PersistIfDirty();
  }
  FlushPersistQueue();
  TopicConfigManager m(cfg, path);
  REQUIRE(m.Load().ok());
  CHECK_FALSE(m.dirty());
  REQUIRE(m.Find("Kept") != nullptr);
}

TEST_CASE("topics: loading a file without the system topics rewrites it once") {
  TempDir dir;
  BrokerConfig cfg;
  std::string path = dir.Path("topics.json");
  WriteFile(path, R"({"topicConfigTable":{"Only":{"topicName":"Only","readQueueNums":2,"writeQueueNums":2}}})");
  TopicConfigManager m(cfg, path);
  REQUIRE(m.Load().ok());
  CHECK(m.dirty());
  CHECK(m.PersistIfDirty());
  CHECK(ParseFile(path)["topicConfigTable"].HasMember("TBW102"));
}

// ---- auto-creation from TBW102 --------------------------------------------------------------

TEST_CASE("topics: auto-create from TBW102 drops INHERIT and caps queues") {
  TempDir dir;
  BrokerConfig cfg;  // TBW102 gets defaultTopicQueueNums = 8
  TopicConfigManager m(cfg, dir.Path("topics.json"));
  REQUIRE(m.Load().ok());
  const TopicConfig* tc = m.CreateTopicInSendMessageMethod("NewTopic", "TBW102", 16, 0);
  REQUIRE(tc != nullptr);
  CHECK(tc->topic_name == "NewTopic");
  CHECK(tc->perm == (kPermRead | kPermWrite));
  CHECK_FALSE(IsInherited(tc->perm));
  CHECK(tc->write_queue_nums == 8);
  CHECK(tc->read_queue_nums == 8);
}

TEST_CASE("topics: auto-create with fewer queues than TBW102") {
  TempDir dir;
  BrokerConfig cfg;
  TopicConfigManager m(cfg, dir.Path("topics.json"));
  REQUIRE(m.Load().ok());
  const TopicConfig* tc = m.CreateTopicInSendMessageMethod("Small", "TBW102", 4, 0);
  REQUIRE(tc != nullptr);
  CHECK(tc->write_queue_nums == 4);
}

TEST_CASE("topics: auto-create keeps the sys flag and persists") {
  TempDir dir;
  BrokerConfig cfg;
  std::string path = dir.Path("topics.json");
  TopicConfigManager m(cfg, path);
  REQUIRE(m.Load().ok());
  REQUIRE(m.CreateTopicInSendMessageMethod("Flagged", "TBW102", 4, 3) != nullptr);
  CHECK(m.Find("Flagged")->topic_sys_flag == 3);
  m.PersistIfDirty();
  CHECK(ParseFile(path)["topicConfigTable"].HasMember("Flagged"));
}

TEST_CASE("topics: existing topic is returned unchanged") {
  TempDir dir;
  BrokerConfig cfg;
  TopicConfigManager m(cfg, dir.Path("topics.json"));
  REQUIRE(m.Load().ok());
  m.Update(Topic("Existing", 2, kPermRead));
  const TopicConfig* tc = m.CreateTopicInSendMessageMethod("Existing", "TBW102", 8, 0);
  REQUIRE(tc != nullptr);
  CHECK(tc->write_queue_nums == 2);
  CHECK(tc->perm == kPermRead);
}

TEST_CASE("topics: no auto-create from a default topic without INHERIT") {
  TempDir dir;
  BrokerConfig cfg;
  TopicConfigManager m(cfg, dir.Path("topics.json"));
  REQUIRE(m.Load().ok());
  m.Update(Topic("Plain", 4));
  CHECK(m.CreateTopicInSendMessageMethod("X", "Plain", 4, 0) == nullptr);
  CHECK(m.Find("X") == nullptr);
}

TEST_CASE("topics: no auto-create from a missing default topic") {
  TempDir dir;
  BrokerConfig cfg;
  cfg.auto_create_topic_enable = false;
  TopicConfigManager m(cfg, dir.Path("topics.json"));
  REQUIRE(m.Load().ok());
  CHECK(m.CreateTopicInSendMessageMethod("X", "TBW102", 4, 0) == nullptr);
}

TEST_CASE("topics: TBW102 left in topics.json does not auto-create when disabled") {
  TempDir dir;
  std::string path = dir.Path("topics.json");
  {
    BrokerConfig on;
    TopicConfigManager m(on, path);
    REQUIRE(m.Load().ok());
    REQUIRE(m.PersistIfDirty());
  }
  BrokerConfig off;
  off.auto_create_topic_enable = false;
  TopicConfigManager m(off, path);
  REQUIRE(m.Load().ok());
  CHECK(m.CreateTopicInSendMessageMethod("X", "TBW102", 4, 0) == nullptr);
}

TEST_CASE("topics: cluster-name topic can be a default topic") {
  TempDir dir;
  BrokerConfig cfg;
  TopicConfigManager m(cfg, dir.Path("topics.json"));
  REQUIRE(m.Load().ok());
  const TopicConfig* tc = m.CreateTopicInSendMessageMethod("ViaCluster", "DefaultCluster", 32, 0);
  REQUIRE(tc != nullptr);
  CHECK(tc->write_queue_nums == 16);
  CHECK(tc->perm == (kPermRead | kPermWrite));
}

TEST_CASE("topics: CreateTopicIfAbsent for retry topics") {
  TempDir dir;
  BrokerConfig cfg;
  TopicConfigManager m(cfg, dir.Path("topics.json"));
  REQUIRE(m.Load().ok());
  const TopicConfig* tc = m.CreateTopicIfAbsent("%RETRY%G", 1, kPermRead | kPermWrite);
  REQUIRE(tc != nullptr);
  CHECK(tc->read_queue_nums == 1);
  const TopicConfig* again = m.CreateTopicIfAbsent("%RETRY%G", 8, kPermRead);
  CHECK(again->read_queue_nums == 1);
  CHECK(again->perm == (kPermRead | kPermWrite));
}
