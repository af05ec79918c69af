#include <doctest/doctest.h>

#include <algorithm>

#include <rapidjson/document.h>

#include "common/json.h"
#include "server/namesrv/route_info_manager.h"

using namespace rmq::server;

namespace {

constexpr const char* kMasterAddr = "10.0.0.1:10911";
constexpr const char* kSlaveAddr = "10.0.0.2:10911";

TopicConfig Topic(const std::string& name, int32_t queues = 4, int32_t perm = kPermRead | kPermWrite) {
  TopicConfig tc;
  tc.topic_name = name;
  tc.read_queue_nums = queues;
  tc.write_queue_nums = queues;
  tc.perm = perm;
  return tc;
}

RegisterBrokerRequest Req(const std::string& addr, int64_t id, const std::string& name = "broker-a",
                          const std::string& cluster = "DefaultCluster") {
  RegisterBrokerRequest r;
  r.cluster_name = cluster;
  r.broker_addr = addr;
  r.broker_name = name;
  r.broker_id = id;
  r.ha_server_addr = addr.substr(0, addr.find(':')) + ":10912";
  r.data_version.counter = 1;
  r.data_version.timestamp = 1000;
  r.conn = static_cast<ConnectionId>(id + 100);
  r.timeout_ms = 120000;
  return r;
}

RegisterBrokerRequest MasterWith(std::initializer_list<TopicConfig> topics, const std::string& addr = kMasterAddr,
                                 const std::string& name = "broker-a", const std::string& cluster = "DefaultCluster") {
  RegisterBrokerRequest r = Req(addr, 0, name, cluster);
  for (const auto& tc : topics) r.topics[tc.topic_name] = tc;
  r.has_topics = true;
  return r;
}

rapidjson::Document Route(const RouteInfoManager& m, const std::string& topic) {
  std::string json;
  REQUIRE(m.PickupTopicRouteData(topic, &json));
  rapidjson::Document doc;
  REQUIRE(rmq::json::Parse(json, &doc).ok());
  return doc;
}

bool HasTopic(const RouteInfoManager& m, const std::string& topic) {
  std::string json;
  return m.PickupTopicRouteData(topic, &json);
}

}  // namespace

TEST_CASE("route: master and slave registration") {
  RouteInfoManager m;
  RegisterBrokerResult r1 = m.RegisterBroker(MasterWith({Topic("T1")}), 1000);
  CHECK(r1.master_addr.empty());
  RegisterBrokerResult r2 = m.RegisterBroker(Req(kSlaveAddr, 1), 1000);
  CHECK(r2.master_addr == kMasterAddr);
  CHECK(r2.ha_server_addr == "10.0.0.1:10912");
}

TEST_CASE("route: a slave registering before its master gets no master address") {
  RouteInfoManager m;
  RegisterBrokerResult r = m.RegisterBroker(Req(kSlaveAddr, 1), 1000);
  CHECK(r.master_addr.empty());
  CHECK(r.ha_server_addr.empty());
}

TEST_CASE("route: a slave gets no master address while the master is not live (as Java's registerBroker)") {
  RouteInfoManager m;
  m.RegisterBroker(MasterWith({Topic("T1")}), 1000);
  // An UNREGISTER_BROKER naming the master's address with another id drops its live entry only.
  m.UnregisterBroker("DefaultCluster", kMasterAddr, "broker-a", 1);
  RegisterBrokerResult r = m.RegisterBroker(Req(kSlaveAddr, 1), 1000);
  CHECK(r.master_addr.empty());
  CHECK(r.ha_server_addr.empty());
  // The master registers again: the next slave registration names it.
  m.RegisterBroker(MasterWith({Topic("T1")}), 2000);
  r = m.RegisterBroker(Req(kSlaveAddr, 1), 2000);
  CHECK(r.master_addr == kMasterAddr);
  CHECK(r.ha_server_addr == "10.0.0.1:10912");
}

