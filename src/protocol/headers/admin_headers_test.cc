#include "protocol/headers/admin_headers.h"

#include <doctest/doctest.h>

#include "protocol/headers/header_test_util.h"

namespace rmq::protocol {
namespace {

TEST_CASE("admin headers: create topic keeps Java's defaults for the optional fields") {
  CreateTopicRequestHeader h;
  REQUIRE(CreateTopicRequestHeader::Decode(
              Fields({{"topic", "T"}, {"readQueueNums", "4"}, {"writeQueueNums", "2"}, {"perm", "6"}}), &h)
              .ok());
  CHECK(h.read_queue_nums == 4);
  CHECK(h.write_queue_nums == 2);
  CHECK(h.topic_filter_type == "SINGLE_TAG");
  CHECK_FALSE(h.order);
  CHECK(CreateTopicRequestHeader::Decode(Fields({{"topic", "T"}, {"readQueueNums", "4"}, {"writeQueueNums", "2"}}), &h)
            .message() == "the custom field <perm> is null");
}

TEST_CASE("admin headers: group, reset-offset and ACL headers name their fields") {
  GroupRequestHeader g;
  REQUIRE(GroupRequestHeader::Decode(Fields({{"groupName", "G"}}), "groupName", &g).ok());
  CHECK(g.group == "G");
  CHECK(GroupRequestHeader::Decode(Fields({{"groupName", "G"}}), "producerGroup", &g).message() ==
        "the custom field <producerGroup> is null");
  ResetOffsetRequestHeader r;
  // Booleans read as Java's Boolean.parseBoolean: anything but "true" is false, never malformed.
  REQUIRE(ResetOffsetRequestHeader::Decode(
              Fields({{"topic", "T"}, {"group", "G"}, {"timestamp", "1"}, {"isForce", "maybe"}}), &r)
              .ok());
  CHECK_FALSE(r.is_force);
  CHECK(ResetOffsetRequestHeader::Decode(Fields({{"topic", "T"}, {"group", "G"}, {"timestamp", "soon"}, {"isForce", "true"}}), &r)
            .message()
            .rfind("the custom field <timestamp> has a malformed value", 0) == 0);
  AclConfigRequestHeader a;
  REQUIRE(AclConfigRequestHeader::Decode(Fields({{"accessKey", "k"}, {"admin", "TRUE"}}), true, &a).ok());
  CHECK(a.admin);
  AclConfigRequestHeader d;
  REQUIRE(AclConfigRequestHeader::Decode(Fields({{"accessKey", "k"}, {"admin", "true"}}), false, &d).ok());
  CHECK(d.access_key == "k");
  CHECK_FALSE(d.admin);  // DELETE_ACL_CONFIG reads only the accessKey
  CloneGroupOffsetRequestHeader c;
  REQUIRE(CloneGroupOffsetRequestHeader::Decode(Fields({{"srcGroup", "s"}, {"destGroup", "d"}}), &c).ok());
  CHECK(c.topic.empty());
  CHECK_FALSE(c.offline);
}

}  // namespace
}  // namespace rmq::protocol
