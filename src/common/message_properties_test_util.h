// Test helper: a properties string from name/value pairs, \x02 between pairs and, when
// `trailing`, after the last (the client's encoding) or not (Java's re-serialized one).
#pragma once

#include <initializer_list>
#include <string>
#include <utility>

#include "common/message_properties.h"

namespace rmq {

inline std::string TestProperties(std::initializer_list<std::pair<const char*, const char*>> pairs, bool trailing) {
  std::string s;
  for (const auto& [n, v] : pairs) {
    if (!s.empty()) s.push_back(kPropertySeparator);
    s += n;
    s.push_back(kNameValueSeparator);
    s += v;
  }
  if (trailing && !s.empty()) s.push_back(kPropertySeparator);
  return s;
}

}  // namespace rmq
