#include <doctest/doctest.h>

#include <rapidjson/document.h>

#include "common/json.h"
#include "common/coding.h"
#include "server/broker/client_manager.h"

using namespace rmq;
using namespace rmq::server;

namespace {

ClientChannelInfo Channel(ConnectionId conn, const std::string& client_id, uint64_t now_ms = 1000) {
  ClientChannelInfo ch;
  ch.conn = conn;
  ch.client_id = client_id;
  ch.client_addr = "127.0.0.1:" + std::to_string(40000 + conn);
  ch.last_update_ms = now_ms;
  return ch;
}

struct ChangeLog {
  std::vector<std::pair<std::string, size_t>> events;  // group, channel count at the time
  void Attach(ClientManager* m) {
    m->SetConsumerChangeListener(
        [this](const std::string& g, const ConsumerGroupInfo& info) { events.emplace_back(g, info.channels.size()); });
  }
};

bool Register(ClientManager* m, const std::string& group, ConnectionId conn, std::vector<SubscriptionData> subs,
              uint64_t now_ms = 1000) {
  return m->RegisterConsumer(group, Channel(conn, "client-" + std::to_string(conn), now_ms), "CONSUME_PASSIVELY",
                             "CLUSTERING", "CONSUME_FROM_LAST_OFFSET", subs);
}

rapidjson::Document Parse(const std::string& text) {
  rapidjson::Document doc;
  REQUIRE(rmq::json::Parse(text, &doc).ok());
  return doc;
}

}  // namespace

// ---- subscriptions --------------------------------------------------------------------------

TEST_CASE("subscription: 'TagA || TagB' gives tags and Java hash codes") {
  SubscriptionData s = BuildSubscription("T", "TagA || TagB", "TAG");
  CHECK(s.topic == "T");
  CHECK(s.tags == std::vector<std::string>{"TagA", "TagB"});
  CHECK(s.codes == std::set<int32_t>{2598919, 2598920});
  CHECK_FALSE(s.SubscribesAll());
}

TEST_CASE("subscription: spacing and empty parts") {
  SubscriptionData s = BuildSubscription("T", "  TagA||TagB ||  || TagC", "TAG");
  CHECK(s.tags == std::vector<std::string>{"TagA", "TagB", "TagC"});
  CHECK(s.codes.size() == 3);
}

TEST_CASE("subscription: '*' and empty subscribe all") {
  for (const char* expr : {"*", ""}) {
    SubscriptionData s = BuildSubscription("T", expr, "TAG");
    CHECK(s.SubscribesAll());
    CHECK(s.sub_string == "*");
    CHECK(s.tags.empty());
    CHECK(s.codes.empty());
    CHECK(s.MatchesTagsCode(12345));
  }
}

TEST_CASE("subscription: empty expression type means TAG") {
  SubscriptionData s = BuildSubscription("T", "TagA", "");
  CHECK(s.expression_type == "TAG");
  CHECK(s.codes == std::set<int32_t>{2598919});
}

TEST_CASE("subscription: SQL92 expressions are not split into tags") {
  SubscriptionData s = BuildSubscription("T", "a > 1 || b < 2", "SQL92");
  CHECK(s.tags.empty());
  CHECK(s.MatchesTagsCode(1));  // tag filtering does not apply
}

TEST_CASE("subscription: MatchesTagsCode") {
  SubscriptionData s = BuildSubscription("T", "TagA || TagB", "TAG");
  CHECK(s.MatchesTagsCode(JavaStringHash("TagA")));
  CHECK(s.MatchesTagsCode(JavaStringHash("TagB")));
  CHECK_FALSE(s.MatchesTagsCode(JavaStringHash("TagC")));
  CHECK_FALSE(s.MatchesTagsCode(0));
}

TEST_CASE("subscription: JSON round trip") {
  SubscriptionData s = BuildSubscription("T", "TagA || TagB", "TAG");
  s.sub_version = 1700000000000;
  std::string json;
  AppendSubscriptionJson(s, &json);
  auto doc = Parse(json);
  SubscriptionData back;
  REQUIRE(ParseSubscriptionData(doc, &back));
  CHECK(back.topic == "T");
  CHECK(back.sub_string == "TagA || TagB");
  CHECK(back.expression_type == "TAG");
  CHECK(back.sub_version == 1700000000000);
  CHECK(back.tags == s.tags);
  CHECK(back.codes == s.codes);
}

