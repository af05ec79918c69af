// Test helper for the header tests (*_headers_test.cc): ExtFields from a literal list.
#pragma once

#include <initializer_list>
#include <utility>

#include "protocol/ext_fields.h"

namespace rmq::protocol {

inline ExtFields Fields(std::initializer_list<std::pair<const char*, const char*>> kv) {
  ExtFields f;
  for (const auto& [k, v] : kv) f.Set(k, v);
  return f;
}

}  // namespace rmq::protocol
