// The store's one reader of a stored properties string (name\x01value\x02...). The dispatch path
// (TAGS, KEYS, UNIQ_KEY), the delay rewrite (DELAY) and store tools read properties only through
// ForEachProperty / FindProperty, so a shared property module can replace this file in one edit.
//
// Pure functions over bytes; any thread.
#pragma once

#include <string_view>

namespace rmq::store {

// Calls visit(name, value) for each well-formed pair (one with a \x01) in order; stops early
// when visit returns false. Pairs without a \x01 are skipped; a missing trailing \x02 is fine.
template <typename Visit>
void ForEachProperty(std::string_view props, Visit&& visit) {
  size_t pos = 0;
  while (pos < props.size()) {
    size_t end = props.find('\x02', pos);
    if (end == std::string_view::npos) end = props.size();
    std::string_view item = props.substr(pos, end - pos);
    size_t sep = item.find('\x01');
    if (sep != std::string_view::npos && !visit(item.substr(0, sep), item.substr(sep + 1))) return;
    pos = end + 1;
  }
}

// The value of the first pair named `name`; false when there is none.
inline bool FindProperty(std::string_view props, std::string_view name, std::string_view* value) {
  bool found = false;
  ForEachProperty(props, [&](std::string_view n, std::string_view v) {
    if (n != name) return true;
    *value = v;
    found = true;
    return false;
  });
  return found;
}

}  // namespace rmq::store
