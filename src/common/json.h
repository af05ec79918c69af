// JSON helpers: a small append-only writer for the JSON rmqd emits (headers and bodies, in the
// shapes Java's fastjson produces), and checked accessors over RapidJSON values, whose own
// accessors assert on a wrong type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "common/status.h"

namespace rmq::json {

// The deepest nesting of arrays and objects Parse accepts. The deepest JSON a Java client,
// broker or mqadmin sends is about six levels (REGISTER_BROKER's body: wrapper, topic table,
// topic config, attributes; a heartbeat: consumer set, subscription set, tag set); the store
// files are shallower. 512 is far above that and keeps any later walk over a document shallow,
// whatever the input.
inline constexpr int kMaxDepth = 512;

// Parse flags: kStopWhenDone accepts bytes after the first complete value (the header codec).
inline constexpr unsigned kStopWhenDone = 1;

// The one way rmqd parses JSON. Parses `text` into `doc` with RapidJSON's iterative parser (no
// recursion, so no stack use that grows with the input) after refusing, in one pass, text nested
// deeper than kMaxDepth. Not OK (Corruption, naming the error and its offset) for malformed or
// too deeply nested text; then `doc` is null. `text` need not be NUL-terminated.
Status Parse(std::string_view text, rapidjson::Document* doc, unsigned flags = 0);

// The nesting depth of the first JSON value in `text` (arrays and objects, strings skipped),
// scanning no further than the first position where it exceeds `limit`. Exposed for tests.
int NestingDepth(std::string_view text, int limit);

// Appends `s` as a JSON string literal (quotes included). Control characters are \u-escaped,
// other bytes (UTF-8) are copied as they are, as fastjson does.
void AppendString(std::string* out, std::string_view s);

// Writes objects and arrays with commas handled; keys are written verbatim-escaped.
class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}
  Writer& BeginObject() { Sep(); out_->push_back('{'); first_ = true; return *this; }
  Writer& EndObject() { out_->push_back('}'); first_ = false; return *this; }
  Writer& BeginArray() { Sep(); out_->push_back('['); first_ = true; return *this; }
  Writer& EndArray() { out_->push_back(']'); first_ = false; return *this; }
  Writer& Key(std::string_view k) { Sep(); AppendString(out_, k); out_->push_back(':'); key_ = true; return *this; }
  // A key that is itself raw JSON (fastjson's Map<MessageQueue,...> and numeric keys).
  Writer& RawKey(std::string_view k) { Sep(); out_->append(k); out_->push_back(':'); key_ = true; return *this; }
  Writer& String(std::string_view s) { Sep(); AppendString(out_, s); return *this; }
  Writer& Int(int64_t v) { Sep(); out_->append(std::to_string(v)); return *this; }
  Writer& Bool(bool v) { Sep(); out_->append(v ? "true" : "false"); return *this; }
  Writer& Double(double v);
  Writer& Raw(std::string_view json) { Sep(); out_->append(json); return *this; }

 private:
  void Sep() {
    if (key_) { key_ = false; return; }
    if (!first_) out_->push_back(',');
    first_ = false;
  }
  std::string* out_;
  bool first_ = true;
  bool key_ = false;
};

// Checked reads: false when the member is missing or of another type.
bool GetString(const rapidjson::Value& obj, const char* key, std::string* out);
bool GetInt64(const rapidjson::Value& obj, const char* key, int64_t* out);
bool GetInt32(const rapidjson::Value& obj, const char* key, int32_t* out);
bool GetBool(const rapidjson::Value& obj, const char* key, bool* out);
const rapidjson::Value* GetObject(const rapidjson::Value& obj, const char* key);
const rapidjson::Value* GetArray(const rapidjson::Value& obj, const char* key);
// The value fastjson 1.2.x binds to a Java `int` field (RemotingCommand's code, opaque, flag,
// version), as measured on the Java 4.9.7 broker: an integer literal must fit in int32; a literal
// with a fraction or exponent is truncated toward zero and wrapped to 32 bits (BigDecimal
// intValue); null and false are 0, true is 1; a string is 0 when empty, "null" or "NULL",
// otherwise its commas are dropped, one trailing ".0*" is removed and the rest must be an
// optional sign and ASCII digits within int32. False (fastjson throws, the connection closes)
// for anything else: out of range, arrays, objects, " 30", "3e1", "30.5". Differs from Java
// only for non-ASCII digits (Java accepts them) and for non-integer literals at or beyond 2^63
// (Java wraps their exact decimal value; RapidJSON keeps only the double, so they are refused).
bool FastjsonInt32(const rapidjson::Value& v, int32_t* out);

// Any scalar as the string Java's toString would give (for extFields values).
bool ScalarToString(const rapidjson::Value& v, std::string* out);

// Rewrites fastjson's non-standard object keys (unquoted numbers, and whole JSON objects
// used as keys) into quoted string keys, so RapidJSON can parse the result. An object key
// becomes the string of its compact JSON text.
std::string NormalizeFastjson(std::string_view in);

}  // namespace rmq::json
