// One plain_acl.yml file (format of Java 4.9.x PlainPermissionManager): parsing its YAML into
// accounts, global white addresses and its data version, and the edits the ACL admin codes make
// to it (which keep every other key of the file). yaml-cpp; pure functions, any thread.
//
//   globalWhiteRemoteAddresses: [ "10.10.103.*" ]
//   accounts:
//     - accessKey: RocketMQ          # longer than 6 characters
//       secretKey: 12345678          # longer than 6 characters
//       whiteRemoteAddress: 192.168.0.*
//       admin: false
//       defaultTopicPerm: DENY
//       defaultGroupPerm: SUB
//       topicPerms: [ "topicA=DENY", "topicB=PUB|SUB" ]
//       groupPerms: [ "groupA=DENY" ]
//   dataVersion: [ { counter: 1, timestamp: 1700000000000 } ]
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace rmq::acl {

// Mirrors org.apache.rocketmq.common.PlainAccessConfig. Absent optional fields stay unset.
struct PlainAccessConfig {
  std::optional<std::string> access_key;
  std::optional<std::string> secret_key;
  std::optional<std::string> white_remote_address;
  bool admin = false;
  std::optional<std::string> default_topic_perm;
  std::optional<std::string> default_group_perm;
  std::optional<std::vector<std::string>> topic_perms;
  std::optional<std::vector<std::string>> group_perms;
};

// Mirrors DataVersion; fastjson prints it as {"counter":N,"timestamp":T}.
struct DataVersion {
  int64_t timestamp = 0;
  int64_t counter = 0;
  std::string ToJson() const;
};

struct PlainAclFile {
  bool empty = true;  // no data at all (Java skips such a file)
  std::vector<std::string> global_white_remote_addresses;
  std::vector<PlainAccessConfig> accounts;
  std::optional<DataVersion> data_version;
};

// A YAML syntax error or a key of the wrong shape is an error naming `origin` and the problem.
Result<PlainAclFile> ParsePlainAclYaml(const std::string& text, const std::string& origin);

// Java's checkPlainAccessConfig: both keys present and longer than 6 characters.
Status CheckPlainAccessConfig(const PlainAccessConfig& c);

// Edits of a file's text for the admin codes; each bumps the file's dataVersion (counter + 1,
// timestamp `now_ms`) and returns the new text. Errors carry Java's AclException message.
// Adds or updates `c` in the accounts list (an updated account moves to the end, as in Java).
Result<std::string> UpsertAccount(const std::string& text, const PlainAccessConfig& c, int64_t now_ms);
// Removes the account; NotFound when the file has no such account.
Result<std::string> RemoveAccount(const std::string& text, const std::string& access_key, int64_t now_ms);
Result<std::string> ReplaceGlobalWhiteAddrs(const std::string& text, const std::vector<std::string>& addrs,
                                            int64_t now_ms);

}  // namespace rmq::acl
