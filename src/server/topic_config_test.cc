#include <doctest/doctest.h>

#include <cstdint>

#include "server/topic_config.h"

using namespace rmq::server;

TEST_CASE("IsValidPerm: READ, WRITE and INHERIT combinations only") {
  for (int32_t p = 0; p < 8; ++p) CHECK(IsValidPerm(p));
  CHECK_FALSE(IsValidPerm(kPermPriority));
  CHECK_FALSE(IsValidPerm(kPermPriority | kPermRead | kPermWrite));
  CHECK_FALSE(IsValidPerm(255));
  CHECK_FALSE(IsValidPerm(-1));
  CHECK_FALSE(IsValidPerm(INT32_MIN));
  CHECK_FALSE(IsValidPerm(INT32_MAX));
}
