#include "server/namesrv/register_broker_body.h"

#include <doctest/doctest.h>

#include <string>

namespace rmq::server {
namespace {

TEST_CASE("register body: the JSON form fills the topic table and DataVersion") {
  RegisterBrokerRequest r;
  REQUIRE(DecodeRegisterBrokerBody(
      R"({"topicConfigSerializeWrapper":{"dataVersion":{"counter":3,"timestamp":5},"topicConfigTable":)"
      R"({"T1":{"topicName":"T1","readQueueNums":4,"writeQueueNums":4,"perm":6}}},"filterServerList":[]})",
      false, &r));
  CHECK(r.has_topics);
  REQUIRE(r.topics.count("T1") == 1);
  CHECK(r.topics["T1"].read_queue_nums == 4);
  CHECK(r.data_version.counter == 3);
}

TEST_CASE("register body: nesting past json::kMaxDepth and broken zlib are malformed, not a crash") {
  RegisterBrokerRequest r;
  CHECK_FALSE(DecodeRegisterBrokerBody("{\"topicConfigSerializeWrapper\":" + std::string(200000, '['), false, &r));
  CHECK_FALSE(DecodeRegisterBrokerBody(std::string(200000, '{'), false, &r));
  CHECK_FALSE(DecodeRegisterBrokerBody("not zlib", true, &r));
  CHECK_FALSE(DecodeRegisterBrokerBody("", true, &r));
}

}  // namespace
}  // namespace rmq::server
