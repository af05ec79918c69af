#include <doctest/doctest.h>

#include "protocol/ext_fields.h"

using namespace rmq;
using namespace rmq::protocol;

namespace {
bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

// ---- ExtFields ------------------------------------------------------------------------------

TEST_CASE("ExtFields: Set replaces in place and keeps insertion order") {
  ExtFields f;
  f.Set("b", "1");
  f.Set("a", "2");
  f.Set("b", "3");
  REQUIRE(f.size() == 2);
  CHECK(f.items()[0].first == "b");
  CHECK(f.items()[0].second == "3");
  CHECK(f.items()[1].first == "a");
  CHECK(f.Find("c") == nullptr);
  f.SetInt("n", -12);
  f.SetBool("t", true);
  CHECK(*f.Find("n") == "-12");
  CHECK(*f.Find("t") == "true");
}

// ---- number and bool parsing ----------------------------------------------------------------

TEST_CASE("ParseInt32: accepts Java's Integer.parseInt forms") {
  int32_t v = 0;
  CHECK(ParseInt32("0", &v));
  CHECK(v == 0);
  CHECK(ParseInt32("-17", &v));
  CHECK(v == -17);
  CHECK(ParseInt32("+5", &v));
  CHECK(v == 5);
  CHECK(ParseInt32("2147483647", &v));
  CHECK(v == INT32_MAX);
  CHECK(ParseInt32("-2147483648", &v));
  CHECK(v == INT32_MIN);
}

TEST_CASE("ParseInt32: rejects malformed numbers") {
  int32_t v = 0;
  for (const char* s : {"", "+", "-", " 1", "1 ", "1x", "0x10", "1.5", "--1", "+-1", "-+1", "abc"}) {
    INFO("input: '", std::string(s), "'");
    CHECK_FALSE(ParseInt32(s, &v));
  }
}

TEST_CASE("ParseInt32: rejects out-of-range values") {
  int32_t v = 0;
  CHECK_FALSE(ParseInt32("2147483648", &v));
  CHECK_FALSE(ParseInt32("-2147483649", &v));
  CHECK_FALSE(ParseInt32("99999999999999999999", &v));
}

TEST_CASE("ParseInt64: full range and malformed input") {
  int64_t v = 0;
  CHECK(ParseInt64("9223372036854775807", &v));
  CHECK(v == INT64_MAX);
  CHECK(ParseInt64("-9223372036854775808", &v));
  CHECK(v == INT64_MIN);
  CHECK_FALSE(ParseInt64("9223372036854775808", &v));
  CHECK_FALSE(ParseInt64("", &v));
  CHECK_FALSE(ParseInt64("+-3", &v));
  CHECK_FALSE(ParseInt64("12abc", &v));
}

TEST_CASE("ParseBool: like Boolean.parseBoolean, any case of true, everything else false") {
  bool b = false;
  for (const char* s : {"true", "TRUE", "True", "tRuE"}) {
    b = false;
    CHECK(ParseBool(s, &b));
    CHECK(b);
  }
  for (const char* s : {"false", "", "1", "yes", "truex", " true"}) {
    b = true;
    CHECK(ParseBool(s, &b));
    CHECK_FALSE(b);
  }
}

// ---- HeaderReader ---------------------------------------------------------------------------

TEST_CASE("HeaderReader: required fields of every type") {
  ExtFields f;
  f.Set("topic", "T");
  f.Set("queueId", "3");
  f.Set("offset", "-9000000000");
  f.Set("unit", "TRUE");
  std::string topic;
  int32_t qid = 0;
  int64_t off = 0;
  bool unit = false;
  HeaderReader r(f);
  r.Required("topic", &topic);
  r.Required("queueId", &qid);
  r.Required("offset", &off);
  r.Required("unit", &unit);
  CHECK(r.status().ok());
  CHECK(topic == "T");
  CHECK(qid == 3);
  CHECK(off == -9000000000LL);
  CHECK(unit);
}

TEST_CASE("HeaderReader: missing required field names it") {
  ExtFields f;
  int32_t qid = 0;
  HeaderReader r(f);
  r.Required("queueId", &qid);
  CHECK(r.status().IsInvalidArgument());
  CHECK(r.status().message() == "the custom field <queueId> is null");
}

TEST_CASE("HeaderReader: missing required bool and string are errors too") {
  ExtFields f;
  {
    bool b = false;
    HeaderReader r(f);
    r.Required("unitMode", &b);
    CHECK(Contains(r.status().message(), "<unitMode>"));
  }
  {
    std::string s;
    HeaderReader r(f);
    r.Required("topic", &s);
    CHECK(Contains(r.status().message(), "<topic>"));
  }
}

TEST_CASE("HeaderReader: absent optional fields keep their defaults") {
  ExtFields f;
  std::string s = "dflt";
  int32_t i32 = 7;
  int64_t i64 = 8;
  bool b = true;
  HeaderReader r(f);
  r.Optional("s", &s);
  r.Optional("i32", &i32);
  r.Optional("i64", &i64);
  r.Optional("b", &b);
  CHECK(r.status().ok());
  CHECK(s == "dflt");
  CHECK(i32 == 7);
  CHECK(i64 == 8);
  CHECK(b);
}

TEST_CASE("HeaderReader: malformed optional number is still an error") {
  ExtFields f;
  f.Set("maxMsgNums", "32abc");
  int32_t n = 32;
  HeaderReader r(f);
  r.Optional("maxMsgNums", &n);
  CHECK(r.status().IsInvalidArgument());
  CHECK(Contains(r.status().message(), "<maxMsgNums>"));
  CHECK(Contains(r.status().message(), "32abc"));
}

TEST_CASE("HeaderReader: out-of-range int32 is malformed") {
  ExtFields f;
  f.Set("queueId", "2147483648");
  int32_t qid = 0;
  HeaderReader r(f);
  r.Required("queueId", &qid);
  CHECK(r.status().IsInvalidArgument());
  CHECK(Contains(r.status().message(), "malformed"));
}

TEST_CASE("HeaderReader: empty number is malformed") {
  ExtFields f;
  f.Set("queueOffset", "");
  int64_t off = 0;
  HeaderReader r(f);
  r.Required("queueOffset", &off);
  CHECK(r.status().IsInvalidArgument());
}

TEST_CASE("HeaderReader: long malformed values are shortened in the message") {
  ExtFields f;
  f.Set("n", std::string(500, 'x'));
  int64_t n = 0;
  HeaderReader r(f);
  r.Required("n", &n);
  CHECK(r.status().message().size() < 200);
  CHECK(Contains(r.status().message(), "..."));
}

TEST_CASE("HeaderReader: the first failure is kept") {
  ExtFields f;
  f.Set("b", "bad");
  f.Set("c", "5");
  int32_t a = 0, b = 0, c = 0;
  HeaderReader r(f);
  r.Required("a", &a);
  r.Required("b", &b);
  r.Required("c", &c);
  CHECK(Contains(r.status().message(), "<a>"));
  CHECK(c == 0);  // reading stops at the first failure
}

TEST_CASE("HeaderReader: booleans follow Boolean.parseBoolean") {
  ExtFields f;
  f.Set("t1", "TRUE");
  f.Set("t2", "True");
  f.Set("f1", "yes");
  f.Set("f2", "");
  bool t1 = false, t2 = false, f1 = true, f2 = true;
  HeaderReader r(f);
  r.Required("t1", &t1);
  r.Optional("t2", &t2);
  r.Required("f1", &f1);
  r.Optional("f2", &f2);
  CHECK(r.status().ok());
  CHECK(t1);
  CHECK(t2);
  CHECK_FALSE(f1);
  CHECK_FALSE(f2);
}
