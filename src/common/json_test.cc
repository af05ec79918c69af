#include <doctest/doctest.h>

#include <cstring>
#include <memory>

#include "common/json.h"

using namespace rmq;

namespace {

// Parses NormalizeFastjson(text); fails the test when RapidJSON rejects the result.
rapidjson::Document ParseNormalized(std::string_view text) {
  std::string norm = json::NormalizeFastjson(text);
  rapidjson::Document doc;
  Status st = json::Parse(norm, &doc);
  INFO("normalized: ", norm, " ", st.ToString());
  REQUIRE(st.ok());
  return doc;
}

rapidjson::Document Parse(const char* text) {
  rapidjson::Document doc;
  REQUIRE(json::Parse(text, &doc).ok());
  return doc;
}

// Copies `s` into a heap buffer of exactly its size, so reading past the end is an ASan error.
struct ExactBuffer {
  explicit ExactBuffer(std::string_view s) : data(new char[s.size()]), size(s.size()) {
    memcpy(data.get(), s.data(), s.size());
  }
  std::string_view view() const { return {data.get(), size}; }
  std::unique_ptr<char[]> data;
  size_t size;
};

}  // namespace

// ---- NormalizeFastjson ----------------------------------------------------------------------

TEST_CASE("fastjson: standard JSON passes through unchanged") {
  const char* in = R"({"a":1,"b":[1,2,{"c":"d"}],"e":{"f":true}})";
  CHECK(json::NormalizeFastjson(in) == in);
}

TEST_CASE("fastjson: unquoted numeric keys become strings") {
  CHECK(json::NormalizeFastjson(R"({"offsetTable":{"t@g":{0:12,1:7}}})") ==
        R"({"offsetTable":{"t@g":{"0":12,"1":7}}})");
  auto doc = ParseNormalized(R"({"offsetTable":{"t@g":{0:12,1:7}}})");
  const auto& q = doc["offsetTable"]["t@g"];
  CHECK(q["0"].GetInt() == 12);
  CHECK(q["1"].GetInt() == 7);
}

TEST_CASE("fastjson: negative and spaced numeric keys") {
  auto doc = ParseNormalized("{ -1 : 5 , 2:6 }");
  CHECK(doc["-1"].GetInt() == 5);
  CHECK(doc["2"].GetInt() == 6);
}

TEST_CASE("fastjson: MessageQueue object keys become their compact text") {
  const char* in = R"({"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"maxOffset":1}}})";
  auto doc = ParseNormalized(in);
  const auto& t = doc["offsetTable"];
  REQUIRE(t.MemberCount() == 1);
  CHECK(std::string(t.MemberBegin()->name.GetString()) == R"({"brokerName":"b","queueId":0,"topic":"T"})");
  CHECK(t.MemberBegin()->value["maxOffset"].GetInt() == 1);
}

TEST_CASE("fastjson: object key with whitespace is compacted") {
  auto doc = ParseNormalized("{ { \"queueId\" : 3 } : 1 }");
  CHECK(std::string(doc.MemberBegin()->name.GetString()) == R"({"queueId":3})");
}

TEST_CASE("fastjson: several object keys, the second after a comma") {
  auto doc = ParseNormalized(R"({{"queueId":0}:{"v":1},{"queueId":1}:{"v":2}})");
  REQUIRE(doc.MemberCount() == 2);
  CHECK(doc[R"({"queueId":1})"]["v"].GetInt() == 2);
}

TEST_CASE("fastjson: nested objects inside arrays keep numeric-key rewriting") {
  auto doc = ParseNormalized(R"({"list":[{0:1},{1:{2:3}}],"x":{}})");
  CHECK(doc["list"][0]["0"].GetInt() == 1);
  CHECK(doc["list"][1]["1"]["2"].GetInt() == 3);
  CHECK(doc["x"].IsObject());
  CHECK(doc["x"].MemberCount() == 0);
}

TEST_CASE("fastjson: strings containing braces, colons and commas are left alone") {
  const char* in = R"({"a":"{0:1}, {x}: ,","b":"[}"})";
  CHECK(json::NormalizeFastjson(in) == in);
  auto doc = ParseNormalized(in);
  CHECK(std::string(doc["a"].GetString()) == "{0:1}, {x}: ,");
}

TEST_CASE("fastjson: escaped quotes inside strings") {
  const char* in = R"({"a":"say \"hi\" {0:1}","b\"k":2})";
  CHECK(json::NormalizeFastjson(in) == in);
  auto doc = ParseNormalized(in);
  CHECK(std::string(doc["a"].GetString()) == R"(say "hi" {0:1})");
  CHECK(doc["b\"k"].GetInt() == 2);
}