TEST_CASE("route: topic route JSON has brokerAddrs and queueDatas") {
  RouteInfoManager m;
  m.RegisterBroker(MasterWith({Topic("T1", 8, kPermRead | kPermWrite)}), 1000);
  m.RegisterBroker(Req(kSlaveAddr, 1), 1000);
  auto doc = Route(m, "T1");
  const auto& bds = doc["brokerDatas"];
  REQUIRE(bds.Size() == 1);
  CHECK(std::string(bds[0]["brokerName"].GetString()) == "broker-a");
  CHECK(std::string(bds[0]["cluster"].GetString()) == "DefaultCluster");
  CHECK(std::string(bds[0]["brokerAddrs"]["0"].GetString()) == kMasterAddr);
  CHECK(std::string(bds[0]["brokerAddrs"]["1"].GetString()) == kSlaveAddr);
  const auto& qds = doc["queueDatas"];
  REQUIRE(qds.Size() == 1);
  CHECK(std::string(qds[0]["brokerName"].GetString()) == "broker-a");
  CHECK(qds[0]["readQueueNums"].GetInt() == 8);
  CHECK(qds[0]["writeQueueNums"].GetInt() == 8);
  CHECK(qds[0]["perm"].GetInt() == 6);
  CHECK(qds[0]["topicSysFlag"].GetInt() == 0);
  CHECK(doc["filterServerTable"].IsObject());
}

TEST_CASE("route: one topic on two brokers") {
  RouteInfoManager m;
  m.RegisterBroker(MasterWith({Topic("T1", 4)}), 1000);
  m.RegisterBroker(MasterWith({Topic("T1", 2)}, "10.0.0.3:10911", "broker-b"), 1000);
  auto doc = Route(m, "T1");
  CHECK(doc["brokerDatas"].Size() == 2);
  CHECK(doc["queueDatas"].Size() == 2);
}

TEST_CASE("route: unknown topic is not found") {
  RouteInfoManager m;
  m.RegisterBroker(MasterWith({Topic("T1")}), 1000);
  CHECK_FALSE(HasTopic(m, "Nope"));
}

TEST_CASE("route: slave topic tables are ignored") {
  RouteInfoManager m;
  RegisterBrokerRequest slave = Req(kSlaveAddr, 1);
  slave.topics["OnlySlave"] = Topic("OnlySlave");
  slave.has_topics = true;
  m.RegisterBroker(slave, 1000);
  CHECK_FALSE(HasTopic(m, "OnlySlave"));
}

TEST_CASE("route: same data version does not replace queue data") {
  RouteInfoManager m;
  m.RegisterBroker(MasterWith({Topic("T1", 4)}), 1000);
  RegisterBrokerRequest again = MasterWith({Topic("T1", 16)});  // same dataVersion as before
  m.RegisterBroker(again, 2000);
  CHECK(Route(m, "T1")["queueDatas"][0]["writeQueueNums"].GetInt() == 4);
  again.data_version.counter = 2;
  m.RegisterBroker(again, 3000);
  CHECK(Route(m, "T1")["queueDatas"][0]["writeQueueNums"].GetInt() == 16);
}

TEST_CASE("route: data version check") {
  RouteInfoManager m;
  RegisterBrokerRequest r = MasterWith({Topic("T1")});
  m.RegisterBroker(r, 1000);
  DataVersion stored;
  CHECK_FALSE(m.IsBrokerTopicConfigChanged(kMasterAddr, r.data_version, &stored));
  CHECK(stored == r.data_version);
  DataVersion other = r.data_version;
  other.counter++;
  CHECK(m.IsBrokerTopicConfigChanged(kMasterAddr, other, &stored));
  CHECK(m.IsBrokerTopicConfigChanged("1.2.3.4:5", other, &stored));
}

