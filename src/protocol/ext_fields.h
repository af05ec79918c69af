// ExtFields: the string map carried in every RemotingCommand header ("extFields"), and a
// checked reader that decodes a custom header from it, each field declared once as required
// or optional (the counterpart of Java's @CFNotNull + reflection, without the crashes).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace rmq::protocol {

// The most extFields a request header may carry. Java sets no limit, but no Java header has more
// than about 30; the cap keeps a 16 MiB header of a million keys from holding the loop (a frame
// over it is refused as malformed and its connection closed).
inline constexpr size_t kMaxExtFields = 1024;

class ExtFields {
 public:
  // Null when absent.
  const std::string* Find(std::string_view key) const;
  // Replaces an existing value or appends.
  void Set(std::string_view key, std::string value);
  void SetInt(std::string_view key, int64_t value) { Set(key, std::to_string(value)); }
  void SetBool(std::string_view key, bool value) { Set(key, value ? "true" : "false"); }
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

bool ParseInt64(std::string_view s, int64_t* out);
bool ParseInt32(std::string_view s, int32_t* out);
bool ParseBool(std::string_view s, bool* out);  // Java Boolean.parseBoolean: "true" any case

// Reads fields off ExtFields; the first failure is kept and reported by status(). Handlers do
// not use it directly: each header's typed Decode in protocol/headers/ does.
// Usage:  HeaderReader r(req.ext_fields);
//         r.Required("topic", &h.topic); r.Optional("queueId", &h.queue_id);
//         return r.status();
class HeaderReader {
 public:
  explicit HeaderReader(const ExtFields& f) : f_(f) {}
  void Required(const char* key, std::string* out);
  void Required(const char* key, int32_t* out);
  void Required(const char* key, int64_t* out);
  void Required(const char* key, bool* out);
  // Optional fields keep their default when absent; a malformed value is still an error.
  void Optional(const char* key, std::string* out);
  void Optional(const char* key, int32_t* out);
  void Optional(const char* key, int64_t* out);
  void Optional(const char* key, bool* out);
  const Status& status() const { return status_; }

 private:
  const std::string* Get(const char* key, bool required);
  void Malformed(const char* key, const std::string& value);
  const ExtFields& f_;
  Status status_;
};

}  // namespace rmq::protocol
