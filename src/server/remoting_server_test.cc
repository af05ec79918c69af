#include "server/remoting_server.h"

#include <doctest/doctest.h>

#include "server/config.h"

namespace rmq::server {

TEST_CASE("NextReadSize: an incomplete length word asks for a few KiB only") {
  CHECK(NextReadSize(1, 0) <= 4096);
  CHECK(NextReadSize(3, 0) > 0);
}

TEST_CASE("NextReadSize: an announced 16 MiB frame does not buy 16 MiB of buffer") {
  size_t frame = 4 + 16 * 1024 * 1024;
  CHECK(NextReadSize(8, frame) <= 64 * 1024);
  // Growth doubles at most with what arrived.
  CHECK(NextReadSize(1024 * 1024, frame) <= 1024 * 1024);
}

TEST_CASE("NextReadSize: the end of a frame asks for its rest plus a little slack") {
  size_t frame = 100000;
  size_t n = NextReadSize(90000, frame);
  CHECK(n >= 10000);
  CHECK(n <= 10000 + 4096);
}

TEST_CASE("NextReadSize: a complete frame in the buffer still asks for something") {
  CHECK(NextReadSize(100, 50) > 0);
}

TEST_CASE("ToRemotingLimits maps the config keys") {
  BrokerConfig b;
  std::vector<std::string> unknown;
  REQUIRE(ApplyBrokerConfig({{"serverChannelMaxIdleTimeSeconds", "7"},
                             {"writeBufferHighWaterMark", "2000000"},
                             {"writeBufferLowWaterMark", "1000"},
                             {"remotingMemoryLimit", "5000000"},
                             {"frameReadTimeoutMillis", "1234"},
                             {"maxFrameSize", "65536"}},
                            &b, &unknown)
              .ok());
  CHECK(unknown.empty());
  RemotingLimits l = ToRemotingLimits(b);
  CHECK(l.max_idle_ms == 7000);
  CHECK(l.write_high_water == 2000000);
  CHECK(l.write_low_water == 1000);
  CHECK(l.memory_limit == 5000000);
  CHECK(l.frame_timeout_ms == 1234);
  CHECK(l.max_frame_size == 65536);
}

TEST_CASE("ToRemotingLimits: Java's 0 water marks keep rmqd's defaults") {
  NamesrvConfig n;
  REQUIRE(ApplyNamesrvConfig({{"writeBufferHighWaterMark", "0"}, {"writeBufferLowWaterMark", "0"}}, &n, nullptr).ok());
  RemotingLimits l = ToRemotingLimits(n);
  CHECK(l.write_high_water == RemotingLimits{}.write_high_water);
  CHECK(l.write_low_water == RemotingLimits{}.write_low_water);
  CHECK(l.max_idle_ms == 120000);
}

TEST_CASE("remotingMemoryLimit below 1 MiB is refused") {
  BrokerConfig b;
  CHECK(!ApplyBrokerConfig({{"remotingMemoryLimit", "1000"}}, &b, nullptr).ok());
}

}  // namespace rmq::server

namespace rmq::server {

namespace {
// Runs the server's loop until `ms` have passed (a stopper timer ends it).
void RunFor(RemotingServer& server, uint64_t ms) {
  server.AddTimer(ms, 0, [&server] { server.Stop(); });
  uv_run(server.loop(), UV_RUN_DEFAULT);
}
// A connection that closes at once: the host is not an address, so Connect closes it inline.
void CloseOneConnection(RemotingServer& server) {
  server.Connect("not-an-address", 1, [](Status) {});
}
}  // namespace

TEST_CASE("RemoveTimer: a removed timer does not fire, the others do") {
  RemotingServer server;
  int kept = 0, removed = 0;
  server.AddTimer(5, 5, [&] { ++kept; });
  TimerHandle t = server.AddTimer(5, 5, [&] { ++removed; });
  CHECK(t != 0);
  CHECK(server.RemoveTimer(t));
  CHECK_FALSE(server.RemoveTimer(t));  // twice: a no-op
  RunFor(server, 60);
  CHECK(kept > 0);
  CHECK(removed == 0);
}

TEST_CASE("RemoveTimer: a timer removes itself and another one from inside its callback") {
  RemotingServer server;
  int self_fired = 0, other_fired = 0;
  TimerHandle other = 0, self = 0;
  // Same period, added first: fires before `other` in every round.
  self = server.AddTimer(5, 5, [&] {
    ++self_fired;
    CHECK(server.RemoveTimer(self));
    CHECK(server.RemoveTimer(other));
  });
  other = server.AddTimer(5, 5, [&] { ++other_fired; });
  RunFor(server, 60);
  CHECK(self_fired == 1);
  CHECK(other_fired == 0);
}

TEST_CASE("RemoveTimer after Stop is a no-op") {
  RemotingServer server;
  TimerHandle t = server.AddTimer(1000, 1000, [] {});
  server.Stop();
  CHECK_FALSE(server.RemoveTimer(t));
}

TEST_CASE("RemoveCloseHandler: a removed handler is not called") {
  RemotingServer server;
  int a = 0, b = 0;
  server.AddCloseHandler([&](Connection&) { ++a; });
  CloseHandlerHandle hb = server.AddCloseHandler([&](Connection&) { ++b; });
  CloseOneConnection(server);
  CHECK(a == 1);
  CHECK(b == 1);
  CHECK(server.RemoveCloseHandler(hb));
  CHECK_FALSE(server.RemoveCloseHandler(hb));
  CloseOneConnection(server);
  CHECK(a == 2);
  CHECK(b == 1);
}

TEST_CASE("RemoveCloseHandler from inside a close handler: itself and a later one") {
  RemotingServer server;
  int first = 0, second = 0, third = 0;
  CloseHandlerHandle h1 = 0, h2 = 0;
  h1 = server.AddCloseHandler([&](Connection&) {
    ++first;
    CHECK(server.RemoveCloseHandler(h1));  // itself, while running
    CHECK(server.RemoveCloseHandler(h2));  // one that has not run yet for this close
  });
  h2 = server.AddCloseHandler([&](Connection&) { ++second; });
  server.AddCloseHandler([&](Connection&) { ++third; });
  CloseOneConnection(server);
  CHECK(first == 1);
  CHECK(second == 0);
  CHECK(third == 1);
  CloseOneConnection(server);
  CHECK(first == 1);
  CHECK(second == 0);
  CHECK(third == 2);
}

}  // namespace rmq::server