TEST_CASE("route: cluster info JSON") {
  RouteInfoManager m;
  m.RegisterBroker(MasterWith({Topic("T1")}), 1000);
  m.RegisterBroker(Req(kSlaveAddr, 1), 1000);
  m.RegisterBroker(MasterWith({}, "10.0.0.9:10911", "broker-z", "OtherCluster"), 1000);
  rapidjson::Document doc;
  std::string json = m.ClusterInfoJson();
  REQUIRE(rmq::json::Parse(json, &doc).ok());
  const auto& bat = doc["brokerAddrTable"];
  CHECK(std::string(bat["broker-a"]["brokerAddrs"]["0"].GetString()) == kMasterAddr);
  CHECK(std::string(bat["broker-a"]["brokerAddrs"]["1"].GetString()) == kSlaveAddr);
  CHECK(std::string(bat["broker-z"]["cluster"].GetString()) == "OtherCluster");
  const auto& cat = doc["clusterAddrTable"];
  REQUIRE(cat["DefaultCluster"].Size() == 1);
  CHECK(std::string(cat["DefaultCluster"][0].GetString()) == "broker-a");
  CHECK(std::string(cat["OtherCluster"][0].GetString()) == "broker-z");
}

TEST_CASE("route: empty cluster info JSON is valid") {
  RouteInfoManager m;
  CHECK(m.ClusterInfoJson() == R"({"brokerAddrTable":{},"clusterAddrTable":{}})");
}

TEST_CASE("route: unregistering the only master removes its routes") {
  RouteInfoManager m;
  m.RegisterBroker(MasterWith({Topic("T1"), Topic("T2")}), 1000);
  m.UnregisterBroker("DefaultCluster", kMasterAddr, "broker-a", 0);
  CHECK_FALSE(HasTopic(m, "T1"));
  CHECK_FALSE(HasTopic(m, "T2"));
  CHECK(m.AllTopics().empty());
  CHECK(m.ClusterInfoJson() == R"({"brokerAddrTable":{},"clusterAddrTable":{}})");
}

TEST_CASE("route: unregistering the slave keeps the master's routes") {
  RouteInfoManager m;
  m.RegisterBroker(MasterWith({Topic("T1")}), 1000);
  m.RegisterBroker(Req(kSlaveAddr, 1), 1000);
  m.UnregisterBroker("DefaultCluster", kSlaveAddr, "broker-a", 1);
  auto doc = Route(m, "T1");
  CHECK(doc["brokerDatas"][0]["brokerAddrs"].MemberCount() == 1);
  CHECK_FALSE(doc["brokerDatas"][0]["brokerAddrs"].HasMember("1"));
}

TEST_CASE("route: unregistering one broker keeps the other's queues") {
  RouteInfoManager m;
  m.RegisterBroker(MasterWith({Topic("T1")}), 1000);
  m.RegisterBroker(MasterWith({Topic("T1")}, "10.0.0.3:10911", "broker-b"), 1000);
  m.UnregisterBroker("DefaultCluster", kMasterAddr, "broker-a", 0);
  auto doc = Route(m, "T1");
  REQUIRE(doc["queueDatas"].Size() == 1);
  CHECK(std::string(doc["queueDatas"][0]["brokerName"].GetString()) == "broker-b");
}

TEST_CASE("route: ScanNotActiveBroker expires brokers past their timeout") {
  RouteInfoManager m;
  RegisterBrokerRequest master = MasterWith({Topic("T1")});
  master.timeout_ms = 1000;
  m.RegisterBroker(master, 10000);
  m.ScanNotActiveBroker(11000);  // exactly at the timeout: still alive
  CHECK(HasTopic(m, "T1"));
  m.ScanNotActiveBroker(11001);
  CHECK_FALSE(HasTopic(m, "T1"));
}

TEST_CASE("route: heartbeat timestamp keeps a broker alive") {
  RouteInfoManager m;
  RegisterBrokerRequest master = MasterWith({Topic("T1")});
  master.timeout_ms = 1000;
  m.RegisterBroker(master, 10000);
  m.UpdateBrokerInfoUpdateTimestamp(kMasterAddr, 10900);
  m.ScanNotActiveBroker(11500);
  CHECK(HasTopic(m, "T1"));
  m.ScanNotActiveBroker(12000);
  CHECK_FALSE(HasTopic(m, "T1"));
}