TEST_CASE("fastjson: escaped quote inside an object key's strings") {
  auto doc = ParseNormalized(R"({{"topic":"a\"}"}:1})");
  CHECK(std::string(doc.MemberBegin()->name.GetString()) == R"({"topic":"a\"}"})");
}

TEST_CASE("fastjson: single-quoted strings become double-quoted") {
  auto doc = ParseNormalized(R"({'a':'x"y'})");
  CHECK(std::string(doc["a"].GetString()) == "x\"y");
}

TEST_CASE("fastjson: empty objects and arrays") {
  CHECK(json::NormalizeFastjson("{}") == "{}");
  CHECK(json::NormalizeFastjson("{ }") == "{ }");
  CHECK(json::NormalizeFastjson("[]") == "[]");
  CHECK(json::NormalizeFastjson(R"({"a":{},"b":[]})") == R"({"a":{},"b":[]})");
  CHECK(json::NormalizeFastjson("") == "");
}

TEST_CASE("fastjson: truncated inputs do not crash") {
  for (const char* in : {"{", "{0", "{0:", "{\"a", "{{", "{{\"a\":", "{'", "}", "]]]", "{,}", "[{0:1]"}) {
    std::string out = json::NormalizeFastjson(in);
    CHECK(out.size() < strlen(in) + 16);
  }
}

TEST_CASE("fastjson: object key ending in a dangling backslash stays inside the input") {
  // The key scan jumps two bytes over '\'; it must not carry that past the end of the input.
  ExactBuffer in(R"({{"\)");
  CHECK(json::NormalizeFastjson(in.view()) == "{\"{\\\"\\\\\"");
}

TEST_CASE("fastjson: string ending in a dangling backslash stays inside the input") {
  ExactBuffer in(R"({"a":"\)");
  std::string out = json::NormalizeFastjson(in.view());
  CHECK(out.size() <= in.size + 2);
}

// ---- Writer ---------------------------------------------------------------------------------

TEST_CASE("writer: commas between members and elements") {
  std::string out;
  json::Writer w(&out);
  w.BeginObject();
  w.Key("a").Int(1);
  w.Key("b").BeginArray().Int(1).String("x").Bool(false).EndArray();
  w.Key("c").BeginObject().Key("d").Bool(true).EndObject();
  w.Key("e").BeginObject().EndObject();
  w.Key("f").BeginArray().EndArray();
  w.Key("g").Raw("[1,2]");
  w.EndObject();
  CHECK(out == R"({"a":1,"b":[1,"x",false],"c":{"d":true},"e":{},"f":[],"g":[1,2]})");
}

TEST_CASE("writer: array of objects") {
  std::string out;
  json::Writer w(&out);
  w.BeginArray().BeginObject().Key("a").Int(1).EndObject().BeginObject().EndObject().EndArray();
  CHECK(out == R"([{"a":1},{}])");
}

TEST_CASE("writer: RawKey writes fastjson numeric keys unquoted") {
  std::string out;
  json::Writer w(&out);
  w.BeginObject().RawKey("0").Int(12).RawKey("1").Int(-7).EndObject();
  CHECK(out == "{0:12,1:-7}");
  // ... which NormalizeFastjson turns back into parseable JSON.
  auto doc = ParseNormalized(out);
  CHECK(doc["1"].GetInt() == -7);
}

TEST_CASE("writer: strings escape quotes, backslashes and control characters") {
  std::string out;
  json::Writer w(&out);
  w.BeginObject().Key("k\"").String(std::string("a\"b\\c\x01\n\r\t\x1f", 10)).EndObject();
  CHECK(out == R"({"k\"":"a\"b\\c\u0001\n\r\t\u001f"})");
  rapidjson::Document doc;
  REQUIRE(rmq::json::Parse(out, &doc).ok());
  CHECK(std::string(doc["k\""].GetString(), doc["k\""].GetStringLength()) == std::string("a\"b\\c\x01\n\r\t\x1f", 10));
}

TEST_CASE("writer: NUL and UTF-8 bytes") {
  std::string out;
  json::AppendString(&out, std::string("\0中", 4));
  CHECK(out == "\"\\u0000中\"");
}

