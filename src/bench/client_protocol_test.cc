#include <doctest/doctest.h>

#include <string>

#include "bench/client_protocol.h"
#include "protocol/headers/message_headers.h"
#include "protocol/message.h"
#include "store/commit_log_record.h"

using namespace rmq;
using namespace rmq::bench;
using protocol::SerializeType;

TEST_CASE("ParseTopicRoute: standard JSON route with two brokers") {
  std::string body =
      R"({"brokerDatas":[{"brokerAddrs":{"0":"127.0.0.1:10911","1":"127.0.0.1:10921"},"brokerName":"broker-a","cluster":"C"},)"
      R"({"brokerAddrs":{"1":"127.0.0.1:10931"},"brokerName":"broker-b","cluster":"C"}],"filterServerTable":{},)"
      R"("queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":2,"topicSysFlag":0,"writeQueueNums":3},)"
      R"({"brokerName":"broker-b","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]})";
  TopicRoute r;
  REQUIRE(ParseTopicRoute(body, &r).ok());
  REQUIRE(r.brokers.size() == 2);
  CHECK(r.brokers[0].master_addr == "127.0.0.1:10911");
  CHECK(r.brokers[1].master_addr.empty());
  auto w = r.WriteQueues();  // broker-b has no master: skipped
  REQUIRE(w.size() == 3);
  CHECK(w[2].queue_id == 2);
  CHECK(w[0].broker_addr == "127.0.0.1:10911");
  CHECK(r.ReadQueues().size() == 2);
}

TEST_CASE("ParseTopicRoute: fastjson unquoted numeric keys") {
  std::string body =
      R"({"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:26911"},"brokerName":"b","cluster":"C"}],)"
      R"("queueDatas":[{"brokerName":"b","perm":6,"readQueueNums":8,"writeQueueNums":8,"topicSysFlag":0}]})";
  TopicRoute r;
  REQUIRE(ParseTopicRoute(body, &r).ok());
  CHECK(r.WriteQueues().size() == 8);
}

TEST_CASE("ParseTopicRoute: permissions select read and write queues") {
  std::string body =
      R"({"brokerDatas":[{"brokerAddrs":{"0":"h:1"},"brokerName":"b"}],)"
      R"("queueDatas":[{"brokerName":"b","perm":4,"readQueueNums":2,"writeQueueNums":2}]})";
  TopicRoute r;
  REQUIRE(ParseTopicRoute(body, &r).ok());
  CHECK(r.WriteQueues().empty());
  CHECK(r.ReadQueues().size() == 2);
}

TEST_CASE("ParseTopicRoute: malformed bodies are errors, not crashes") {
  TopicRoute r;
  CHECK_FALSE(ParseTopicRoute("", &r).ok());
  CHECK_FALSE(ParseTopicRoute("[1,2]", &r).ok());
  CHECK_FALSE(ParseTopicRoute(R"({"brokerDatas":[1]})", &r).ok());
  CHECK_FALSE(ParseTopicRoute(R"({"queueDatas":[{"brokerName":"b","perm":"x"}]})", &r).ok());
  CHECK(ParseTopicRoute(R"({"brokerDatas":"nope"})", &r).ok());  // wrong type: treated as absent
}

TEST_CASE("ParseClusterMasters: master addresses of every broker") {
  std::string body =
      R"({"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"127.0.0.1:10911"},"brokerName":"broker-a","cluster":"C"},)"
      R"("broker-b":{"brokerAddrs":{1:"127.0.0.1:10921"},"brokerName":"broker-b","cluster":"C"}},"clusterAddrTable":{"C":["broker-a","broker-b"]}})";
  std::vector<std::string> m;
  REQUIRE(ParseClusterMasters(body, &m).ok());
  REQUIRE(m.size() == 1);
  CHECK(m[0] == "127.0.0.1:10911");
  CHECK_FALSE(ParseClusterMasters("{}", &m).ok());
}

