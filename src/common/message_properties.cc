#include "common/message_properties.h"

#include <algorithm>

#include "common/coding.h"

namespace rmq {

namespace {

// java.util.HashMap's constants.
constexpr uint32_t kInitialCapacity = 16;
constexpr uint32_t kTreeifyThreshold = 8;
constexpr uint32_t kMinTreeifyCapacity = 64;
// Maps up to this size find names by a scan; larger ones build the hash index.
constexpr size_t kIndexFrom = 16;

uint32_t Spread(std::string_view name) {
  uint32_t h = static_cast<uint32_t>(JavaStringHash(name.data(), name.size()));
  return h ^ (h >> 16);
}

// Calls fn(name, value) for each well-formed pair (string2messageProperties' rules); stops when
// fn returns false.
template <typename Fn>
void ForEachPair(std::string_view s, Fn&& fn) {
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = s.find(kPropertySeparator, pos);
    if (end == std::string_view::npos) end = s.size();
    if (end - pos >= 3) {
      size_t sep = s.find(kNameValueSeparator, pos);
      if (sep != std::string_view::npos && sep > pos && sep + 1 < end) {
        if (!fn(s.substr(pos, sep - pos), s.substr(sep + 1, end - sep - 1))) return;
      }
    }
    pos = end + 1;
  }
}

}  // namespace

bool FindProperty(std::string_view properties, std::string_view name, std::string_view* value) {
  bool found = false;
  ForEachPair(properties, [&](std::string_view n, std::string_view v) {
    if (n != name) return true;
    *value = v;
    found = true;
    return false;
  });
  return found;
}

bool FindLastProperty(std::string_view properties, std::string_view name, std::string_view* value) {
  bool found = false;
  ForEachPair(properties, [&](std::string_view n, std::string_view v) {
    if (n == name) {
      *value = v;
      found = true;
    }
    return true;
  });
  return found;
}

std::string RemoveProperty(std::string_view properties, std::string_view name) {
  std::string out;
  out.reserve(properties.size());
  ForEachPair(properties, [&](std::string_view n, std::string_view v) {
    if (n != name) {
      out.append(n);
      out.push_back(kNameValueSeparator);
      out.append(v);
      out.push_back(kPropertySeparator);
    }
    return true;
  });
  return out;
}

std::string SetPropertyValue(std::string_view properties, std::string_view name, std::string_view value) {
  std::string out = RemoveProperty(properties, name);
  out.append(name);
  out.push_back(kNameValueSeparator);
  out.append(value);
  out.push_back(kPropertySeparator);
  return out;
}

void AppendProperty(std::string* props, std::string_view name, std::string_view value) {
  if (!props->empty() && props->back() != kPropertySeparator) props->push_back(kPropertySeparator);
  props->append(name);
  props->push_back(kNameValueSeparator);
  props->append(value);
  props->push_back(kPropertySeparator);
}

PropertyMap PropertyMap::Parse(std::string_view properties) {
  PropertyMap m;
  // One allocation for the entries: every pair is at least 3 bytes plus its separator.
  m.entries_.reserve(std::min<size_t>(std::count(properties.begin(), properties.end(), kPropertySeparator) + 1,
                                      properties.size() / 3 + 1));
  ForEachPair(properties, [&m](std::string_view n, std::string_view v) {
    m.Put(n, v);
    return true;
  });
  return m;
}

size_t PropertyMap::Find(std::string_view name) const {
  if (index_.empty()) {  // a small map: a scan is cheaper than hashing
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].name == name) return i;
    }
    return entries_.size();
  }
  auto it = index_.find(std::string(name));
  return it == index_.end() ? entries_.size() : it->second;
}

void PropertyMap::Grow() {
  capacity_ *= 2;
  bucket_len_.assign(capacity_, 0);
  for (const Entry& e : entries_) ++bucket_len_[e.spread & (capacity_ - 1)];
}

bool PropertyMap::Get(std::string_view name, std::string_view* value) const {
  size_t i = Find(name);
  if (i == entries_.size()) return false;
  *value = entries_[i].value;
  return true;
}

bool PropertyMap::Contains(std::string_view name) const { return Find(name) != entries_.size(); }

void PropertyMap::Put(std::string_view name, std::string_view value) {
  if (size_t i = Find(name); i != entries_.size()) {
    entries_[i].value.assign(value);
    return;
  }
  if (capacity_ == 0) {
    capacity_ = kInitialCapacity;
    bucket_len_.assign(capacity_, 0);
  }
  Entry e{std::string(name), std::string(value), Spread(name)};
  // putVal: appending to a bucket list of 8 or more calls treeifyBin, which below capacity 64
  // resizes instead.
  if (bucket_len_[e.spread & (capacity_ - 1)] >= kTreeifyThreshold && capacity_ < kMinTreeifyCapacity) Grow();
  ++bucket_len_[e.spread & (capacity_ - 1)];
  if (!index_.empty()) index_.emplace(e.name, entries_.size());
  entries_.push_back(std::move(e));
  if (index_.empty() && entries_.size() > kIndexFrom) {
    for (size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].name, i);
  }
  if (entries_.size() > capacity_ / 4 * 3) Grow();  // ++size > threshold
}

bool PropertyMap::Remove(std::string_view name) {
  size_t i = Find(name);
  if (i == entries_.size()) return false;
  --bucket_len_[entries_[i].spread & (capacity_ - 1)];
  if (!index_.empty()) index_.erase(entries_[i].name);
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i));
  if (!index_.empty()) {
    for (size_t j = i; j < entries_.size(); ++j) index_[entries_[j].name] = j;
  }
  return true;
}

std::string PropertyMap::Encode(std::string_view without) const {
  // A resize splits each bucket keeping relative order, so every bucket lists its entries in
  // insertion order: a stable sort by bucket index is HashMap's iteration order. Maps of up to
  // kSmall entries (every client's) sort on the stack by insertion, allocating only the result.
  constexpr size_t kSmall = 32;
  const Entry* small[kSmall];
  std::vector<const Entry*> large;
  const Entry** order = small;
  if (entries_.size() > kSmall) {
    large.resize(entries_.size());
    order = large.data();
  }
  const uint32_t mask = capacity_ - 1;
  size_t n = 0;
  size_t len = 0;
  for (const Entry& e : entries_) {
    if (!without.empty() && e.name == without) continue;
    len += e.name.size() + e.value.size() + 2;
    if (entries_.size() <= kSmall) {
      size_t j = n;
      while (j > 0 && (order[j - 1]->spread & mask) > (e.spread & mask)) {
        order[j] = order[j - 1];
        --j;
      }
      order[j] = &e;
    } else {
      order[n] = &e;
    }
    ++n;
  }
  if (entries_.size() > kSmall) {
    std::stable_sort(order, order + n,
                     [mask](const Entry* a, const Entry* b) { return (a->spread & mask) < (b->spread & mask); });
  }
  std::string out;
  out.reserve(len);
  for (size_t i = 0; i < n; ++i) {
    const Entry* e = order[i];
    if (i > 0) out.push_back(kPropertySeparator);
    out.append(e->name);
    out.push_back(kNameValueSeparator);
    out.append(e->value);
  }
  return out;
}

std::string ReserializeProperties(std::string_view properties) { return PropertyMap::Parse(properties).Encode(); }

}  // namespace rmq