TEST_CASE("subscription: parse Java heartbeat shape") {
  auto doc = Parse(R"({"classFilterMode":false,"codeSet":[2598919],"expressionType":"TAG",)"
                   R"("subString":"TagA","subVersion":1,"tagsSet":["TagA"],"topic":"T"})");
  SubscriptionData s;
  REQUIRE(ParseSubscriptionData(doc, &s));
  CHECK(s.codes == std::set<int32_t>{2598919});
  CHECK(s.MatchesTagsCode(2598919));
}

TEST_CASE("subscription: codes derived from tags when a client omits them") {
  auto doc = Parse(R"({"subString":"TagA||TagB","tagsSet":["TagA","TagB"],"topic":"T"})");
  SubscriptionData s;
  REQUIRE(ParseSubscriptionData(doc, &s));
  CHECK(s.codes == std::set<int32_t>{2598919, 2598920});
}

TEST_CASE("subscription: missing topic is rejected") {
  auto doc = Parse(R"({"subString":"*"})");
  SubscriptionData s;
  CHECK_FALSE(ParseSubscriptionData(doc, &s));
}

TEST_CASE("subscription: wrong types are skipped, not asserted") {
  auto doc = Parse(R"({"topic":"T","tagsSet":[1,"A",null],"codeSet":["x",5,1.5],"subVersion":"bad"})");
  SubscriptionData s;
  REQUIRE(ParseSubscriptionData(doc, &s));
  CHECK(s.tags == std::vector<std::string>{"A"});
  CHECK(s.codes == std::set<int32_t>{5});
  CHECK(s.sub_version == 0);
}

TEST_CASE("subscription: non-object value is rejected") {
  auto doc = Parse(R"(["T"])");
  SubscriptionData s;
  CHECK_FALSE(ParseSubscriptionData(doc, &s));
}

// ---- ClientManager --------------------------------------------------------------------------

TEST_CASE("clients: first consumer registration notifies the listener") {
  ClientManager m;
  ChangeLog log;
  log.Attach(&m);
  CHECK(Register(&m, "G", 1, {BuildSubscription("T", "*", "TAG")}));
  REQUIRE(log.events.size() == 1);
  CHECK(log.events[0] == std::make_pair(std::string("G"), size_t(1)));
  const ConsumerGroupInfo* g = m.FindConsumerGroup("G");
  REQUIRE(g != nullptr);
  CHECK(g->subscriptions.count("T") == 1);
  CHECK(m.ConsumerIds("G") == std::vector<std::string>{"client-1"});
  CHECK(m.GroupsSubscribing("T") == std::set<std::string>{"G"});
}

TEST_CASE("clients: a repeated heartbeat changes nothing") {
  ClientManager m;
  ChangeLog log;
  log.Attach(&m);
  Register(&m, "G", 1, {BuildSubscription("T", "*", "TAG")});
  CHECK_FALSE(Register(&m, "G", 1, {BuildSubscription("T", "*", "TAG")}, 2000));
  CHECK(log.events.size() == 1);
  CHECK(m.FindConsumerGroup("G")->channels.at(1).last_update_ms == 2000);
}

TEST_CASE("clients: a second consumer joining notifies") {
  ClientManager m;
  ChangeLog log;
  log.Attach(&m);
  Register(&m, "G", 1, {BuildSubscription("T", "*", "TAG")});
  CHECK(Register(&m, "G", 2, {BuildSubscription("T", "*", "TAG")}));
  REQUIRE(log.events.size() == 2);
  CHECK(log.events[1].second == 2);
  CHECK(m.ConsumerIds("G").size() == 2);
}

TEST_CASE("clients: a changed subscription is reported and a newer version stored") {
  ClientManager m;
  SubscriptionData a = BuildSubscription("T", "TagA", "TAG");
  a.sub_version = 1;
  Register(&m, "G", 1, {a});
  SubscriptionData b = BuildSubscription("T", "TagB", "TAG");
  b.sub_version = 2;
  CHECK(Register(&m, "G", 1, {b}));
  CHECK(m.FindConsumerGroup("G")->subscriptions.at("T").sub_string == "TagB");
}

TEST_CASE("clients: a topic left out of the heartbeat leaves the group") {
  ClientManager m;
  Register(&m, "G", 1, {BuildSubscription("T1", "*", "TAG"), BuildSubscription("T2", "*", "TAG")});
  CHECK(Register(&m, "G", 1, {BuildSubscription("T1", "*", "TAG")}));
  CHECK(m.FindConsumerGroup("G")->subscriptions.count("T2") == 0);
  CHECK(m.GroupsSubscribing("T2").empty());
}

