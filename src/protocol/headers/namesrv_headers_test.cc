#include "protocol/headers/namesrv_headers.h"

#include <doctest/doctest.h>

#include "protocol/headers/header_test_util.h"

namespace rmq::protocol {
namespace {

TEST_CASE("namesrv headers: register broker's required and optional fields") {
  RegisterBrokerRequestHeader h;
  REQUIRE(RegisterBrokerRequestHeader::Decode(Fields({{"brokerName", "b"},
                                                      {"brokerAddr", "1.2.3.4:10911"},
                                                      {"clusterName", "c"},
                                                      {"haServerAddr", "1.2.3.4:10912"},
                                                      {"brokerId", "1"},
                                                      {"compressed", "true"}}),
                                              &h)
              .ok());
  CHECK(h.broker_id == 1);
  CHECK(h.compressed);
  CHECK(h.body_crc32 == 0);
  CHECK(h.heartbeat_timeout_millis == 0);
  CHECK(RegisterBrokerRequestHeader::Decode(
            Fields({{"brokerName", "b"}, {"brokerAddr", "a"}, {"clusterName", "c"}, {"brokerId", "0"}}), &h)
            .message() == "the custom field <haServerAddr> is null");
  BrokerIdentityRequestHeader id;
  CHECK(BrokerIdentityRequestHeader::Decode(
            Fields({{"brokerName", "b"}, {"brokerAddr", "a"}, {"clusterName", "c"}, {"brokerId", "zero"}}), &id)
            .message()
            .rfind("the custom field <brokerId> has a malformed value", 0) == 0);
}

TEST_CASE("namesrv headers: KV config fields are required per request") {
  KvConfigRequestHeader h;
  CHECK(KvConfigRequestHeader::Decode(Fields({{"namespace", "n"}, {"key", "k"}}), true, true, &h).message() ==
        "the custom field <value> is null");
  REQUIRE(KvConfigRequestHeader::Decode(Fields({{"namespace", "n"}, {"key", "k"}}), true, false, &h).ok());
  CHECK(h.key == "k");
  CHECK(KvConfigRequestHeader::Decode(Fields({{"namespace", "n"}}), true, false, &h).message() ==
        "the custom field <key> is null");
  KvConfigRequestHeader list;
  REQUIRE(KvConfigRequestHeader::Decode(Fields({{"namespace", "n"}}), false, false, &list).ok());
  CHECK(list.name_space == "n");
  TopicInNamesrvRequestHeader t;
  REQUIRE(TopicInNamesrvRequestHeader::Decode(Fields({{"topic", "T"}}), &t).ok());
  CHECK(t.cluster_name.empty());
  WritePermOfBrokerRequestHeader w;
  CHECK(WritePermOfBrokerRequestHeader::Decode(Fields({}), &w).message() == "the custom field <brokerName> is null");
}

}  // namespace
}  // namespace rmq::protocol
