#include <doctest/doctest.h>

#include <set>

#include "protocol/request_code.h"
#include "server/dispatcher.h"

using namespace rmq::server;
using rmq::protocol::RequestCode;

TEST_CASE("request table: every row is found for its roles and only those") {
  std::set<std::pair<int32_t, uint32_t>> seen;
  for (size_t i = 0; i < RequestSpecCount(); ++i) {
    const RequestSpec& r = RequestSpecAt(i);
    for (uint32_t role : {uint32_t(kRoleNamesrv), uint32_t(kRoleBroker)}) {
      const RequestSpec* found = FindRequestSpec(r.code, role);
      if (r.roles & role) {
        CHECK(found == &r);
        CHECK(seen.insert({r.code, role}).second);  // no code listed twice for a role
      }
    }
    bool has_handler = r.handler != nullptr;
    CHECK(has_handler);
  }
}

TEST_CASE("request table: codes of the other role and unknown codes are not served") {
  CHECK(FindRequestSpec(static_cast<int32_t>(RequestCode::kSendMessageV2), kRoleNamesrv) == nullptr);
  CHECK(FindRequestSpec(static_cast<int32_t>(RequestCode::kRegisterBroker), kRoleBroker) == nullptr);
  CHECK(FindRequestSpec(9999, kRoleBroker) == nullptr);
  CHECK(FindRequestSpec(-5, kRoleNamesrv) == nullptr);
  CHECK(FindRequestSpec(200050, kRoleBroker) == nullptr);
  CHECK(FindRequestSpec(static_cast<int32_t>(RequestCode::kPullMessage), kRoleClient) == nullptr);
}
