#include "acl/remote_address_strategy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cctype>

#include "acl/permission.h"

namespace rmq::acl {

namespace {

bool Contains(std::string_view s, char c) { return s.find(c) != std::string_view::npos; }

bool IsBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

// Integer.parseInt(s, radix): optional sign, digits only.
bool ParseJavaInt(std::string_view s, int radix, int* out) {
  if (s.empty()) return false;
  size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
  if (i == s.size()) return false;
  long v = 0;
  auto [p, ec] = std::from_chars(s.data() + i, s.data() + s.size(), v, radix);
  if (ec != std::errc() || p != s.data() + s.size() || v > INT32_MAX) return false;
  *out = static_cast<int>(s[0] == '-' ? -v : v);
  return true;
}

Status NumberFormat(std::string_view s) {
  return Status::InvalidArgument("For input string: \"" + std::string(s) + "\"");
}

Status ScopeError(std::string_view pattern) {
  return Status::InvalidArgument("Netaddress examine scope Exception netaddress is " + std::string(pattern));
}

// AclUtils.isScope(netaddress, index): the first `index` parts are in range.
Result<bool> IsScope(std::string_view address, int index) {
  if (Contains(address, ':')) {
    std::vector<std::string> parts = SplitDropEmpty(ExpandIp(address, 8), ":");
    for (int i = 0; i < index && i < static_cast<int>(parts.size()); ++i) {
      int v;
      if (!ParseJavaInt(parts[i], 16, &v) || v < 0 || v > 0xffff) return false;
    }
    return true;
  }
  std::vector<std::string> parts = SplitDropEmpty(address, ".");
  if (parts.size() != 4) return false;
  for (int i = 0; i < index; ++i) {
    int v;
    if (!ParseJavaInt(JavaTrim(parts[i]), 10, &v)) return NumberFormat(JavaTrim(parts[i]));
    if (v < 0 || v > 255) return false;
  }
  return true;
}

Status Verify(std::string_view pattern, int index) {
  Result<bool> r = IsScope(pattern, index);
  if (!r.ok()) return r.status();
  return r.value() ? Status::OK() : ScopeError(pattern);
}

// Parses one ranged part ("*" or "a-b") into [start, end]; returns end > 0 as Java does.
Result<bool> AnalysePart(std::string_view value, int radix, int max, int* start, int* end) {
  value = JavaTrim(value);
  if (value == "*") {
    *start = 0;
    *end = max;
  } else if (Contains(value, '-')) {
    if (value[0] == '-') {
      return Status::InvalidArgument("RangeRemoteAddressStrategy netaddress examine scope Exception value " +
                                     std::string(value) + " ");
    }
    std::vector<std::string> bounds = SplitDropEmpty(value, "-");
    if (bounds.size() < 2) return Status::InvalidArgument("Index 1 out of bounds for length 1");
    if (!ParseJavaInt(bounds[0], radix, start)) return NumberFormat(bounds[0]);
    if (!ParseJavaInt(bounds[1], radix, end)) return NumberFormat(bounds[1]);
    if (!(*end >= 0 && *end <= max && *start >= 0 && *start <= max && *start <= *end)) {
      return Status::InvalidArgument("RangeRemoteAddressStrategy netaddress examine scope Exception start is " +
                                     std::to_string(*start) + " , end is " + std::to_string(*end));
    }
  }
  return *end > 0;
}

// AclUtils.IPv6AddressCheck: '*' only last; '-' only in the last (or, with '*', last but one) group.
Status Ipv6AddressCheck(std::string_view a) {
  if (!Contains(a, '*') && !Contains(a, '-')) return Status::OK();
  size_t asterisk = a.find('*');
  size_t minus = a.find('-');
  if (asterisk != std::string_view::npos && asterisk != a.size() - 1) return ScopeError(a);
  if (minus != std::string_view::npos) {
    size_t last = a.rfind(':');
    if (asterisk == std::string_view::npos) {
      if (last != std::string_view::npos && minus <= last) return ScopeError(a);
    } else {
      size_t second = (last == std::string_view::npos || last == 0) ? std::string_view::npos : a.rfind(':', last - 1);
      if (second != std::string_view::npos && minus <= second) return ScopeError(a);
    }
  }
  return Status::OK();
}

// AclUtils.v6ipProcess: the fixed head of an IPv6 range pattern, expanded.
std::string V6IpProcess(std::string_view a) {
  bool asterisk = Contains(a, '*'), minus = Contains(a, '-');
  size_t last = a.rfind(':');
  if (asterisk && minus) {
    size_t second = a.substr(0, last).rfind(':');
    return ExpandIp(a.substr(0, second), 6);
  }
  if (!asterisk && !minus) return ExpandIp(a, 8);
  return ExpandIp(a.substr(0, last), 7);
}

Result<std::vector<std::string>> BraceAddresses(std::string_view pattern, std::string_view last) {
  std::vector<std::string> items = SplitDropEmpty(last.substr(1, last.size() - 2), ",");
  std::string prefix(pattern.substr(0, pattern.find('{')));
  std::vector<std::string> out;
  for (auto& i : items) out.push_back(prefix + i);
  return out;
}

}  // namespace

bool IsValidInet4Address(std::string_view s) {
  if (s.empty() || s.size() > 15) return false;
  char buf[16];
  std::copy(s.begin(), s.end(), buf);
  buf[s.size()] = 0;
  in_addr a;
  return inet_pton(AF_INET, buf, &a) == 1;
}

bool IsValidInet6Address(std::string_view s) {
  if (s.empty() || s.size() > 45) return false;
  char buf[46];
  std::copy(s.begin(), s.end(), buf);
  buf[s.size()] = 0;
  in6_addr a;
  return inet_pton(AF_INET6, buf, &a) == 1;
}

std::string ExpandIp(std::string_view address, int part) {
  std::string a(address);
  for (char& c : a) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  int colons = static_cast<int>(std::count(a.begin(), a.end(), ':'));
  int pad = part - colons;
  if (pad > 0) {
    std::string wide(static_cast<size_t>(pad) + 1, ':');
    std::string r;
    for (size_t i = 0; i < a.size();) {
      if (a.compare(i, 2, "::") == 0) {
        r += wide;
        i += 2;
      } else {
        r += a[i++];
      }
    }
    a = r;
  }
  std::string out;
  size_t start = 0;
  for (size_t i = 0; i <= a.size(); ++i) {
    if (i == a.size() || a[i] == ':') {
      std::string group = a.substr(start, i - start);
      if (group.size() < 4) group.insert(0, 4 - group.size(), '0');
      if (start > 0) out += ':';
      out += group;
      start = i + 1;
    }
  }
  return out;
}

Result<RemoteAddressStrategy> RemoteAddressStrategy::Parse(std::string_view pattern) {
  RemoteAddressStrategy s;
  if (IsBlank(pattern)) return s;
  if (pattern == "*" || pattern == "*.*.*.*" || pattern == "*:*:*:*:*:*:*:*") {
    s.kind_ = Kind::kAll;
    return s;
  }
  std::vector<std::string> addresses;
  bool multiple = false;
  if (pattern.back() == '}') {
    bool v6 = Contains(pattern, ':');
    std::vector<std::string> parts = SplitDropEmpty(pattern, v6 ? ":" : ".");
    if (!v6 && parts.size() < 4) {
      return Status::InvalidArgument("MultipleRemoteAddressStrategy has got a/some wrong format IP(s) ");
    }
    if (parts.empty() || parts.back()[0] != '{') {
      return Status::InvalidArgument("MultipleRemoteAddressStrategy netaddress examine scope Exception netaddress");
    }
    Result<std::vector<std::string>> r = BraceAddresses(pattern, parts.back());
    addresses = std::move(r.value());
    multiple = true;
  } else if (Contains(pattern, ',')) {
    addresses = SplitDropEmpty(pattern, ",");
    multiple = true;
  }
  if (multiple) {
    s.kind_ = Kind::kSet;
    for (const std::string& a : addresses) {
      if (IsValidInet4Address(a)) {
        s.set_.push_back(a);
      } else if (IsValidInet6Address(a)) {
        s.set_.push_back(ExpandIp(a, 8));
      } else {
        return Status::InvalidArgument("Netaddress examine Exception netaddress is " + a);
      }
    }
    return s;
  }
  if (Contains(pattern, '*') || Contains(pattern, '-')) {
    Status st = s.ParseRange(pattern);
    if (!st.ok()) return st;
    s.kind_ = Kind::kRange;
    return s;
  }
  if (!IsValidInet4Address(pattern) && !IsValidInet6Address(pattern)) {
    return Status::InvalidArgument("Netaddress examine Exception netaddress is " + std::string(pattern));
  }
  s.kind_ = Kind::kOne;
  s.one_ = ExpandIp(pattern, 8);
  return s;
}

Status RemoteAddressStrategy::ParseRange(std::string_view pattern) {
  if (Contains(pattern, ':')) {
    if (Status st = Ipv6AddressCheck(pattern); !st.ok()) return st;
    std::vector<std::string> parts = SplitDropEmpty(pattern, ":");
    for (size_t i = 1; i < parts.size(); ++i) {
      index_ = static_cast<int>(i);
      Result<bool> hit = AnalysePart(parts[i], 16, 0xffff, &start_, &end_);
      if (!hit.ok()) return hit.status();
      if (!hit.value()) continue;
      if (Status st = Verify(pattern, index_ - 1); !st.ok()) return st;
      head_ = V6IpProcess(pattern);
      index_ = static_cast<int>(SplitDropEmpty(head_, ":").size());
      has_head_ = true;
      break;
    }
    return Status::OK();
  }
  std::vector<std::string> parts = SplitDropEmpty(pattern, ".");
  for (int i = 1; i <= 3; ++i) {
    if (i >= static_cast<int>(parts.size())) {
      return Status::InvalidArgument("Index " + std::to_string(i) + " out of bounds for length " +
                                     std::to_string(parts.size()));
    }
    index_ = i;
    Result<bool> hit = AnalysePart(parts[i], 10, 255, &start_, &end_);
    if (!hit.ok()) return hit.status();
    if (!hit.value()) continue;
    if (Status st = Verify(pattern, index_ - 1); !st.ok()) return st;
    head_.clear();
    for (int j = 0; j < index_; ++j) head_ += std::string(JavaTrim(parts[j])) + ".";
    has_head_ = true;
    break;
  }
  return Status::OK();
}

bool RemoteAddressStrategy::Match(std::string_view ip) const {
  switch (kind_) {
    case Kind::kBlank:
      return false;
    case Kind::kAll:
      return true;
    case Kind::kSet: {
      std::string key = IsValidInet6Address(ip) ? ExpandIp(ip, 8) : std::string(ip);
      return std::find(set_.begin(), set_.end(), key) != set_.end();
    }
    case Kind::kOne:
      return ExpandIp(ip, 8) == one_;
    case Kind::kRange:
      break;
  }
  // A range whose parts never parsed has no head (Java fails with a NullPointerException here).
  if (!has_head_) return false;
  int value = 0;
  if (IsValidInet4Address(ip)) {
    if (ip.substr(0, head_.size()) != head_) return false;
    std::string_view rest;
    if (index_ == 3) {
      rest = ip.substr(head_.size());
    } else {
      size_t last = ip.rfind('.');
      if (index_ == 1 && last != std::string_view::npos && last > 0) last = ip.rfind('.', last - 1);
      if (last == std::string_view::npos || last < head_.size()) return false;
      rest = ip.substr(head_.size(), last - head_.size());
    }
    if (!ParseJavaInt(rest, 10, &value)) return false;
  } else if (IsValidInet6Address(ip)) {
    std::string full = ExpandIp(ip, 8);
    if (full.compare(0, head_.size(), head_) != 0) return false;
    size_t at = 5 * static_cast<size_t>(index_);
    if (at + 4 > full.size()) return false;
    if (!ParseJavaInt(std::string_view(full).substr(at, 4), 16, &value)) return false;
  } else {
    return false;
  }
  return value >= start_ && value <= end_;
}

}  // namespace rmq::acl
