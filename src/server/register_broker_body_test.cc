#include <doctest/doctest.h>

#include <string>

#include "common/coding.h"
#include "server/register_broker_body.h"

using namespace rmq;
using namespace rmq::server;

namespace {

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

TopicConfig Topic(const std::string& name, int32_t r, int32_t w, int32_t perm = 6) {
  TopicConfig tc;
  tc.topic_name = name;
  tc.read_queue_nums = r;
  tc.write_queue_nums = w;
  tc.perm = perm;
  return tc;
}

DataVersion Version42() {
  DataVersion dv;
  dv.timestamp = 1700000000123;
  dv.counter = 42;
  return dv;
}

// Produced by Java 4.9.7 itself (rocketmq-common-4.9.7.jar): a RegisterBrokerBody with DataVersion
// {timestamp 1700000000123, counter 42} and new TopicConfig("TopicA", 4, 8, 6), encode(true).
constexpr const char* kJava497OneTopic =
    "78da636060d0a8564ace2fcd2b492d52b23231d2512ac9cc4d2d2e49cc2d50b232343780024323e35a0606064620160fc92fc84c"
    "76543051b050305308f6f473f7718d0f7174074a3145c7020045f51332";
// The same with TopicA (4,8), TopicB (5,9), TopicC (6,10): Java writes them in its hash order C, B, A.
constexpr const char* kJava497ThreeTopics =
    "78da636060d0a8564ace2fcd2b492d52b23231d2512ac9cc4d2d2e49cc2d50b232343780024323e35a06060666209608c92fc84c"
    "7656305330340012c19e7eee3eaef1218eee403971b09c9382a982257629470513050b7429a6e85800e7222051";

}  // namespace

TEST_CASE("register body: compressed encoding equals Java 4.9.7's bytes") {
  TopicTable t{{"TopicA", Topic("TopicA", 4, 8)}};
  std::string out;
  REQUIRE(EncodeCompressedRegisterBody(t, Version42(), &out).ok());
  CHECK(out == Unhex(kJava497OneTopic));
}

TEST_CASE("register body: compressed payload layout") {
  TopicTable t{{"TopicA", Topic("TopicA", 4, 8)}, {"TopicB", Topic("TopicB", 5, 9)}};
  t["TopicB"].topic_filter_type = "MULTI_TAG";
  std::string p = CompressedRegisterPayload(t, Version42());
  std::string want;
  std::string dv = "{\"counter\":42,\"timestamp\":1700000000123}";
  PutFixed32(&want, static_cast<uint32_t>(dv.size()));
  want += dv;
  PutFixed32(&want, 2);
  for (std::string e : {"TopicA 4 8 6 SINGLE_TAG", "TopicB 5 9 6 MULTI_TAG"}) {
    PutFixed32(&want, static_cast<uint32_t>(e.size()));
    want += e;
  }
  PutFixed32(&want, 2);
  want += "[]";
  CHECK(p == want);
}

TEST_CASE("register body: decodes Java 4.9.7's compressed body") {
  DataVersion dv;
  TopicTable t;
  REQUIRE(DecodeCompressedRegisterBody(Unhex(kJava497ThreeTopics), &dv, &t).ok());
  CHECK(dv.counter == 42);
  CHECK(dv.timestamp == 1700000000123);
  REQUIRE(t.size() == 3);
  CHECK(t["TopicA"].read_queue_nums == 4);
  CHECK(t["TopicA"].write_queue_nums == 8);
  CHECK(t["TopicC"].read_queue_nums == 6);
  CHECK(t["TopicC"].write_queue_nums == 10);
  CHECK(t["TopicB"].perm == 6);
  CHECK(t["TopicB"].topic_filter_type == "SINGLE_TAG");
}

TEST_CASE("register body: compressed round trip of 100,000 topics") {
  TopicTable t;
  for (int i = 0; i < 100000; ++i) {
    std::string n = "T" + std::to_string(i);
    t[n] = Topic(n, i % 17, i % 13, i % 8);
  }
  std::string raw;
  REQUIRE(EncodeCompressedRegisterBody(t, Version42(), &raw).ok());
  CHECK(raw.size() < EstimateRegisterBodyJsonSize(t) / 10);
  DataVersion dv;
  TopicTable back;
  REQUIRE(DecodeCompressedRegisterBody(raw, &dv, &back).ok());
  CHECK(dv == Version42());
  REQUIRE(back.size() == t.size());
  for (const auto& [n, tc] : t) {
    const TopicConfig& b = back[n];
    REQUIRE(b.topic_name == n);
    REQUIRE(b.read_queue_nums == tc.read_queue_nums);
    REQUIRE(b.write_queue_nums == tc.write_queue_nums);
    REQUIRE(b.perm == tc.perm);
  }
}

TEST_CASE("register body: names Java could not decode are left out, filter types kept to Java's two") {
  TopicTable t{{"ok", Topic("ok", 1, 1)}, {"with space", Topic("with space", 1, 1)}};
  t["ok"].topic_filter_type = "BOGUS";
  size_t skipped = 0;
  std::string raw;
  REQUIRE(EncodeCompressedRegisterBody(t, Version42(), &raw, &skipped).ok());
  CHECK(skipped == 1);
  DataVersion dv;
  TopicTable back;
  REQUIRE(DecodeCompressedRegisterBody(raw, &dv, &back).ok());
  REQUIRE(back.size() == 1);
  CHECK(back["ok"].topic_filter_type == "SINGLE_TAG");
}

