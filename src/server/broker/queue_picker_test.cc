#include "server/broker/queue_picker.h"

#include <doctest/doctest.h>

#include <set>

namespace rmq::server {

TEST_CASE("PickQueueId keeps a requested queue and otherwise spreads over [0, n)") {
  CHECK(PickQueueId(5, 8) == 5);
  CHECK(PickQueueId(0, 1) == 0);
  CHECK(PickQueueId(-1, 0) == 0);
  CHECK(PickQueueId(-1, 1) == 0);
  std::set<int32_t> seen;
  for (int i = 0; i < 2000; ++i) {
    int32_t q = PickQueueId(-1, 4);
    CHECK(q >= 0);
    CHECK(q < 4);
    seen.insert(q);
  }
  CHECK(seen.size() == 4);
}

}  // namespace rmq::server
