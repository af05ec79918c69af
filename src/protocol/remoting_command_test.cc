#include <doctest/doctest.h>

#include "common/coding.h"
#include "protocol/remoting_command.h"

using namespace rmq;
using namespace rmq::protocol;

namespace {
std::string Unhex(std::string_view hex) {
  std::string out;
  int hi = -1;
  for (char c : hex) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else continue;
    if (hi < 0) hi = v;
    else { out.push_back(static_cast<char>(hi * 16 + v)); hi = -1; }
  }
  return out;
}

RemotingCommand RouteRequest(SerializeType t) {
  RemotingCommand c = RemotingCommand::CreateRequest(105);
  c.opaque = 7;
  c.version = 409;
  c.serialize_type = t;
  c.ext_fields.Set("topic", "T1");
  return c;
}
}  // namespace

TEST_CASE("rocketmq header matches the reference's worked example") {
  std::string frame = EncodeFrame(RouteRequest(SerializeType::kRocketMQ));
  CHECK(frame == Unhex("00000026 01000022 0069 00 0199 00000007 00000000 00000000 0000000D 0005 746F706963 00000002 5431"));
}

TEST_CASE("both serializations round-trip") {
  for (auto t : {SerializeType::kJson, SerializeType::kRocketMQ}) {
    RemotingCommand c = RouteRequest(t);
    c.remark = "hello \x01 \"quoted\" 中文";
    c.ext_fields.Set("properties", std::string("KEYS\x01k1\x02TAGS\x01t\x02"));
    c.SetBody("body-bytes");
    std::string frame = EncodeFrame(c);
    REQUIRE(DecodeFixed32(frame.data()) == frame.size() - 4);
    auto r = DecodeFrame(std::string_view(frame).substr(4));
    REQUIRE(r.ok());
    CHECK(r->code == 105);
    CHECK(r->opaque == 7);
    CHECK(r->version == 409);
    CHECK(r->serialize_type == t);
    CHECK(*r->remark == *c.remark);
    CHECK(*r->ext_fields.Find("topic") == "T1");
    CHECK(*r->ext_fields.Find("properties") == *c.ext_fields.Find("properties"));
    CHECK(r->Body() == "body-bytes");
  }
}

TEST_CASE("json header with numeric and boolean extFields values") {
  std::string h = R"({"code":34,"extFields":{"queueId":3,"flag":true,"n":null},"flag":0,"language":"GO","opaque":5,"version":1})";
  RemotingCommand c;
  REQUIRE(DecodeJsonHeader(h, &c).ok());
  CHECK(*c.ext_fields.Find("queueId") == "3");
  CHECK(*c.ext_fields.Find("flag") == "true");
  CHECK(c.ext_fields.Find("n") == nullptr);
  CHECK(c.language == LanguageCode::kGo);
}

TEST_CASE("corrupt: frame shorter than header-length word") {
  CHECK(DecodeFrame(std::string_view("\x00\x00", 2)).status().IsCorruption());
}

TEST_CASE("corrupt: header length beyond frame") {
  std::string f = Unhex("00001000") + "{}";
  CHECK(DecodeFrame(f).status().IsCorruption());
}

TEST_CASE("corrupt: unknown serialize type") {
  std::string f = Unhex("05000002") + "{}";
  CHECK(DecodeFrame(f).status().IsCorruption());
}

TEST_CASE("corrupt: garbage json header") {
  std::string h = "{\"code\":";
  std::string f = Unhex("00000008") + h;
  CHECK(DecodeFrame(f).status().IsCorruption());
}

namespace {
std::string JsonFrame(const std::string& h) {
  std::string f(4, '\0');
  EncodeFixed32(f.data(), static_cast<uint32_t>(h.size()));
  return f + h;
}
}  // namespace

// Java 4.9.7 (fastjson) leaves a missing code at 0 and answers "request type 0 not supported".
TEST_CASE("json header without code is request code 0") {
  std::string f = JsonFrame("{\"opaque\":1}");
  auto r = DecodeFrame(f);
  REQUIRE(r.ok());
  CHECK(r.value().code == 0);
  CHECK(r.value().opaque == 1);
}

TEST_CASE("json header code given as a string is that code") {
  std::string f = JsonFrame("{\"code\":\"30\",\"opaque\":\"7\"}");
  auto r = DecodeFrame(f);
  REQUIRE(r.ok());
  CHECK(r.value().code == 30);
  CHECK(r.value().opaque == 7);
}

