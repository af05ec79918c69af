#include "protocol/headers/message_headers.h"

#include <doctest/doctest.h>

#include "protocol/headers/header_test_util.h"

namespace rmq::protocol {
namespace {

TEST_CASE("message headers: send-back's maxReconsumeTimes is set only when sent") {
  ConsumerSendMsgBackRequestHeader h;
  REQUIRE(ConsumerSendMsgBackRequestHeader::Decode(Fields({{"offset", "10"}, {"group", "g"}, {"delayLevel", "2"}}), &h)
              .ok());
  CHECK(h.offset == 10);
  CHECK(h.delay_level == 2);
  CHECK_FALSE(h.max_reconsume_times.has_value());
  ConsumerSendMsgBackRequestHeader h2;
  REQUIRE(ConsumerSendMsgBackRequestHeader::Decode(
              Fields({{"offset", "10"}, {"group", "g"}, {"delayLevel", "2"}, {"maxReconsumeTimes", "5"}}), &h2)
              .ok());
  CHECK(h2.max_reconsume_times == 5);
  CHECK(ConsumerSendMsgBackRequestHeader::Decode(Fields({{"offset", "10"}, {"delayLevel", "2"}}), &h).message() ==
        "the custom field <group> is null");
}

TEST_CASE("message headers: end transaction and query message name a missing or malformed field") {
  EndTransactionRequestHeader e;
  REQUIRE(EndTransactionRequestHeader::Decode(Fields({{"producerGroup", "p"},
                                                      {"tranStateTableOffset", "1"},
                                                      {"commitLogOffset", "2"},
                                                      {"commitOrRollback", "8"},
                                                      {"msgId", "m"}}),
                                              &e)
              .ok());
  CHECK(e.commit_log_offset == 2);
  CHECK(e.commit_or_rollback == 8);
  CHECK_FALSE(e.from_transaction_check);
  CHECK(EndTransactionRequestHeader::Decode(Fields({{"producerGroup", "p"},
                                                    {"tranStateTableOffset", "1"},
                                                    {"commitLogOffset", "2"},
                                                    {"commitOrRollback", "8"}}),
                                            &e)
            .message() == "the custom field <msgId> is null");
  QueryMessageRequestHeader q;
  CHECK(QueryMessageRequestHeader::Decode(Fields({{"topic", "T"}, {"key", "k"}, {"maxNum", "many"},
                                                  {"beginTimestamp", "0"}, {"endTimestamp", "1"}}),
                                          &q)
            .message()
            .rfind("the custom field <maxNum> has a malformed value", 0) == 0);
  REQUIRE(QueryMessageRequestHeader::Decode(Fields({{"topic", "T"}, {"key", "k"}, {"maxNum", "3"},
                                                    {"beginTimestamp", "0"}, {"endTimestamp", "1"}}),
                                            &q)
              .ok());
  CHECK(q.end_timestamp == 1);
}

}  // namespace
}  // namespace rmq::protocol
