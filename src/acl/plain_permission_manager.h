// PlainPermissionManager: the broker's ACL 1.0 state and checks (mirrors Java 4.9.x
// PlainPermissionManager + PlainAccessValidator). Loads <home>/conf/plain_acl.yml (or the file
// named by rocketmq.acl.plain.file, relative to home) plus every *.yml / *.yaml under
// <home>/conf/acl, reloads them when they change, validates requests and applies the ACL admin
// codes (writing the files back).
//
// Loop thread only. Loading reads a few small files synchronously, like the other config files.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "acl/access_resource.h"
#include "acl/plain_acl_file.h"
#include "acl/remote_address_strategy.h"
#include "common/status.h"

namespace rmq::acl {

// Java's remark for a rejected request: "<exception>: <message>, <first stack frame>", where
// the frame names the 4.9.7 source line that throws (RemotingHelper.exceptionSimpleDesc).
std::string AclExceptionRemark(const std::string& message, const char* frame);

class PlainPermissionManager {
 public:
  // `home` is ROCKETMQ_HOME; `plain_file` the default file relative to it ("conf/plain_acl.yml").
  PlainPermissionManager(std::string home, const std::string& plain_file);
  PlainPermissionManager(const PlainPermissionManager&) = delete;
  PlainPermissionManager& operator=(const PlainPermissionManager&) = delete;

  // Reads every ACL file. On any error (unreadable file, bad YAML, a bad account or address
  // pattern) the previous configuration stays in force and the error names the file.
  Status Load();
  // Timer: reloads when a file appeared, vanished or changed (mtime or size). Returns true when
  // it reloaded; a failed reload is logged and keeps the last good configuration.
  bool ReloadIfChanged();

  // The one ACL decision for a request. On refusal the Status message is Java's remark.
  Status Validate(const AccessResource& r) const;

  // UPDATE_AND_CREATE_ACL_CONFIG / DELETE_ACL_CONFIG / UPDATE_GLOBAL_WHITE_ADDRS_CONFIG.
  // Errors carry Java's exception message; NotFound means Java's "false" (no such key/file).
  Status UpdateAccessConfig(const PlainAccessConfig& c, int64_t now_ms);
  Status DeleteAccessConfig(const std::string& access_key, int64_t now_ms);
  Status UpdateGlobalWhiteAddrsConfig(const std::vector<std::string>& addrs, std::string file, int64_t now_ms);

  // GET_BROKER_CLUSTER_ACL_INFO: the default file's version and every file's, as fastjson JSON.
  std::string AclConfigVersionJson() const;
  std::string AllAclFileVersionJson() const;
  // GET_BROKER_CLUSTER_ACL_CONFIG: {"globalWhiteAddrs":[...],"plainAccessConfigs":[...]}.
  std::string AllAclConfigJson() const;

  const std::string& default_file() const { return default_file_; }
  const std::vector<std::string>& files() const { return state_.files; }

 private:
  // An account as loaded (Java's owned PlainAccessResource).
  struct Account {
    PlainAccessConfig config;
    uint8_t default_topic_perm = 1;
    uint8_t default_group_perm = 1;
    std::map<std::string, uint8_t> perms;  // topic or %RETRY%group -> perm
    RemoteAddressStrategy white;
  };
  struct State {
    std::vector<std::string> files;
    std::map<std::string, Account> accounts;           // accessKey -> account (first file wins)
    std::map<std::string, std::string> key_file;       // accessKey -> file
    std::vector<RemoteAddressStrategy> global_white;
    std::vector<std::string> global_white_text;
    std::map<std::string, DataVersion> versions;       // file -> version
    std::map<std::string, PlainAclFile> parsed;        // file -> contents
  };
  std::vector<std::string> ListFiles() const;
  std::string Fingerprint(const std::vector<std::string>& files) const;
  Status ReadAll(State* out) const;

  std::string home_;
  std::string acl_dir_;
  std::string default_file_;
  std::string fingerprint_;
  State state_;
};

}  // namespace rmq::acl
