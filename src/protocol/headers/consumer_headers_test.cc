#include "protocol/headers/consumer_headers.h"

#include <doctest/doctest.h>

#include "protocol/headers/header_test_util.h"

namespace rmq::protocol {
namespace {

TEST_CASE("consumer headers: update offset decodes every field and names a missing or malformed one") {
  UpdateConsumerOffsetRequestHeader h;
  REQUIRE(UpdateConsumerOffsetRequestHeader::Decode(
              Fields({{"consumerGroup", "g"}, {"topic", "T"}, {"queueId", "3"}, {"commitOffset", "42"}}), &h)
              .ok());
  CHECK(h.consumer_group == "g");
  CHECK(h.topic == "T");
  CHECK(h.queue_id == 3);
  CHECK(h.commit_offset == 42);
  Status missing = UpdateConsumerOffsetRequestHeader::Decode(
      Fields({{"consumerGroup", "g"}, {"topic", "T"}, {"queueId", "3"}}), &h);
  CHECK(missing.message() == "the custom field <commitOffset> is null");
  Status bad = UpdateConsumerOffsetRequestHeader::Decode(
      Fields({{"consumerGroup", "g"}, {"topic", "T"}, {"queueId", "x"}, {"commitOffset", "1"}}), &h);
  CHECK(bad.message().rfind("the custom field <queueId> has a malformed value", 0) == 0);
}

TEST_CASE("consumer headers: query offset's setZeroIfNotFound is optional and defaults to true") {
  QueryConsumerOffsetRequestHeader h;
  REQUIRE(QueryConsumerOffsetRequestHeader::Decode(Fields({{"consumerGroup", "g"}, {"topic", "T"}, {"queueId", "0"}}), &h)
              .ok());
  CHECK(h.set_zero_if_not_found);
  REQUIRE(QueryConsumerOffsetRequestHeader::Decode(
              Fields({{"consumerGroup", "g"}, {"topic", "T"}, {"queueId", "0"}, {"setZeroIfNotFound", "false"}}), &h)
              .ok());
  CHECK_FALSE(h.set_zero_if_not_found);
  CHECK(QueryConsumerOffsetRequestHeader::Decode(Fields({{"topic", "T"}, {"queueId", "0"}}), &h).message() ==
        "the custom field <consumerGroup> is null");
}

TEST_CASE("consumer headers: client and queue-query headers") {
  UnregisterClientRequestHeader u;
  REQUIRE(UnregisterClientRequestHeader::Decode(Fields({{"clientID", "c"}, {"consumerGroup", "g"}}), &u).ok());
  CHECK(u.client_id == "c");
  CHECK(u.producer_group.empty());
  CHECK(u.consumer_group == "g");
  CHECK(UnregisterClientRequestHeader::Decode(Fields({{"producerGroup", "p"}}), &u).message() ==
        "the custom field <clientID> is null");
  GetConsumerListByGroupRequestHeader l;
  CHECK(GetConsumerListByGroupRequestHeader::Decode(Fields({}), &l).message() ==
        "the custom field <consumerGroup> is null");
  QueueQueryRequestHeader q;
  REQUIRE(QueueQueryRequestHeader::Decode(Fields({{"topic", "T"}, {"queueId", "1"}}), false, &q).ok());
  CHECK(q.queue_id == 1);
  CHECK(QueueQueryRequestHeader::Decode(Fields({{"topic", "T"}, {"queueId", "1"}}), true, &q).message() ==
        "the custom field <timestamp> is null");
  REQUIRE(QueueQueryRequestHeader::Decode(Fields({{"topic", "T"}, {"queueId", "1"}, {"timestamp", "99"}}), true, &q).ok());
  CHECK(q.timestamp == 99);
}

}  // namespace
}  // namespace rmq::protocol
