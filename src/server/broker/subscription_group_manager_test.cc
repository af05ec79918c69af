#include <doctest/doctest.h>

#include "server/file_util.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "common/json.h"
#include "common/temp_dir.h"
#include "server/broker/subscription_group_manager.h"
#include "server/config.h"

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

}  // namespace

TEST_CASE("subscription groups: Java's built-in groups exist after Load") {
  TempDir dir;
  SubscriptionGroupManager m(dir.Path("subscriptionGroup.json"), false);
  REQUIRE(m.Load().ok());
  for (const char* g : {"TOOLS_CONSUMER", "FILTERSRV_CONSUMER", "SELF_TEST_C_GROUP", "CID_RMQ_SYS_TRANS"}) {
    INFO("group: ", std::string(g));
    CHECK(m.Find(g) != nullptr);
  }
}

TEST_CASE("subscription groups: defaults are Java's") {
  SubscriptionGroupConfig g;
  CHECK(g.consume_enable);
  CHECK(g.consume_from_min_enable);
  CHECK(g.consume_broadcast_enable);
  CHECK(g.retry_queue_nums == 1);
  CHECK(g.retry_max_times == 16);
  CHECK(g.broker_id == 0);
  CHECK(g.which_broker_when_consume_slowly == 1);
  CHECK(g.notify_consumer_ids_changed_enable);
}

TEST_CASE("subscription groups: auto-create when allowed, persisted") {
  TempDir dir;
  std::string path = dir.Path("subscriptionGroup.json");
  SubscriptionGroupManager m(path, true);
  REQUIRE(m.Load().ok());
  const SubscriptionGroupConfig* g = m.FindOrCreate("G1");
  REQUIRE(g != nullptr);
  CHECK(g->group_name == "G1");
  CHECK(g->retry_max_times == 16);
  // Written by the broker's periodic PersistIfDirty, not per creation (N new groups would cost
  // O(N^2) encoding on the loop).
  FlushPersistQueue();
  CHECK_FALSE(std::filesystem::exists(path));
  for (int i = 0; i < 1000; ++i) m.FindOrCreate("G_" + std::to_string(i));
  m.PersistIfDirty();
  auto doc = ParseFile(path);
  CHECK(doc["subscriptionGroupTable"].HasMember("G1"));
  CHECK(doc["subscriptionGroupTable"].HasMember("G_999"));
  CHECK(doc["dataVersion"]["counter"].GetInt64() == 1001);  // one step per created group, as Java
  // Nothing new: no write.
  std::filesystem::remove(path);
  m.PersistIfDirty();
  FlushPersistQueue();
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("subscription groups: no auto-create when disabled") {
  TempDir dir;
  std::string path = dir.Path("subscriptionGroup.json");
  SubscriptionGroupManager m(path, false);
  REQUIRE(m.Load().ok());
  CHECK(m.FindOrCreate("G1") == nullptr);
  CHECK(m.Find("G1") == nullptr);
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("subscription groups: persist and load round trip") {
  TempDir dir;
  std::string path = dir.Path("subscriptionGroup.json");
  {
    SubscriptionGroupManager m(path, false);
    REQUIRE(m.Load().ok());
    SubscriptionGroupConfig g;
    g.group_name = "G2";
    g.consume_enable = false;
    g.retry_max_times = 3;
    g.retry_queue_nums = 2;
    g.broker_id = 1;
    m.Update(g);
  }
  SubscriptionGroupManager m(path, false);
  REQUIRE(m.Load().ok());
  const SubscriptionGroupConfig* g = m.Find("G2");
  REQUIRE(g != nullptr);
  CHECK_FALSE(g->consume_enable);
  CHECK(g->retry_max_times == 3);
  CHECK(g->retry_queue_nums == 2);
  CHECK(g->broker_id == 1);
}

TEST_CASE("subscription groups: file is in Java's shape") {
  SubscriptionGroupConfig g;
  g.group_name = "G";
  std::string out;
  AppendSubscriptionGroupJson(g, &out);
  CHECK(out ==
        R"({"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":true,"consumeFromMinEnable":true,)"
        R"("groupName":"G","notifyConsumerIdsChangedEnable":true,"retryMaxTimes":16,"retryQueueNums":1,)"
        R"("whichBrokerWhenConsumeSlowly":1})");
}

TEST_CASE("subscription groups: loading a Java-written file") {
  TempDir dir;
  std::string path = dir.Path("subscriptionGroup.json");
  WriteFile(path, R"({
	"dataVersion":{"counter":4,"stateVersion":0,"timestamp":1700000000000},
	"subscriptionGroupTable":{
		"please_rename_unique_group_name_4":{
			"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":true,"consumeFromMinEnable":true,
			"groupName":"please_rename_unique_group_name_4","notifyConsumerIdsChangedEnable":true,
			"retryMaxTimes":5,"retryQueueNums":1,"whichBrokerWhenConsumeSlowly":1
		}
	}
})");
  SubscriptionGroupManager m(path, false);
  REQUIRE(m.Load().ok());
  const SubscriptionGroupConfig* g = m.Find("please_rename_unique_group_name_4");
  REQUIRE(g != nullptr);
  CHECK(g->retry_max_times == 5);
  // The data version continues from the file's.
  m.Update(*g);
  CHECK(ParseFile(path)["dataVersion"]["counter"].GetInt64() == 5);
}

TEST_CASE("subscription groups: .bak fallback") {
  TempDir dir;
  std::string path = dir.Path("subscriptionGroup.json");
  WriteFile(path + ".bak", R"({"subscriptionGroupTable":{"G":{"groupName":"G","retryMaxTimes":2}}})");
  SubscriptionGroupManager m(path, false);
  REQUIRE(m.Load().ok());
  REQUIRE(m.Find("G") != nullptr);
  CHECK(m.Find("G")->retry_max_times == 2);
}

TEST_CASE("subscription groups: entries without a group name are skipped") {
  TempDir dir;
  std::string path = dir.Path("subscriptionGroup.json");
  WriteFile(path, R"({"subscriptionGroupTable":{"A":{"retryMaxTimes":2},"B":{"groupName":""},"C":7}})");
  SubscriptionGroupManager m(path, false);
  REQUIRE(m.Load().ok());
  CHECK(m.Find("A") == nullptr);
  CHECK(m.Find("B") == nullptr);
  CHECK(m.Find("C") == nullptr);
}

TEST_CASE("subscription groups: corrupt file is an error") {
  TempDir dir;
  std::string path = dir.Path("subscriptionGroup.json");
  WriteFile(path, "{\"subscriptionGroupTable\":");
  SubscriptionGroupManager m(path, false);
  CHECK(m.Load().IsCorruption());
}

TEST_CASE("subscription groups: Delete") {
  TempDir dir;
  std::string path = dir.Path("subscriptionGroup.json");
  SubscriptionGroupManager m(path, true);
  REQUIRE(m.Load().ok());
  m.FindOrCreate("G");
  CHECK(m.Delete("G"));
  CHECK_FALSE(m.Delete("G"));
  CHECK(m.Find("G") == nullptr);
  CHECK_FALSE(ParseFile(path)["subscriptionGroupTable"].HasMember("G"));
}
