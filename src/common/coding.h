// Big-endian integer coding, the byte order of every RocketMQ wire and store format.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace rmq {

inline void EncodeFixed16(char* p, uint16_t v) {
  p[0] = static_cast<char>(v >> 8);
  p[1] = static_cast<char>(v);
}
inline void EncodeFixed32(char* p, uint32_t v) {
  for (int i = 3; i >= 0; --i, v >>= 8) p[i] = static_cast<char>(v);
}
inline void EncodeFixed64(char* p, uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<char>(v);
}
inline uint16_t DecodeFixed16(const char* p) {
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  return static_cast<uint16_t>((u[0] << 8) | u[1]);
}
inline uint32_t DecodeFixed32(const char* p) {
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  return (uint32_t(u[0]) << 24) | (uint32_t(u[1]) << 16) | (uint32_t(u[2]) << 8) | uint32_t(u[3]);
}
inline uint64_t DecodeFixed64(const char* p) {
  return (uint64_t(DecodeFixed32(p)) << 32) | DecodeFixed32(p + 4);
}

inline void PutFixed16(std::string* dst, uint16_t v) { char b[2]; EncodeFixed16(b, v); dst->append(b, 2); }
inline void PutFixed32(std::string* dst, uint32_t v) { char b[4]; EncodeFixed32(b, v); dst->append(b, 4); }
inline void PutFixed64(std::string* dst, uint64_t v) { char b[8]; EncodeFixed64(b, v); dst->append(b, 8); }

// Java's String.hashCode() over the UTF-16 code units of a UTF-8 string; used for tag codes
// in the ConsumeQueue and key hashes in the IndexFile. Invalid UTF-8 bytes count as themselves.
int32_t JavaStringHash(const char* data, size_t n);
inline int32_t JavaStringHash(const std::string& s) { return JavaStringHash(s.data(), s.size()); }

}  // namespace rmq
