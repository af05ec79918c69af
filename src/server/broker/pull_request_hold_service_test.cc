#include <algorithm>

#include <doctest/doctest.h>

#include "server/broker/pull_request_hold_service.h"

using namespace rmq::server;

namespace {

// Records the opaque of every pull it is asked to answer, in order.
struct Woken {
  std::vector<int32_t> opaques;
  PullRequestHoldService::Wake Fn() {
    return [this](HeldPull& p) { opaques.push_back(p.to.opaque); };
  }
};

HeldPull Pull(const std::string& topic, int32_t queue_id, int64_t offset, uint64_t deadline_ms, int32_t opaque,
              ConnectionId conn = 1) {
  HeldPull p;
  p.header.topic = topic;
  p.header.queue_id = queue_id;
  p.header.queue_offset = offset;
  p.deadline_ms = deadline_ms;
  p.to.conn = conn;
  p.to.opaque = opaque;
  return p;
}

}  // namespace

TEST_CASE("hold: held pulls are counted and not answered") {
  Woken w;
  PullRequestHoldService s(w.Fn());
  s.Hold(Pull("T", 0, 5, 1000, 1));
  s.Hold(Pull("T", 1, 5, 1000, 2));
  CHECK(s.size() == 2);
  CHECK(w.opaques.empty());
}

TEST_CASE("hold: arrival wakes only pulls whose offset is below the new max") {
  Woken w;
  PullRequestHoldService s(w.Fn());
  s.Hold(Pull("T", 0, 5, 1000, 1));
  s.Hold(Pull("T", 0, 6, 1000, 2));
  s.Hold(Pull("T", 0, 4, 1000, 3));
  s.NotifyMessageArriving("T", 0, 6);  // offsets 5 and 4 can now read something
  CHECK(w.opaques == std::vector<int32_t>{1, 3});
  CHECK(s.size() == 1);
  s.NotifyMessageArriving("T", 0, 6);  // nothing new for offset 6
  CHECK(w.opaques.size() == 2);
  s.NotifyMessageArriving("T", 0, 7);
  CHECK(w.opaques == std::vector<int32_t>{1, 3, 2});
  CHECK(s.size() == 0);
}

TEST_CASE("hold: an arrival that wakes nothing leaves the held pulls intact") {
  // Regression: a send of a delayed message notifies its real topic/queue while the message is
  // parked elsewhere, so max does not move; the held pull must still be whole when it is due.
  PullRequestHoldService* sp = nullptr;
  std::vector<std::string> topics;
  PullRequestHoldService s([&topics](HeldPull& p) { topics.push_back(p.header.topic); });
  sp = &s;
  HeldPull p = Pull("T", 0, 0, 1000, 1);
  p.header.consumer_group = std::string(1, 'G');  // not = "G": GCC 12 -Wrestrict false positive
  s.Hold(std::move(p));
  s.NotifyMessageArriving("T", 0, 0);
  CHECK(sp->size() == 1);
  s.NotifyMessageArriving("T", 0, 1);
  CHECK(topics == std::vector<std::string>{"T"});
}

TEST_CASE("hold: arrival on another queue or topic wakes nothing") {
  Woken w;
  PullRequestHoldService s(w.Fn());
  s.Hold(Pull("T", 0, 0, 1000, 1));
  s.NotifyMessageArriving("T", 1, 100);
  s.NotifyMessageArriving("U", 0, 100);
  s.NotifyMessageArriving("T@0", 0, 100);
  CHECK(w.opaques.empty());
  CHECK(s.size() == 1);
}

TEST_CASE("hold: a woken pull is not answered again at its deadline") {
  Woken w;
  PullRequestHoldService s(w.Fn());
  s.Hold(Pull("T", 0, 0, 1000, 1));
  s.NotifyMessageArriving("T", 0, 1);
  s.CheckTimeouts(5000);
  CHECK(w.opaques == std::vector<int32_t>{1});
}