TEST_CASE("writer: int64 extremes and doubles") {
  std::string out;
  json::Writer w(&out);
  w.BeginArray().Int(INT64_MIN).Int(INT64_MAX).Double(1).Double(0.5).EndArray();
  CHECK(out == "[-9223372036854775808,9223372036854775807,1.0,0.5]");
}

// ---- checked getters ------------------------------------------------------------------------

TEST_CASE("getters: values of the right type") {
  auto doc = Parse(R"({"s":"x","i":-5,"big":9007199254740993,"b":true,"o":{},"a":[1]})");
  std::string s;
  int64_t i64 = 0;
  int32_t i32 = 0;
  bool b = false;
  CHECK(json::GetString(doc, "s", &s));
  CHECK(s == "x");
  CHECK(json::GetInt64(doc, "i", &i64));
  CHECK(i64 == -5);
  CHECK(json::GetInt64(doc, "big", &i64));
  CHECK(i64 == 9007199254740993LL);
  CHECK(json::GetInt32(doc, "i", &i32));
  CHECK(i32 == -5);
  CHECK(json::GetBool(doc, "b", &b));
  CHECK(b);
  CHECK(json::GetObject(doc, "o") != nullptr);
  CHECK(json::GetArray(doc, "a") != nullptr);
}

TEST_CASE("getters: missing members return false and leave the output alone") {
  auto doc = Parse(R"({"x":1})");
  std::string s = "keep";
  int64_t i = 42;
  bool b = true;
  CHECK_FALSE(json::GetString(doc, "nope", &s));
  CHECK_FALSE(json::GetInt64(doc, "nope", &i));
  CHECK_FALSE(json::GetBool(doc, "nope", &b));
  CHECK(json::GetObject(doc, "nope") == nullptr);
  CHECK(json::GetArray(doc, "nope") == nullptr);
  CHECK(s == "keep");
  CHECK(i == 42);
  CHECK(b);
}

TEST_CASE("getters: wrong types return false instead of asserting") {
  auto doc = Parse(R"({"o":{},"a":[],"n":null,"s":"abc","i":1,"b":false})");
  std::string s;
  int64_t i = 0;
  bool b = false;
  CHECK_FALSE(json::GetString(doc, "o", &s));
  CHECK_FALSE(json::GetString(doc, "a", &s));
  CHECK_FALSE(json::GetString(doc, "n", &s));
  CHECK_FALSE(json::GetInt64(doc, "o", &i));
  CHECK_FALSE(json::GetInt64(doc, "a", &i));
  CHECK_FALSE(json::GetInt64(doc, "n", &i));
  CHECK_FALSE(json::GetInt64(doc, "s", &i));
  CHECK_FALSE(json::GetInt64(doc, "b", &i));
  CHECK_FALSE(json::GetBool(doc, "i", &b));
  CHECK_FALSE(json::GetBool(doc, "o", &b));
  CHECK(json::GetObject(doc, "a") == nullptr);
  CHECK(json::GetArray(doc, "o") == nullptr);
  CHECK(json::GetObject(doc, "s") == nullptr);
}

TEST_CASE("getters: a non-object receiver returns false") {
  auto doc = Parse("[1,2]");
  std::string s;
  int64_t i = 0;
  bool b = false;
  CHECK_FALSE(json::GetString(doc, "x", &s));
  CHECK_FALSE(json::GetInt64(doc, "x", &i));
  CHECK_FALSE(json::GetBool(doc, "x", &b));
  CHECK(json::GetObject(doc, "x") == nullptr);
  CHECK(json::GetArray(doc, "x") == nullptr);
}

TEST_CASE("getters: numbers given as strings, and scalars as strings") {
  auto doc = Parse(R"({"n":"123","neg":"-4","bad":"12x","empty":"","num":7,"bool":true,"str":"true"})");
  int64_t i = 0;
  CHECK(json::GetInt64(doc, "n", &i));
  CHECK(i == 123);
  CHECK(json::GetInt64(doc, "neg", &i));
  CHECK(i == -4);
  CHECK_FALSE(json::GetInt64(doc, "bad", &i));
  CHECK_FALSE(json::GetInt64(doc, "empty", &i));
  std::string s;
  CHECK(json::GetString(doc, "num", &s));
  CHECK(s == "7");
  CHECK(json::GetString(doc, "bool", &s));
  CHECK(s == "true");
  bool b = false;
  CHECK(json::GetBool(doc, "str", &b));
  CHECK(b);
}

