#include "acl/remote_address_strategy.h"

#include <doctest/doctest.h>

namespace rmq::acl {

namespace {
RemoteAddressStrategy P(const char* pattern) {
  Result<RemoteAddressStrategy> r = RemoteAddressStrategy::Parse(pattern);
  INFO("pattern ", pattern, ": ", r.status().message());
  REQUIRE(r.ok());
  return r.value();
}
std::string Err(const char* pattern) {
  Result<RemoteAddressStrategy> r = RemoteAddressStrategy::Parse(pattern);
  return r.ok() ? "ok" : r.status().message();
}
}  // namespace

TEST_CASE("blank never matches, wildcards match all") {
  CHECK_FALSE(P("").Match("127.0.0.1"));
  CHECK_FALSE(P("   ").Match("127.0.0.1"));
  for (const char* all : {"*", "*.*.*.*", "*:*:*:*:*:*:*:*"}) {
    CHECK(P(all).Match("10.1.2.3"));
    CHECK(P(all).Match("::1"));
  }
}

TEST_CASE("one address, IPv4 and IPv6 (expanded)") {
  CHECK(P("127.0.0.1").Match("127.0.0.1"));
  CHECK_FALSE(P("127.0.0.1").Match("127.0.0.2"));
  CHECK(P("::1").Match("0:0:0:0:0:0:0:1"));
  CHECK(P("2001:DB8::1").Match("2001:db8:0:0:0:0:0:1"));
  CHECK(Err("127.0.0.256") == "Netaddress examine Exception netaddress is 127.0.0.256");
  CHECK(Err("localhost") == "Netaddress examine Exception netaddress is localhost");
}

TEST_CASE("comma list") {
  RemoteAddressStrategy s = P("192.168.0.1,192.168.0.2,::1");
  CHECK(s.Match("192.168.0.2"));
  CHECK(s.Match("0:0:0:0:0:0:0:1"));
  CHECK_FALSE(s.Match("192.168.0.3"));
  CHECK(Err("192.168.0.1, 192.168.0.2") == "Netaddress examine Exception netaddress is  192.168.0.2");
}

TEST_CASE("brace list") {
  RemoteAddressStrategy s = P("192.168.1.{1,2,3}");
  CHECK(s.Match("192.168.1.3"));
  CHECK_FALSE(s.Match("192.168.1.4"));
  CHECK(P("2001:db8::{1,2}").Match("2001:db8::2"));
  CHECK(Err("192.168.{1}") == "MultipleRemoteAddressStrategy has got a/some wrong format IP(s) ");
  CHECK(Err("192.168.1.2.x{1}") == "MultipleRemoteAddressStrategy netaddress examine scope Exception netaddress");
}

TEST_CASE("IPv4 ranges: '*' and n-m on one octet") {
  RemoteAddressStrategy last = P("192.168.1.*");
  CHECK(last.Match("192.168.1.200"));
  CHECK_FALSE(last.Match("192.168.2.1"));
  RemoteAddressStrategy third = P("192.168.*.*");
  CHECK(third.Match("192.168.77.1"));
  CHECK_FALSE(third.Match("192.169.1.1"));
  RemoteAddressStrategy second = P("10.*.*.*");
  CHECK(second.Match("10.9.8.7"));
  CHECK_FALSE(second.Match("11.9.8.7"));
  RemoteAddressStrategy range = P("192.168.1.1-100");
  CHECK(range.Match("192.168.1.1"));
  CHECK(range.Match("192.168.1.100"));
  CHECK_FALSE(range.Match("192.168.1.101"));
  RemoteAddressStrategy mid = P("192.168.1-5.*");
  CHECK(mid.Match("192.168.5.9"));
  CHECK_FALSE(mid.Match("192.168.6.9"));
  CHECK_FALSE(last.Match("::1"));
  CHECK(Err("192.168.1.100-1") ==
        "RangeRemoteAddressStrategy netaddress examine scope Exception start is 100 , end is 1");
  CHECK(Err("192.168.1.1-300") ==
        "RangeRemoteAddressStrategy netaddress examine scope Exception start is 1 , end is 300");
  CHECK(Err("192.168.1.-5") == "RangeRemoteAddressStrategy netaddress examine scope Exception value -5 ");
  CHECK(Err("192.168.*") == "Netaddress examine scope Exception netaddress is 192.168.*");
  CHECK(Err("192-5") == "Index 1 out of bounds for length 1");
}

TEST_CASE("IPv6 ranges") {
  RemoteAddressStrategy star = P("1050:0000:0000:0000:0005:0600:300c:*");
  CHECK(star.Match("1050::5:600:300c:1"));
  CHECK_FALSE(star.Match("1050::5:600:300d:1"));
  RemoteAddressStrategy range = P("1050::0005:0600:300c:1-15");
  CHECK(range.Match("1050::5:600:300c:f"));
  CHECK_FALSE(range.Match("1050::5:600:300c:16"));
  CHECK(Err("1050::*:1") == "Netaddress examine scope Exception netaddress is 1050::*:1");
  CHECK(Err("1050::1-2:3") == "Netaddress examine scope Exception netaddress is 1050::1-2:3");
}

TEST_CASE("expandIP") {
  CHECK(ExpandIp("::1", 8) == "0000:0000:0000:0000:0000:0000:0000:0001");
  CHECK(ExpandIp("2001:db8::ff00:42:8329", 8) == "2001:0DB8:0000:0000:0000:FF00:0042:8329");
}

}  // namespace rmq::acl