TEST_CASE("register body: JSON form and its size estimate") {
  TopicTable t;
  for (int i = 0; i < 1000; ++i) {
    std::string n = "Topic_" + std::to_string(i);
    t[n] = Topic(n, 1024, 1024, 7);
    t[n].topic_sys_flag = 123456;
  }
  std::string json = EncodeRegisterBodyJson(t, Version42());
  CHECK(json.rfind("{\"filterServerList\":[],\"topicConfigSerializeWrapper\":{\"dataVersion\":", 0) == 0);
  CHECK(json.back() == '}');
  CHECK(json.size() <= EstimateRegisterBodyJsonSize(t));
}

TEST_CASE("register body: truncated compressed stream is refused") {
  TopicTable t{{"TopicA", Topic("TopicA", 4, 8)}};
  std::string raw;
  REQUIRE(EncodeCompressedRegisterBody(t, Version42(), &raw).ok());
  for (size_t cut : {size_t{0}, size_t{2}, raw.size() / 2, raw.size() - 1}) {
    INFO("cut at ", cut);
    DataVersion dv;
    TopicTable back;
    CHECK(DecodeCompressedRegisterBody(std::string_view(raw).substr(0, cut), &dv, &back).IsCorruption());
  }
}

TEST_CASE("register body: not zlib at all is refused") {
  DataVersion dv;
  TopicTable back;
  CHECK(DecodeCompressedRegisterBody("{\"topicConfigSerializeWrapper\":{}}", &dv, &back).IsCorruption());
}

TEST_CASE("register body: lengths that point past the payload are refused") {
  auto decode = [](const std::string& payload) {
    std::string raw;
    REQUIRE(Deflate(payload, 6, &raw).ok());
    DataVersion dv;
    TopicTable back;
    return DecodeCompressedRegisterBody(raw, &dv, &back);
  };
  std::string dv = "{\"counter\":1,\"timestamp\":2}";
  std::string p;
  PutFixed32(&p, 0x7FFFFFFF);  // data version length far past the end
  p += dv;
  CHECK(decode(p).IsCorruption());

  p.clear();
  PutFixed32(&p, static_cast<uint32_t>(dv.size()));
  p += dv;
  PutFixed32(&p, 1000000);  // a million topics announced, none present
  CHECK(decode(p).IsCorruption());

  p.clear();
  PutFixed32(&p, static_cast<uint32_t>(dv.size()));
  p += dv;
  PutFixed32(&p, 1);
  PutFixed32(&p, 0xFFFFFFFF);  // entry length past the end
  CHECK(decode(p).IsCorruption());
}

TEST_CASE("register body: malformed topic entries are refused") {
  for (std::string entry : {"T 1 2", "T x 2 6 SINGLE_TAG", "T 1 2 6x SINGLE_TAG", " 1 2 6 SINGLE_TAG", ""}) {
    INFO("entry: ", entry);
    std::string dv = "{\"counter\":1,\"timestamp\":2}";
    std::string p;
    PutFixed32(&p, static_cast<uint32_t>(dv.size()));
    p += dv;
    PutFixed32(&p, 1);
    PutFixed32(&p, static_cast<uint32_t>(entry.size()));
    p += entry;
    std::string raw;
    REQUIRE(Deflate(p, 6, &raw).ok());
    DataVersion v;
    TopicTable back;
    CHECK(DecodeCompressedRegisterBody(raw, &v, &back).IsCorruption());
  }
}

TEST_CASE("register body: a 5.x entry with attributes decodes") {
  std::string dv = "{\"counter\":1,\"stateVersion\":0,\"timestamp\":2}";
  std::string entry = "T5 3 3 6 SINGLE_TAG {\"+message.type\":\"NORMAL\"}";
  std::string p;
  PutFixed32(&p, static_cast<uint32_t>(dv.size()));
  p += dv;
  PutFixed32(&p, 1);
  PutFixed32(&p, static_cast<uint32_t>(entry.size()));
  p += entry;
  PutFixed32(&p, 2);
  p += "[]";
  std::string raw;
  REQUIRE(Deflate(p, 9, &raw).ok());
  DataVersion v;
  TopicTable back;
  REQUIRE(DecodeCompressedRegisterBody(raw, &v, &back).ok());
  REQUIRE(back.count("T5") == 1);
  CHECK(back["T5"].read_queue_nums == 3);
}

TEST_CASE("register body: a zlib bomb stops at the inflate limit") {
  std::string zeros(kMaxInflatedRegisterBody + 1024 * 1024, '\0');
  std::string raw;
  REQUIRE(Deflate(zeros, 9, &raw).ok());
  std::string().swap(zeros);
  CHECK(raw.size() < 1024 * 1024);
  DataVersion v;
  TopicTable back;
  Status s = DecodeCompressedRegisterBody(raw, &v, &back);
  CHECK(s.IsCorruption());
  CHECK(s.ToString().find("inflates past") != std::string::npos);
}

TEST_CASE("register body: the data version alone is read from the head of a large body") {
  TopicTable t;
  for (int i = 0; i < 50000; ++i) t["T" + std::to_string(i)] = Topic("T" + std::to_string(i), 8, 8);
  std::string raw;
  REQUIRE(EncodeCompressedRegisterBody(t, Version42(), &raw).ok());
  DataVersion dv;
  REQUIRE(DecodeCompressedRegisterVersion(raw, &dv).ok());
  CHECK(dv == Version42());
  REQUIRE(DecodeCompressedRegisterVersion(Unhex(kJava497OneTopic), &dv).ok());
  CHECK(dv.counter == 42);
  CHECK(DecodeCompressedRegisterVersion("not zlib", &dv).IsCorruption());
  CHECK(DecodeCompressedRegisterVersion(std::string_view(raw).substr(0, 3), &dv).IsCorruption());
}