TEST_CASE("UniqKeyGenerator: 32 uppercase hex chars, unique") {
  UniqKeyGenerator g(0x7F000001, 1234, 0xABCDEF01);
  std::string a = g.Next(), b = g.Next();
  CHECK(a.size() == 32);
  CHECK(a != b);
  CHECK(a.substr(0, 8) == "7F000001");
  for (char c : a) CHECK(((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')));
}

TEST_CASE("StampBody / ReadBodyStamp round trip; short and foreign bodies") {
  std::string body(64, 'x');
  StampBody(&body, 1700000000123456);
  int64_t t = 0;
  REQUIRE(ReadBodyStamp(body, &t));
  CHECK(t == 1700000000123456);
  CHECK(body.size() == 64);
  std::string tiny(8, 'x');
  StampBody(&tiny, 5);
  CHECK(tiny == std::string(8, 'x'));
  CHECK_FALSE(ReadBodyStamp(tiny, &t));
  CHECK_FALSE(ReadBodyStamp(std::string(64, 'y'), &t));
}

TEST_CASE("MakeSendRequest: the broker's SEND_MESSAGE_V2 decoder accepts it, in both serializations") {
  for (SerializeType type : {SerializeType::kJson, SerializeType::kRocketMQ}) {
    SendParams p{"pg", "BenchTopic", "broker-a", 3, 1700000000000, "7F0000010001ABCDEF01000000000001"};
    auto req = MakeSendRequest(p, type);
    req.SetBody("hello");
    req.opaque = 42;
    std::string frame = protocol::EncodeFrame(req);
    auto dec = protocol::DecodeFrame(std::string_view(frame).substr(4));
    REQUIRE(dec.ok());
    CHECK(dec->code == 310);
    CHECK(dec->opaque == 42);
    CHECK(dec->Body() == "hello");
    protocol::SendMessageRequestHeader h;
    REQUIRE(protocol::SendMessageRequestHeader::Decode(dec->ext_fields, true, &h).ok());
    CHECK(h.producer_group == "pg");
    CHECK(h.topic == "BenchTopic");
    CHECK(h.default_topic == "TBW102");
    CHECK(h.queue_id == 3);
    CHECK(h.born_timestamp == 1700000000000);
    std::string_view v;
    REQUIRE(protocol::PropertiesView(h.properties).Get("UNIQ_KEY", &v));
    CHECK(v == p.uniq_key);
    REQUIRE(protocol::PropertiesView(h.properties).Get("WAIT", &v));
    CHECK(v == "true");
  }
}

TEST_CASE("MakePullRequest: subscription flag always, suspend only with long polling") {
  PullParams p;
  p.consumer_group = "cg";
  p.topic = "T";
  p.queue_id = 1;
  p.queue_offset = 77;
  auto req = MakePullRequest(p, SerializeType::kRocketMQ);
  protocol::PullMessageRequestHeader h;
  REQUIRE(protocol::PullMessageRequestHeader::Decode(req.ext_fields, &h).ok());
  CHECK(h.queue_offset == 77);
  CHECK(h.sys_flag == protocol::kPullFlagSubscription);
  CHECK(h.subscription == "*");
  p.suspend_timeout_ms = 1000;
  auto req2 = MakePullRequest(p, SerializeType::kRocketMQ);
  REQUIRE(protocol::PullMessageRequestHeader::Decode(req2.ext_fields, &h).ok());
  CHECK(h.sys_flag == (protocol::kPullFlagSubscription | protocol::kPullFlagSuspend));
  CHECK(h.suspend_timeout_millis == 1000);
}

TEST_CASE("ReadPullResult: nextBeginOffset is required") {
  auto resp = protocol::RemotingCommand::CreateResponse(0);
  PullResult r;
  CHECK_FALSE(ReadPullResult(resp, &r).ok());
  resp.ext_fields.SetInt("nextBeginOffset", 12);
  resp.ext_fields.SetInt("maxOffset", 20);
  REQUIRE(ReadPullResult(resp, &r).ok());
  CHECK(r.next_begin_offset == 12);
  CHECK(r.max_offset == 20);
  resp.ext_fields.Set("nextBeginOffset", "x");
  CHECK_FALSE(ReadPullResult(resp, &r).ok());
}

namespace {
std::string Record(int64_t queue_offset, int64_t born, int64_t stored, std::string_view body) {
  store::MessageToStore m;
  m.topic = "T";
  m.queue_id = 2;
  m.born_timestamp = born;
  m.body = body;
  m.properties = "WAIT\x01true\x02";
  store::RecordPlacement pl;
  pl.queue_offset = queue_offset;
  pl.store_timestamp = stored;
  return store::EncodeRecordToString(m, pl);
}
}  // namespace

TEST_CASE("ForEachPulledMessage: walks concatenated records") {
  std::string body = Record(5, 1000, 1001, "aaa") + Record(6, 2000, 2002, "bbbb");
  std::vector<PulledMessage> got;
  REQUIRE(ForEachPulledMessage(body, [&](const PulledMessage& m) { got.push_back(m); }).ok());
  REQUIRE(got.size() == 2);
  CHECK(got[0].queue_offset == 5);
  CHECK(got[0].queue_id == 2);
  CHECK(got[0].born_timestamp_ms == 1000);
  CHECK(got[1].store_timestamp_ms == 2002);
  CHECK(got[1].body == "bbbb");
}

TEST_CASE("ForEachPulledMessage: a truncated record is an error after the good ones") {
  std::string body = Record(5, 1000, 1001, "aaa") + Record(6, 2000, 2002, "bbbb");
  body.resize(body.size() - 3);
  int n = 0;
  CHECK_FALSE(ForEachPulledMessage(body, [&](const PulledMessage&) { ++n; }).ok());
  CHECK(n == 1);
  CHECK_FALSE(ForEachPulledMessage(std::string(16, '\0'), [&](const PulledMessage&) { ++n; }).ok());
}