TEST_CASE("route: expiry removes only the dead slave") {
  RouteInfoManager m;
  m.RegisterBroker(MasterWith({Topic("T1")}), 10000);
  RegisterBrokerRequest slave = Req(kSlaveAddr, 1);
  slave.timeout_ms = 100;
  m.RegisterBroker(slave, 10000);
  m.ScanNotActiveBroker(10500);
  auto doc = Route(m, "T1");
  CHECK(doc["brokerDatas"][0]["brokerAddrs"].MemberCount() == 1);
}

TEST_CASE("route: OnConnectionClosed drops the broker of that connection") {
  RouteInfoManager m;
  RegisterBrokerRequest master = MasterWith({Topic("T1")});
  master.conn = 7;
  m.RegisterBroker(master, 1000);
  m.OnConnectionClosed(8);
  CHECK(HasTopic(m, "T1"));
  m.OnConnectionClosed(7);
  CHECK_FALSE(HasTopic(m, "T1"));
}

TEST_CASE("route: re-registration of an address with a new id replaces the old id") {
  RouteInfoManager m;
  m.RegisterBroker(MasterWith({Topic("T1")}), 1000);
  m.RegisterBroker(Req(kSlaveAddr, 1), 1000);
  m.RegisterBroker(Req(kSlaveAddr, 2), 2000);
  auto doc = Route(m, "T1");
  const auto& addrs = doc["brokerDatas"][0]["brokerAddrs"];
  CHECK(addrs.MemberCount() == 2);
  CHECK_FALSE(addrs.HasMember("1"));
  CHECK(std::string(addrs["2"].GetString()) == kSlaveAddr);
}

TEST_CASE("route: a new address under the same id replaces the old address") {
  RouteInfoManager m;
  m.RegisterBroker(MasterWith({Topic("T1")}), 1000);
  m.RegisterBroker(MasterWith({Topic("T1")}, "10.0.0.7:10911"), 2000);
  auto doc = Route(m, "T1");
  CHECK(std::string(doc["brokerDatas"][0]["brokerAddrs"]["0"].GetString()) == "10.0.0.7:10911");
}

TEST_CASE("route: DeleteTopic everywhere or per cluster") {
  RouteInfoManager m;
  m.RegisterBroker(MasterWith({Topic("T1"), Topic("T2")}), 1000);
  m.RegisterBroker(MasterWith({Topic("T2")}, "10.0.0.9:10911", "broker-z", "OtherCluster"), 1000);
  m.DeleteTopic("T1", "");
  CHECK_FALSE(HasTopic(m, "T1"));
  m.DeleteTopic("T2", "OtherCluster");
  auto doc = Route(m, "T2");
  REQUIRE(doc["queueDatas"].Size() == 1);
  CHECK(std::string(doc["queueDatas"][0]["brokerName"].GetString()) == "broker-a");
  m.DeleteTopic("T2", "DefaultCluster");
  CHECK_FALSE(HasTopic(m, "T2"));
  m.DeleteTopic("Nope", "DefaultCluster");  // harmless
  m.DeleteTopic("T1", "NoCluster");
}

TEST_CASE("route: SetWritePermOfBroker counts changed topics") {
  RouteInfoManager m;
  m.RegisterBroker(MasterWith({Topic("T1"), Topic("T2"), Topic("T3", 4, kPermRead)}), 1000);
  m.RegisterBroker(MasterWith({Topic("T4")}, "10.0.0.3:10911", "broker-b"), 1000);
  CHECK(m.SetWritePermOfBroker("broker-a", false) == 3);
  CHECK(Route(m, "T1")["queueDatas"][0]["perm"].GetInt() == kPermRead);
  CHECK(Route(m, "T3")["queueDatas"][0]["perm"].GetInt() == kPermRead);
  CHECK(Route(m, "T4")["queueDatas"][0]["perm"].GetInt() == (kPermRead | kPermWrite));
  CHECK(m.SetWritePermOfBroker("broker-a", true) == 3);
  CHECK(Route(m, "T3")["queueDatas"][0]["perm"].GetInt() == (kPermRead | kPermWrite));
  CHECK(m.SetWritePermOfBroker("no-such-broker", false) == 0);
}

