#include <doctest/doctest.h>

#include "common/coding.h"

using namespace rmq;

// Expected values are Java's String.hashCode() (UTF-16 code units, 32-bit wrap-around).

TEST_CASE("JavaStringHash: ASCII tags") {
  CHECK(JavaStringHash("TagA") == 2598919);
  CHECK(JavaStringHash("TagB") == 2598920);
  CHECK(JavaStringHash("hello") == 99162322);
}

TEST_CASE("JavaStringHash: empty string is 0") {
  CHECK(JavaStringHash(std::string()) == 0);
  CHECK(JavaStringHash(nullptr, 0) == 0);
}

TEST_CASE("JavaStringHash: overflow wraps like a Java int") {
  CHECK(JavaStringHash("polygenelubricants") == INT32_MIN);
  CHECK(JavaStringHash("hello world") == 1794106052);
}

TEST_CASE("JavaStringHash: BMP characters hash their UTF-16 unit") {
  // 中 U+4E2D, 文 U+6587: 0x4E2D * 31 + 0x6587
  CHECK(JavaStringHash("中文") == 646394);
  CHECK(JavaStringHash("订单-TagA") == -1312354911);
  CHECK(JavaStringHash("é") == 0xE9);  // two-byte UTF-8
}

TEST_CASE("JavaStringHash: supplementary characters hash their surrogate pair") {
  // U+1F600 is D83D DE00 in UTF-16: 0xD83D * 31 + 0xDE00
  CHECK(JavaStringHash("😀") == 1772899);
  CHECK(JavaStringHash("a😀b") == 57849694);
}

TEST_CASE("JavaStringHash: embedded NUL counts as a character") {
  std::string s("a\0b", 3);
  CHECK(JavaStringHash(s) == ('a' * 31 + 0) * 31 + 'b');
}

TEST_CASE("JavaStringHash: truncated UTF-8 sequences do not read past the end") {
  // Lead bytes without their continuation bytes count as themselves.
  CHECK(JavaStringHash("\xE4", 1) == 0xE4);
  CHECK(JavaStringHash("\xF0\x9F", 2) == 0xF0 * 31 + 0x9F);
  CHECK(JavaStringHash("\xC3", 1) == 0xC3);
}

TEST_CASE("Fixed16/32/64 are big-endian") {
  char b[8];
  EncodeFixed16(b, 0x0102);
  CHECK(b[0] == 0x01);
  CHECK(b[1] == 0x02);
  EncodeFixed32(b, 0x01020304u);
  CHECK(std::string(b, 4) == std::string("\x01\x02\x03\x04", 4));
  EncodeFixed64(b, 0x0102030405060708ull);
  CHECK(std::string(b, 8) == std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
}

TEST_CASE("Fixed16/32/64 round-trip extremes") {
  char b[8];
  for (uint16_t v : {uint16_t(0), uint16_t(1), uint16_t(0x7FFF), uint16_t(0x8000), uint16_t(0xFFFF)}) {
    EncodeFixed16(b, v);
    CHECK(DecodeFixed16(b) == v);
  }
  for (uint32_t v : {0u, 1u, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFFu, 0x00FF00FFu}) {
    EncodeFixed32(b, v);
    CHECK(DecodeFixed32(b) == v);
  }
  for (uint64_t v : {0ull, 1ull, 0x7FFFFFFFFFFFFFFFull, 0x8000000000000000ull, ~0ull, 0x0123456789ABCDEFull}) {
    EncodeFixed64(b, v);
    CHECK(DecodeFixed64(b) == v);
  }
}

TEST_CASE("PutFixed appends in order") {
  std::string s;
  PutFixed16(&s, 0xABCD);
  PutFixed32(&s, 0xDEADBEEF);
  PutFixed64(&s, 42);
  REQUIRE(s.size() == 14);
  CHECK(DecodeFixed16(s.data()) == 0xABCD);
  CHECK(DecodeFixed32(s.data() + 2) == 0xDEADBEEF);
  CHECK(DecodeFixed64(s.data() + 6) == 42);
}