TEST_CASE("clients: unregistering a consumer notifies the remaining members") {
  ClientManager m;
  ChangeLog log;
  log.Attach(&m);
  Register(&m, "G", 1, {BuildSubscription("T", "*", "TAG")});
  Register(&m, "G", 2, {BuildSubscription("T", "*", "TAG")});
  log.events.clear();
  m.UnregisterConsumer("G", 1);
  REQUIRE(log.events.size() == 1);
  CHECK(log.events[0].second == 1);
  CHECK(m.ConsumerIds("G") == std::vector<std::string>{"client-2"});
}

TEST_CASE("clients: the last consumer leaving removes the group") {
  ClientManager m;
  ChangeLog log;
  log.Attach(&m);
  Register(&m, "G", 1, {BuildSubscription("T", "*", "TAG")});
  log.events.clear();
  m.UnregisterConsumer("G", 1);
  CHECK(m.FindConsumerGroup("G") == nullptr);
  CHECK(log.events.empty());  // nobody left to notify
  m.UnregisterConsumer("G", 1);  // harmless twice
  m.UnregisterConsumer("NoGroup", 1);
}

TEST_CASE("clients: unregistering an unknown connection does not notify") {
  ClientManager m;
  ChangeLog log;
  log.Attach(&m);
  Register(&m, "G", 1, {BuildSubscription("T", "*", "TAG")});
  log.events.clear();
  m.UnregisterConsumer("G", 99);
  CHECK(log.events.empty());
}

TEST_CASE("clients: producers register and unregister") {
  ClientManager m;
  m.RegisterProducer("P", Channel(1, "p1"));
  m.RegisterProducer("P", Channel(2, "p2"));
  REQUIRE(m.FindProducerGroup("P") != nullptr);
  CHECK(m.FindProducerGroup("P")->size() == 2);
  m.UnregisterProducer("P", 1);
  CHECK(m.FindProducerGroup("P")->size() == 1);
  m.UnregisterProducer("P", 2);
  CHECK(m.FindProducerGroup("P") == nullptr);
  m.UnregisterProducer("P", 2);
}

TEST_CASE("clients: OnConnectionClosed drops producers and consumers of that connection") {
  ClientManager m;
  ChangeLog log;
  log.Attach(&m);
  m.RegisterProducer("P", Channel(1, "c1"));
  Register(&m, "G1", 1, {BuildSubscription("T", "*", "TAG")});
  Register(&m, "G2", 1, {BuildSubscription("T", "*", "TAG")});
  Register(&m, "G2", 2, {BuildSubscription("T", "*", "TAG")});
  log.events.clear();
  m.OnConnectionClosed(1);
  CHECK(m.FindProducerGroup("P") == nullptr);
  CHECK(m.FindConsumerGroup("G1") == nullptr);
  REQUIRE(m.FindConsumerGroup("G2") != nullptr);
  CHECK(m.ConsumerIds("G2") == std::vector<std::string>{"client-2"});
  REQUIRE(log.events.size() == 1);
  CHECK(log.events[0].first == "G2");
}

TEST_CASE("clients: ScanExpired returns and drops stale connections") {
  ClientManager m;
  m.RegisterProducer("P", Channel(1, "p1", 1000));
  m.RegisterProducer("P", Channel(2, "p2", 5000));
  Register(&m, "G", 3, {BuildSubscription("T", "*", "TAG")}, 1000);
  Register(&m, "G", 4, {BuildSubscription("T", "*", "TAG")}, 5000);
  CHECK(m.ScanExpired(2000, 1000).empty());  // exactly at the limit: kept
  std::vector<ConnectionId> expired = m.ScanExpired(2001, 1000);
  CHECK(expired == std::vector<ConnectionId>{1, 3});
  CHECK(m.FindProducerGroup("P")->size() == 1);
  CHECK(m.ConsumerIds("G") == std::vector<std::string>{"client-4"});
}

TEST_CASE("clients: without a listener nothing breaks") {
  ClientManager m;
  CHECK(Register(&m, "G", 1, {BuildSubscription("T", "*", "TAG")}));
  m.OnConnectionClosed(1);
  CHECK(m.FindConsumerGroup("G") == nullptr);
}
