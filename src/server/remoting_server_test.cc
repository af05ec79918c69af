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
