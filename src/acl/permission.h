// ACL 1.0 permissions (mirrors org.apache.rocketmq.acl.common.Permission, 4.9.x): the bits an
// account owns on a topic or group, the check of a needed bit against an owned one, and the
// request codes that only an admin account may send. Pure functions, any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace rmq::acl {

// Mirrors Permission.DENY / ANY / PUB / SUB.
constexpr uint8_t kPermDeny = 1;
constexpr uint8_t kPermAny = 1 << 1;
constexpr uint8_t kPermPub = 1 << 2;
constexpr uint8_t kPermSub = 1 << 3;

// Mirrors MixAll.RETRY_GROUP_TOPIC_PREFIX: group permissions are keyed by the group's retry topic.
constexpr std::string_view kRetryGroupTopicPrefix = "%RETRY%";

// "PUB", "SUB", "PUB|SUB", "SUB|PUB", "DENY" (surrounding blanks ignored); anything else,
// including a missing value, is DENY, as Java's parsePermFromString.
uint8_t ParsePermFromString(std::string_view perm);
inline uint8_t ParsePermFromString(const std::string* perm) {
  return perm == nullptr ? kPermDeny : ParsePermFromString(std::string_view(*perm));
}

// Owned DENY fails; a needed ANY is met by PUB or SUB; otherwise the bits must overlap.
bool CheckPermission(uint8_t needed, uint8_t owned);

// The request codes Java reserves for admin accounts (Permission.ADMIN_CODE in 4.9.x).
bool NeedAdminPerm(int32_t request_code);

// Parses "resource=PERM" entries (topicPerms / groupPerms) into (resource, perm) pairs; group
// names become their retry topic. A malformed entry is an error with Java's message.
Status ParseResourcePerms(const std::vector<std::string>& entries, bool is_topic,
                          std::vector<std::pair<std::string, uint8_t>>* out);

// The stricter check the admin codes run on new entries (Permission.checkResourcePerms):
// "Res=Perm" and the permission spelled as one of the accepted words.
Status CheckResourcePerms(const std::vector<std::string>& entries);

// Java's StringUtils.split(s, separators): splits on any separator char, dropping empty tokens.
std::vector<std::string> SplitDropEmpty(std::string_view s, std::string_view separators);
// Java's String.trim(): strips chars <= ' ' at both ends.
std::string_view JavaTrim(std::string_view s);

}  // namespace rmq::acl
