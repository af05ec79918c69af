// Address patterns of plain_acl.yml (whiteRemoteAddress, globalWhiteRemoteAddresses), parsed and
// matched as Java's RemoteAddressStrategyFactory (4.9.x) does, quirks included:
//   blank            never matches          "*", "*.*.*.*", "*:*:*:*:*:*:*:*"   all addresses
//   "1.2.3.4", "::1" one address            "1.2.3.4,1.2.3.5"                   a list
//   "192.168.1.{1,2}" brace list            "192.168.*.*", "192.168.1.1-100"    a range on one octet
// and the IPv6 analogues ("2001:db8::{1,2}", "2001:db8::*", "2001:db8::1-ff").
// Immutable after Parse; any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace rmq::acl {

class RemoteAddressStrategy {
 public:
  RemoteAddressStrategy() = default;  // blank: matches nothing
  // A pattern Java rejects is an error carrying Java's AclException message.
  static Result<RemoteAddressStrategy> Parse(std::string_view pattern);
  // `ip` is the peer's address without port ("127.0.0.1", "::1").
  bool Match(std::string_view ip) const;

 private:
  enum class Kind { kBlank, kAll, kSet, kOne, kRange };
  Status ParseRange(std::string_view pattern);
  Kind kind_ = Kind::kBlank;
  std::vector<std::string> set_;  // kSet: IPv4 as written, IPv6 expanded
  std::string one_;               // kOne: expanded, upper case
  // kRange: the fixed leading part, the index of the ranged part and its bounds.
  std::string head_;
  bool has_head_ = false;
  int index_ = 0, start_ = 0, end_ = 0;
};

bool IsValidInet4Address(std::string_view s);
bool IsValidInet6Address(std::string_view s);
// Java's AclUtils.expandIP: upper case, "::" widened to `part` groups, groups zero-padded to 4.
std::string ExpandIp(std::string_view address, int part);

}  // namespace rmq::acl