TEST_CASE("hold: CheckTimeouts answers due pulls in deadline order") {
  Woken w;
  PullRequestHoldService s(w.Fn());
  s.Hold(Pull("A", 0, 0, 300, 3));
  s.Hold(Pull("B", 0, 0, 100, 1));
  s.Hold(Pull("C", 0, 0, 200, 2));
  s.Hold(Pull("D", 0, 0, 400, 4));
  s.CheckTimeouts(99);
  CHECK(w.opaques.empty());
  s.CheckTimeouts(300);  // deadline == now counts as due
  CHECK(w.opaques == std::vector<int32_t>{1, 2, 3});
  CHECK(s.size() == 1);
  s.CheckTimeouts(1000);
  CHECK(w.opaques == std::vector<int32_t>{1, 2, 3, 4});
  CHECK(s.size() == 0);
}

TEST_CASE("hold: same queue, later deadline stays held") {
  Woken w;
  PullRequestHoldService s(w.Fn());
  s.Hold(Pull("T", 0, 0, 100, 1));
  s.Hold(Pull("T", 0, 0, 500, 2));
  s.CheckTimeouts(200);
  CHECK(w.opaques == std::vector<int32_t>{1});
  CHECK(s.size() == 1);
  s.CheckTimeouts(500);
  CHECK(w.opaques == std::vector<int32_t>{1, 2});
}

TEST_CASE("hold: OnConnectionClosed drops that connection's pulls unanswered") {
  Woken w;
  PullRequestHoldService s(w.Fn());
  s.Hold(Pull("T", 0, 0, 100, 1, /*conn=*/7));
  s.Hold(Pull("T", 0, 0, 100, 2, /*conn=*/8));
  s.Hold(Pull("U", 3, 0, 100, 3, /*conn=*/7));
  s.OnConnectionClosed(7);
  CHECK(s.size() == 1);
  s.NotifyMessageArriving("U", 3, 10);
  CHECK(w.opaques.empty());
  s.CheckTimeouts(1000);
  CHECK(w.opaques == std::vector<int32_t>{2});
  CHECK(s.size() == 0);
}

TEST_CASE("hold: the wake callback may hold the pull again") {
  // A woken pull that still finds nothing (e.g. filtered out by tag) is parked again.
  PullRequestHoldService* self = nullptr;
  int wakes = 0;
  PullRequestHoldService s([&](HeldPull& p) {
    ++wakes;
    if (wakes == 1) {
      HeldPull again = p;
      again.deadline_ms = 10000;
      self->Hold(std::move(again));
    }
  });
  self = &s;
  s.Hold(Pull("T", 0, 0, 1000, 1));
  s.NotifyMessageArriving("T", 0, 1);
  CHECK(wakes == 1);
  CHECK(s.size() == 1);
  s.CheckTimeouts(10000);
  CHECK(wakes == 2);
  CHECK(s.size() == 0);
}

TEST_CASE("hold: short polling check answers pulls that can read something or have run out") {
  Woken w;
  PullRequestHoldService s(w.Fn());
  s.Hold(Pull("T", 0, 5, 1000, 1));  // nothing new, not due
  s.Hold(Pull("T", 0, 3, 1000, 2));  // can read offset 3
  s.Hold(Pull("T", 1, 0, 500, 3));   // due at the check
  s.Hold(Pull("U", 0, 0, 2000, 4));  // nothing anywhere
  auto max = [](const std::string& topic, int32_t queue_id) -> int64_t {
    return topic == "T" && queue_id == 0 ? 5 : 0;
  };
  s.CheckAll(600, max);
  std::vector<int32_t> got = w.opaques;
  std::sort(got.begin(), got.end());
  CHECK(got == std::vector<int32_t>{2, 3});
  CHECK(s.size() == 2);
  s.CheckAll(1000, max);  // pull 1's hold has run out
  CHECK(w.opaques.back() == 1);
  CHECK(s.size() == 1);
  s.CheckAll(1500, [](const std::string&, int32_t) -> int64_t { return 1; });  // U@0 now has offset 0
  CHECK(w.opaques.back() == 4);
  CHECK(s.size() == 0);
  s.CheckAll(3000, max);  // empty table: nothing to do
  CHECK(w.opaques.size() == 4);
}
