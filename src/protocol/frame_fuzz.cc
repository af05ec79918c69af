// libFuzzer target for the bytes rmqd reads from the network and from fastjson-written files:
//   1. DecodeFrame (a frame without its 4-byte length word); a successful decode is re-encoded
//      and decoded again, and the second decode must succeed and agree on every field.
//   2. NormalizeFastjson followed by a RapidJSON parse of the result.
// Built by tools/run_fuzz.sh (make fuzz); excluded from the normal build.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "common/coding.h"
#include "common/json.h"
#include "protocol/remoting_command.h"

using rmq::protocol::RemotingCommand;
using rmq::protocol::SerializeType;

namespace {

[[noreturn]] void Fail(const char* what) {
  fprintf(stderr, "frame_fuzz: %s\n", what);
  abort();
}

// The fields that survive an encode/decode round trip in both serializations.
void CheckSame(const RemotingCommand& a, const RemotingCommand& b) {
  if (a.serialize_type != b.serialize_type) Fail("serialize type changed");
  if (a.opaque != b.opaque) Fail("opaque changed");
  if (a.flag != b.flag) Fail("flag changed");
  if (a.Body() != b.Body()) Fail("body changed");
  if (a.serialize_type == SerializeType::kRocketMQ) {
    // The binary header carries code and version as 16 bits; Decode already narrowed them.
    if (a.code != b.code || a.version != b.version) Fail("code/version changed");
    if (a.language != b.language) Fail("language changed");
  } else {
    if (a.code != b.code || a.version != b.version) Fail("code/version changed");
  }
  // The binary header writes an empty remark as none; JSON keeps "".
  bool a_remark = a.remark && !(a.serialize_type == SerializeType::kRocketMQ && a.remark->empty());
  bool b_remark = b.remark && !(b.serialize_type == SerializeType::kRocketMQ && b.remark->empty());
  if (a_remark != b_remark || (a_remark && *a.remark != *b.remark)) Fail("remark changed");
  // The binary encoder skips empty keys and values (Java's null), so compare what it keeps.
  for (const auto& [k, v] : a.ext_fields.items()) {
    if (a.serialize_type == SerializeType::kRocketMQ && (k.empty() || v.empty())) continue;
    const std::string* w = b.ext_fields.Find(k);
    if (w == nullptr || *w != v) Fail("extFields changed");
  }
}

void FuzzFrame(std::string_view data) {
  auto r = rmq::protocol::DecodeFrame(data);
  if (!r.ok()) return;
  std::string frame = rmq::protocol::EncodeFrame(*r);
  if (frame.size() < 4 || rmq::DecodeFixed32(frame.data()) != frame.size() - 4) Fail("length word wrong");
  auto again = rmq::protocol::DecodeFrame(std::string_view(frame).substr(4));
  if (!again.ok()) {
    fprintf(stderr, "re-decode: %s\n", again.status().ToString().c_str());
    Fail("re-encoded frame does not decode");
  }
  CheckSame(*r, *again);
}

void FuzzFastjson(std::string_view data) {
  std::string norm = rmq::json::NormalizeFastjson(data);
  rapidjson::Document doc;
  if (!rmq::json::Parse(norm, &doc).ok() || !doc.IsObject()) return;
  // Exercise the checked getters the managers use on loaded files.
  int64_t i = 0;
  std::string s;
  bool b = false;
  (void)rmq::json::GetInt64(doc, "code", &i);
  (void)rmq::json::GetString(doc, "topic", &s);
  (void)rmq::json::GetBool(doc, "order", &b);
  if (const auto* t = rmq::json::GetObject(doc, "offsetTable")) {
    for (auto m = t->MemberBegin(); m != t->MemberEnd(); ++m) (void)rmq::json::ScalarToString(m->value, &s);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  FuzzFrame(bytes);
  FuzzFastjson(bytes);
  return 0;
}
