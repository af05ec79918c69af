// CRC32 with zlib's polynomial, as java.util.zip.CRC32 computes it.
#pragma once

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rmq {

inline uint32_t Crc32(const char* data, size_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes a uInt length; feed large inputs in chunks.
  while (n > 0) {
    uInt chunk = n > (1u << 30) ? (1u << 30) : static_cast<uInt>(n);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data), chunk);
    data += chunk;
    n -= chunk;
  }
  return static_cast<uint32_t>(crc);
}
inline uint32_t Crc32(std::string_view s) { return Crc32(s.data(), s.size()); }

// The CommitLog's BODYCRC: CRC32 of the body with the sign bit cleared (Java's UtilAll.crc32).
inline int32_t MaskedBodyCrc32(std::string_view body) {
  return static_cast<int32_t>(Crc32(body) & 0x7FFFFFFFu);
}

}  // namespace rmq