TEST_CASE("corrupt: json header code 2^32+30 is not 30") {
  CHECK(DecodeFrame(JsonFrame("{\"code\":4294967326,\"opaque\":1}")).status().IsCorruption());
  CHECK(DecodeFrame(JsonFrame("{\"code\":\"4294967326\",\"opaque\":1}")).status().IsCorruption());
}

TEST_CASE("corrupt: json header code with a leading space, opaque or flag out of int32") {
  CHECK(DecodeFrame(JsonFrame("{\"code\":\" 30\"}")).status().IsCorruption());
  CHECK(DecodeFrame(JsonFrame("{\"code\":30,\"opaque\":4294967297}")).status().IsCorruption());
  CHECK(DecodeFrame(JsonFrame("{\"code\":30,\"flag\":-2147483649}")).status().IsCorruption());
  CHECK(DecodeFrame(JsonFrame("{\"code\":30,\"version\":[409]}")).status().IsCorruption());
}

TEST_CASE("corrupt: binary header truncated") {
  std::string f = Unhex("01000003 006900");
  CHECK(DecodeFrame(f).status().IsCorruption());
}

TEST_CASE("corrupt: binary remark length beyond header") {
  std::string h = Unhex("0069 00 0199 00000007 00000000 7FFFFFFF");
  std::string f(4, '\0');
  EncodeFixed32(f.data(), (1u << 24) | static_cast<uint32_t>(h.size()));
  CHECK(DecodeFrame(f + h).status().IsCorruption());
}

TEST_CASE("corrupt: binary extFields entry truncated") {
  std::string h = Unhex("0069 00 0199 00000007 00000000 00000000 0000000D 0005 746F706963 00000009 5431");
  std::string f(4, '\0');
  EncodeFixed32(f.data(), (1u << 24) | static_cast<uint32_t>(h.size()));
  CHECK(DecodeFrame(f + h).status().IsCorruption());
}

TEST_CASE("header reader reports missing and malformed fields") {
  ExtFields f;
  f.Set("queueId", "x1");
  f.Set("topic", "T");
  std::string topic;
  int32_t qid = 0;
  {
    HeaderReader r(f);
    r.Required("topic", &topic);
    r.Required("queueId", &qid);
    CHECK(r.status().IsInvalidArgument());
    CHECK(r.status().message().find("queueId") != std::string::npos);
  }
  {
    HeaderReader r(f);
    int64_t off = 0;
    r.Required("offset", &off);
    CHECK(r.status().message() == "the custom field <offset> is null");
  }
}

TEST_CASE("a header with more than kMaxExtFields extFields is refused, in both serializations") {
  for (auto t : {SerializeType::kJson, SerializeType::kRocketMQ}) {
    RemotingCommand at_limit = RouteRequest(t);
    for (size_t i = 1; i < kMaxExtFields; ++i) at_limit.ext_fields.Set("k" + std::to_string(i), "v");
    REQUIRE(at_limit.ext_fields.size() == kMaxExtFields);
    std::string frame = EncodeFrame(at_limit);
    CHECK(DecodeFrame(std::string_view(frame).substr(4)).ok());
    RemotingCommand over = at_limit;
    over.ext_fields.Set("one-more", "v");
    frame = EncodeFrame(over);
    auto r = DecodeFrame(std::string_view(frame).substr(4));
    REQUIRE(!r.ok());
    CHECK(r.status().ToString().find("extFields") != std::string::npos);
  }
}

TEST_CASE("a large JSON header is refused by its value count before it is parsed, not by its size") {
  RemotingCommand big_remark = RouteRequest(SerializeType::kJson);
  big_remark.remark = std::string(200000, ',') + "\"\\\",,";  // commas inside a string do not count
  std::string frame = EncodeFrame(big_remark);
  auto ok = DecodeFrame(std::string_view(frame).substr(4));
  REQUIRE(ok.ok());
  CHECK(*ok->remark == *big_remark.remark);

  std::string header = "{\"code\":105,\"opaque\":1,\"extFields\":{";
  for (int i = 0; i < 20000; ++i) header += "\"k" + std::to_string(i) + "\":\"\",";
  header += "\"topic\":\"T\"}}";
  std::string raw(4, '\0');
  EncodeFixed32(raw.data(), static_cast<uint32_t>(header.size()));
  raw += header;
  auto r = DecodeFrame(raw);
  REQUIRE(!r.ok());
  CHECK(r.status().ToString().find("values") != std::string::npos);
}
