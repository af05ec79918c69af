#include "common/coding.h"

namespace rmq {

int32_t JavaStringHash(const char* data, size_t n) {
  uint32_t h = 0;
  const auto* p = reinterpret_cast<const uint8_t*>(data);
  size_t i = 0;
  auto add = [&h](uint32_t unit) { h = h * 31u + unit; };
  while (i < n) {
    uint32_t c = p[i];
    uint32_t cp;
    size_t len;
    if (c < 0x80) { cp = c; len = 1; }
    else if ((c & 0xE0) == 0xC0 && i + 1 < n) { cp = ((c & 0x1F) << 6) | (p[i + 1] & 0x3F); len = 2; }
    else if ((c & 0xF0) == 0xE0 && i + 2 < n) {
      cp = ((c & 0x0F) << 12) | ((p[i + 1] & 0x3F) << 6) | (p[i + 2] & 0x3F); len = 3;
    } else if ((c & 0xF8) == 0xF0 && i + 3 < n) {
      cp = ((c & 0x07) << 18) | ((p[i + 1] & 0x3F) << 12) | ((p[i + 2] & 0x3F) << 6) | (p[i + 3] & 0x3F);
      len = 4;
    } else { cp = c; len = 1; }
    if (cp >= 0x10000) {  // surrogate pair, as Java stores it
      cp -= 0x10000;
      add(0xD800 + (cp >> 10));
      add(0xDC00 + (cp & 0x3FF));
    } else {
      add(cp);
    }
    i += len;
  }
  return static_cast<int32_t>(h);
}

}  // namespace rmq