TEST_CASE("route: topic listings") {
  RouteInfoManager m;
  m.RegisterBroker(MasterWith({Topic("T1"), Topic("T2")}), 1000);
  m.RegisterBroker(MasterWith({Topic("T3")}, "10.0.0.9:10911", "broker-z", "OtherCluster"), 1000);
  CHECK(m.AllTopics() == std::vector<std::string>{"T1", "T2", "T3"});
  CHECK(m.TopicsByCluster("DefaultCluster") == std::vector<std::string>{"T1", "T2"});
  CHECK(m.TopicsByCluster("OtherCluster") == std::vector<std::string>{"T3"});
  CHECK(m.TopicsByCluster("None").empty());
  auto sys = m.SystemTopics();
  std::sort(sys.begin(), sys.end());
  CHECK(sys == std::vector<std::string>{"DefaultCluster", "OtherCluster", "broker-a", "broker-z"});
}

TEST_CASE("route: whole-table registrations of interleaved topic sets keep every topic") {
  RouteInfoManager m;
  // broker-a: even topics and a shared one; broker-b: odd topics and the shared one; then an
  // increment for broker-a in the middle of broker-b's range.
  RegisterBrokerRequest a = Req(kMasterAddr, 0, "broker-a");
  RegisterBrokerRequest b = Req("10.0.0.3:10911", 0, "broker-b");
  b.conn = 300;
  for (int i = 0; i < 2000; ++i) {
    char n[16];
    std::snprintf(n, sizeof(n), "t%05d", i);
    (i % 2 == 0 ? a : b).topics[n] = Topic(n, 1 + i % 7);
  }
  a.topics["shared"] = Topic("shared", 2);
  b.topics["shared"] = Topic("shared", 3);
  a.has_topics = b.has_topics = true;
  m.RegisterBroker(b, 1000);
  m.RegisterBroker(a, 1000);
  RegisterBrokerRequest inc = Req(kMasterAddr, 0, "broker-a");
  inc.data_version.counter = 2;
  inc.topics["t01001x"] = Topic("t01001x", 5);
  inc.has_topics = true;
  m.RegisterBroker(inc, 1001);
  CHECK(m.AllTopics().size() == 2000 + 2);
  for (int i = 0; i < 2000; ++i) {
    char n[16];
    std::snprintf(n, sizeof(n), "t%05d", i);
    std::string json;
    REQUIRE(m.PickupTopicRouteData(n, &json));
    rapidjson::Document d;
    REQUIRE(rmq::json::Parse(json, &d).ok());
    REQUIRE(d["queueDatas"].Size() == 1);
    CHECK(std::string(d["queueDatas"][0]["brokerName"].GetString()) == (i % 2 == 0 ? "broker-a" : "broker-b"));
    CHECK(d["queueDatas"][0]["readQueueNums"].GetInt() == 1 + i % 7);
  }
  std::string json;
  REQUIRE(m.PickupTopicRouteData("shared", &json));
  rapidjson::Document d;
  REQUIRE(rmq::json::Parse(json, &d).ok());
  CHECK(d["queueDatas"].Size() == 2);
  CHECK(m.PickupTopicRouteData("t01001x", &json));
}

TEST_CASE("route: WantsTopics only for a master's first registration or a new version") {
  RouteInfoManager m;
  DataVersion v1;
  v1.counter = 1;
  v1.timestamp = 1000;
  CHECK(m.WantsTopics("broker-a", kMasterAddr, 0, v1));  // unknown broker
  CHECK_FALSE(m.WantsTopics("broker-a", kSlaveAddr, 1, v1));  // a slave's topics are never read
  RegisterBrokerRequest a = Req(kMasterAddr, 0, "broker-a");
  a.topics["T"] = Topic("T");
  a.has_topics = true;
  m.RegisterBroker(a, 1000);
  CHECK_FALSE(m.WantsTopics("broker-a", kMasterAddr, 0, a.data_version));
  DataVersion v2 = a.data_version;
  v2.counter = 2;
  CHECK(m.WantsTopics("broker-a", kMasterAddr, 0, v2));
  CHECK(m.WantsTopics("broker-a", "10.9.9.9:10911", 0, a.data_version));  // another address as master
}