TEST_CASE("getters: a double out of int64 range is rejected, not cast") {
  auto doc = Parse(R"({"huge":1e300,"neg":-1e300,"ok":12.0})");
  int64_t i = 0;
  CHECK_FALSE(json::GetInt64(doc, "huge", &i));
  CHECK_FALSE(json::GetInt64(doc, "neg", &i));
  CHECK(json::GetInt64(doc, "ok", &i));
  CHECK(i == 12);
}

TEST_CASE("ScalarToString: Java's toString for each scalar") {
  auto doc = Parse(R"({"i":-3,"u":18446744073709551615,"t":true,"f":false,"s":"x","o":{},"n":null})");
  std::string s;
  CHECK(json::ScalarToString(doc["i"], &s));
  CHECK(s == "-3");
  CHECK(json::ScalarToString(doc["u"], &s));
  CHECK(s == "18446744073709551615");
  CHECK(json::ScalarToString(doc["t"], &s));
  CHECK(s == "true");
  CHECK(json::ScalarToString(doc["f"], &s));
  CHECK(s == "false");
  CHECK(json::ScalarToString(doc["s"], &s));
  CHECK(s == "x");
  CHECK_FALSE(json::ScalarToString(doc["o"], &s));
  CHECK_FALSE(json::ScalarToString(doc["n"], &s));
}

// FastjsonInt32: every expectation below was measured on the Java 4.9.7 broker by sending the
// header {"code":<value>,...} (answered as that code, or the connection closed = false).
namespace {

bool FjInt(const char* value_json, int32_t* out) {
  std::string text = std::string("{\"v\":") + value_json + "}";
  rapidjson::Document doc;
  REQUIRE(json::Parse(text, &doc).ok());
  return json::FastjsonInt32(doc["v"], out);
}

void CheckFj(const char* value_json, int32_t want) {
  int32_t got = 12345;
  INFO(std::string(value_json));
  REQUIRE(FjInt(value_json, &got));
  CHECK(got == want);
}

void CheckFjRefused(const char* value_json) {
  int32_t got = 12345;
  INFO(std::string(value_json));
  CHECK_FALSE(FjInt(value_json, &got));
}

}  // namespace

TEST_CASE("FastjsonInt32: integer literals must fit in int32") {
  CheckFj("30", 30);
  CheckFj("2147483647", 2147483647);
  CheckFj("-2147483648", INT32_MIN);
  CheckFj("-0", 0);
  CheckFjRefused("4294967326");  // 2^32 + 30: not 30
  CheckFjRefused("2147483648");
  CheckFjRefused("-2147483649");
  CheckFjRefused("-4294967266");
  CheckFjRefused("9223372036854775808");
  CheckFjRefused("100000000000000000000");
}

TEST_CASE("FastjsonInt32: fractions and exponents truncate toward zero and wrap to 32 bits") {
  CheckFj("30.0", 30);
  CheckFj("30.9", 30);
  CheckFj("-30.9", -30);
  CheckFj("3e1", 30);
  CheckFj("1E1", 10);
  CheckFj("1e-5", 0);
  CheckFj("2147483647.5", 2147483647);
  CheckFj("2147483648.0", INT32_MIN);
  CheckFj("3e10", -64771072);
  CheckFj("-3e10", 64771072);
  CheckFj("9.2e18", -1650982912);
  // Java wraps 1e19 to -1981284352, but RapidJSON gives 1e19 and the integer literal
  // 100000000000000000000 (which Java refuses) the same double: both are refused.
  CheckFjRefused("1e19");
}

TEST_CASE("FastjsonInt32: null, booleans") {
  CheckFj("null", 0);
  CheckFj("true", 1);
  CheckFj("false", 0);
  CheckFjRefused("[30]");
  CheckFjRefused("{\"a\":1}");
}

