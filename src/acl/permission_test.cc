#include "acl/permission.h"

#include <doctest/doctest.h>

namespace rmq::acl {

TEST_CASE("perm strings parse as Java's parsePermFromString") {
  CHECK(ParsePermFromString("PUB") == kPermPub);
  CHECK(ParsePermFromString(" SUB ") == kPermSub);
  CHECK(ParsePermFromString("PUB|SUB") == (kPermPub | kPermSub));
  CHECK(ParsePermFromString("SUB|PUB") == (kPermPub | kPermSub));
  CHECK(ParsePermFromString("DENY") == kPermDeny);
  CHECK(ParsePermFromString("pub") == kPermDeny);
  CHECK(ParsePermFromString("PUB | SUB") == kPermDeny);
  CHECK(ParsePermFromString(static_cast<const std::string*>(nullptr)) == kPermDeny);
}

TEST_CASE("permission checks") {
  CHECK(CheckPermission(kPermPub, kPermPub));
  CHECK(CheckPermission(kPermSub, kPermPub | kPermSub));
  CHECK_FALSE(CheckPermission(kPermPub, kPermSub));
  CHECK_FALSE(CheckPermission(kPermSub, kPermPub));
  CHECK_FALSE(CheckPermission(kPermPub, kPermDeny));
  CHECK_FALSE(CheckPermission(kPermPub, kPermDeny | kPermPub));
  CHECK(CheckPermission(kPermAny, kPermSub));
  CHECK(CheckPermission(kPermAny, kPermPub));
  CHECK_FALSE(CheckPermission(kPermAny, kPermDeny));
}

TEST_CASE("admin codes are Java 4.9's five") {
  for (int32_t c : {17, 25, 215, 200, 207}) CHECK(NeedAdminPerm(c));
  for (int32_t c : {10, 11, 34, 50, 51, 52, 53, 54, 26}) CHECK_FALSE(NeedAdminPerm(c));
}

TEST_CASE("resource perms parse; groups become retry topics") {
  std::vector<std::pair<std::string, uint8_t>> out;
  REQUIRE(ParseResourcePerms({"topicA=DENY", " topicB = PUB|SUB"}, true, &out).ok());
  REQUIRE(ParseResourcePerms({"groupA=SUB"}, false, &out).ok());
  REQUIRE(out.size() == 3);
  CHECK(out[0] == std::make_pair(std::string("topicA"), kPermDeny));
  CHECK(out[1] == std::make_pair(std::string("topicB"), uint8_t(kPermPub | kPermSub)));
  CHECK(out[2] == std::make_pair(std::string("%RETRY%groupA"), kPermSub));
  Status bad = ParseResourcePerms({"topicA"}, true, &out);
  CHECK(bad.message() == "Parse resource permission failed for topic:topicA");
  CHECK(ParseResourcePerms({"a=b=c"}, false, &out).message() == "Parse resource permission failed for group:a=b=c");
}

TEST_CASE("admin-code resource check is stricter") {
  CHECK(CheckResourcePerms({"t=PUB", "u=DENY", "v=SUB|PUB"}).ok());
  CHECK(CheckResourcePerms({"t=XX"}).message() ==
        "Parse resource permission error for t=XX.\nThe expected permissions are 'SUB' or 'PUB' or 'SUB|PUB' or 'PUB|SUB'.");
  CHECK(CheckResourcePerms({"t"}).message() ==
        "Parse Resource format error for t.\nThe expected resource format is 'Res=Perm'. For example: topicA=SUB");
}

}  // namespace rmq::acl