TEST_CASE("FastjsonInt32: strings as Integer.parseInt after fastjson's clean-up") {
  CheckFj("\"30\"", 30);
  CheckFj("\"+30\"", 30);
  CheckFj("\"-30\"", -30);
  CheckFj("\"030\"", 30);
  CheckFj("\"00030\"", 30);
  CheckFj("\"+0\"", 0);
  CheckFj("\"-0\"", 0);
  CheckFj("\"\"", 0);
  CheckFj("\"null\"", 0);
  CheckFj("\"NULL\"", 0);
  CheckFj("\"30.\"", 30);
  CheckFj("\"30.0\"", 30);
  CheckFj("\"30.00\"", 30);
  CheckFj("\"-30.0\"", -30);
  CheckFj("\"3,0\"", 30);
  CheckFj("\"1,,0\"", 10);
  CheckFj("\"3,\"", 3);
  CheckFj("\"2147483647\"", 2147483647);
  CheckFj("\"-2147483648\"", INT32_MIN);
  CheckFjRefused("\"4294967326\"");
  CheckFjRefused("\"2147483648\"");
  CheckFjRefused("\"-2147483649\"");
  CheckFjRefused("\" 30\"");
  CheckFjRefused("\"30 \"");
  CheckFjRefused("\" \"");
  CheckFjRefused("\"30.5\"");
  CheckFjRefused("\"30.9\"");
  CheckFjRefused("\"30.0.0\"");
  CheckFjRefused("\".0\"");
  CheckFjRefused("\".5\"");
  CheckFjRefused("\",\"");
  CheckFjRefused("\"3e1\"");
  CheckFjRefused("\"1e1\"");
  CheckFjRefused("\"0x1e\"");
  CheckFjRefused("\"30L\"");
  CheckFjRefused("\"true\"");
  CheckFjRefused("\"abc\"");
  CheckFjRefused("\"-\"");
  CheckFjRefused("\"+\"");
  CheckFjRefused("\"+-30\"");
}

namespace {

std::string Nested(const std::string& open, int n, const std::string& leaf, const std::string& close) {
  std::string s;
  s.reserve((open.size() + close.size()) * n + leaf.size());
  for (int i = 0; i < n; ++i) s += open;
  s += leaf;
  for (int i = 0; i < n; ++i) s += close;
  return s;
}

}  // namespace

TEST_CASE("json::Parse: the issue's deep inputs are refused with a Status, not a stack overflow") {
  rapidjson::Document doc;
  for (const std::string& deep : {std::string(200000, '['), Nested("{\"a\":", 132000, "1", "}"),
                                  Nested("[", 200000, "1", "]"), Nested("{\"a\":[", 100000, "", "]}")}) {
    Status s = json::Parse(deep, &doc);
    CHECK(s.IsCorruption());
    CHECK(s.message().find("nested deeper than 512") != std::string::npos);
    CHECK(doc.IsNull());
    CHECK(json::Parse(deep, &doc, json::kStopWhenDone).IsCorruption());
  }
}

TEST_CASE("json::Parse: nesting up to the limit parses, one more level is refused") {
  rapidjson::Document doc;
  REQUIRE(json::Parse(Nested("[", json::kMaxDepth, "1", "]"), &doc).ok());
  CHECK(doc.IsArray());
  CHECK(json::Parse(Nested("{\"k\":", json::kMaxDepth, "true", "}"), &doc).ok());
  CHECK_FALSE(json::Parse(Nested("[", json::kMaxDepth + 1, "1", "]"), &doc).ok());
  CHECK_FALSE(json::Parse(Nested("{\"k\":", json::kMaxDepth + 1, "true", "}"), &doc).ok());
}

TEST_CASE("json::Parse: brackets inside strings do not count as nesting") {
  rapidjson::Document doc;
  std::string text = "{\"a\":\"" + std::string(100000, '[') + "\\\"" + std::string(1000, '{') + "\"}";
  REQUIRE(json::Parse(text, &doc).ok());
  std::string v;
  CHECK(json::GetString(doc, "a", &v));
  CHECK(v.size() == 101001);
  CHECK(json::NestingDepth("[\"]]]\",[[\"[\"]]]", 100) == 3);
  CHECK(json::NestingDepth("{}[[[[[", 100) == 1);  // stops after the first value
}

TEST_CASE("json::Parse: malformed text and trailing bytes") {
  rapidjson::Document doc;
  Status s = json::Parse("{\"a\":1", &doc);
  CHECK(s.IsCorruption());
  CHECK(s.message().find(" at ") != std::string::npos);
  CHECK(doc.IsNull());
  CHECK_FALSE(json::Parse("", &doc).ok());
  CHECK_FALSE(json::Parse("{\"a\":1} x", &doc).ok());
  REQUIRE(json::Parse("{\"a\":1} x", &doc, json::kStopWhenDone).ok());
  int64_t a = 0;
  CHECK(json::GetInt64(doc, "a", &a));
  CHECK(a == 1);
  // Not NUL-terminated: only the view's bytes are read.
  ExactBuffer buf("{\"b\":2}");
  REQUIRE(json::Parse(buf.view(), &doc).ok());
  CHECK(json::GetInt64(doc, "b", &a));
  CHECK(a == 2);
}
