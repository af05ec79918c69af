#include "acl/plain_permission_manager.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "acl/acl_signer.h"
#include "acl/permission.h"
#include "common/json.h"
#include "common/logging.h"

namespace rmq::acl {

namespace fs = std::filesystem;

namespace {

// The 4.9.7 source lines that throw each AclException: the broker's remark ends with the top
// stack frame, so naming the same lines makes rmqd's remark byte-identical to the oracle's.
constexpr char kFrameNoAccessKey[] = "org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:663)";
constexpr char kFrameNoAclConfig[] = "org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:667)";
constexpr char kFrameSignature[] = "org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:683)";
constexpr char kFrameNeedAdmin[] = "org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:580)";
constexpr char kFrameNoDefaultPerm[] = "org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:605)";
constexpr char kFrameNoPerm[] = "org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:610)";
constexpr char kFrameParse[] = "org.apache.rocketmq.acl.plain.PlainAccessValidator.parse(PlainAccessValidator.java:134)";

constexpr char kAclSubdir[] = "conf/acl";
constexpr char kToolsFile[] = "/conf/tools.yml";  // MixAll.ACL_CONF_TOOLS_FILE, never an ACL file
// TopicValidator.RMQ_SYS_TRACE_TOPIC: PUB on it is always allowed.
constexpr char kTraceTopic[] = "RMQ_SYS_TRACE_TOPIC";

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status ReadText(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::IOError("cannot read " + path);
  std::ostringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return Status::OK();
}

Status WriteTextAtomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return Status::IOError("cannot write " + tmp);
    f << text;
    f.flush();
    if (!f) return Status::IOError("cannot write " + tmp);
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Status::IOError("cannot rename " + tmp + ": " + ec.message());
  return Status::OK();
}

bool IsYamlName(const std::string& p) {
  auto ends = [&](const char* s) {
    size_t n = strlen(s);
    return p.size() >= n && p.compare(p.size() - n, n, s) == 0;
  };
  return ends(".yml") || ends(".yaml");
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string PrintResource(const std::string& resource, bool is_group) {
  if (is_group) return "group:" + resource.substr(kRetryGroupTopicPrefix.size());
  return "topic:" + resource;
}

}  // namespace

std::string AclExceptionRemark(const std::string& message, const char* frame) {
  return "org.apache.rocketmq.acl.common.AclException: " + message + ", " + frame;
}

PlainPermissionManager::PlainPermissionManager(std::string home, const std::string& plain_file)
    : home_(std::move(home)) {
  acl_dir_ = fs::path(home_ + "/" + kAclSubdir).lexically_normal().string();
  default_file_ = fs::path(home_ + "/" + plain_file).lexically_normal().string();
}

std::vector<std::string> PlainPermissionManager::ListFiles() const {
  std::vector<std::string> files;
  std::error_code ec;
  if (fs::is_directory(acl_dir_, ec)) {
    for (auto it = fs::recursive_directory_iterator(acl_dir_, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      std::string p = it->path().string();
      if (p == home_ + kToolsFile) continue;
      if (it->is_regular_file(ec) && IsYamlName(p)) files.push_back(fs::path(p).lexically_normal().string());
    }
    std::sort(files.begin(), files.end());
  }
  if (fs::exists(default_file_, ec) && std::find(files.begin(), files.end(), default_file_) == files.end()) {
    files.push_back(default_file_);
  }
  return files;
}

std::string PlainPermissionManager::Fingerprint(const std::vector<std::string>& files) const {
  std::string fp;
  for (const auto& f : files) {
    struct stat st {};
    fp += f;
    if (stat(f.c_str(), &st) == 0) {
      fp += ':' + std::to_string(st.st_mtim.tv_sec) + '.' + std::to_string(st.st_mtim.tv_nsec) + ':' +
            std::to_string(st.st_size);
    }
    fp += '\n';
  }
  return fp;
}

Status PlainPermissionManager::ReadAll(State* out) const {
  out->files = ListFiles();
  int64_t now = WallMs();
  for (const std::string& file : out->files) {
    std::string text;
    if (Status s = ReadText(file, &text); !s.ok()) return s;
    Result<PlainAclFile> parsed = ParsePlainAclYaml(text, file);
    if (!parsed.ok()) return parsed.status();
    PlainAclFile& data = parsed.value();
    if (data.empty) continue;  // Java skips a file without data
    for (const std::string& pattern : data.global_white_remote_addresses) {
      Result<RemoteAddressStrategy> r = RemoteAddressStrategy::Parse(pattern);
      if (!r.ok()) return Status::InvalidArgument(file + ": globalWhiteRemoteAddresses: " + r.status().message());
      out->global_white.push_back(std::move(r.value()));
    }
    for (const PlainAccessConfig& c : data.accounts) {
      if (Status s = CheckPlainAccessConfig(c); !s.ok()) return Status::InvalidArgument(file + ": " + s.message());
      Account a;
      a.config = c;
      a.default_topic_perm = ParsePermFromString(c.default_topic_perm ? &*c.default_topic_perm : nullptr);
      a.default_group_perm = ParsePermFromString(c.default_group_perm ? &*c.default_group_perm : nullptr);
      std::vector<std::pair<std::string, uint8_t>> perms;
      Status ps = ParseResourcePerms(c.group_perms.value_or(std::vector<std::string>{}), false, &perms);
      if (ps.ok()) ps = ParseResourcePerms(c.topic_perms.value_or(std::vector<std::string>{}), true, &perms);
      if (!ps.ok()) return Status::InvalidArgument(file + ": " + ps.message());
      for (auto& [k, v] : perms) a.perms[k] = v;
      Result<RemoteAddressStrategy> w = RemoteAddressStrategy::Parse(c.white_remote_address.value_or(""));
      if (!w.ok()) return Status::InvalidArgument(file + ": account " + *c.access_key + ": " + w.status().message());
      a.white = std::move(w.value());
      if (out->key_file.count(*c.access_key)) {
        RMQ_LOG_WARN("acl: accessKey %s is defined more than once; %s keeps the first", c.access_key->c_str(),
                     file.c_str());
        continue;
      }
      out->key_file[*c.access_key] = file;
      out->accounts.emplace(*c.access_key, std::move(a));
    }
    out->versions[file] = data.data_version.value_or(DataVersion{now, 0});
    out->parsed[file] = std::move(data);
  }
  return Status::OK();
}

Status PlainPermissionManager::Load() {
  std::error_code ec;
  if (!fs::exists(default_file_, ec)) {
    // Java creates the default file so that global white addresses have a home.
    std::ofstream create(default_file_, std::ios::app);
    if (!create) return Status::IOError("cannot create ACL file " + default_file_);
  }
  State next;
  if (Status s = ReadAll(&next); !s.ok()) return s;
  fingerprint_ = Fingerprint(next.files);
  state_ = std::move(next);
  RMQ_LOG_INFO("acl: loaded %zu accounts, %zu global white addresses from %zu files", state_.accounts.size(),
               state_.global_white.size(), state_.files.size());
  return Status::OK();
}

bool PlainPermissionManager::ReloadIfChanged() {
  std::vector<std::string> files = ListFiles();
  std::string fp = Fingerprint(files);
  if (fp == fingerprint_) return false;
  Status s = Load();
  if (!s.ok()) {
    // Keep the last good configuration; retry only when the files change again.
    fingerprint_ = fp;
    RMQ_LOG_ERROR("acl: reload failed, keeping the previous configuration: %s", s.ToString().c_str());
    return false;
  }
  return true;
}

Status PlainPermissionManager::Validate(const AccessResource& r) const {
  auto refuse = [](const std::string& msg, const char* frame) {
    return Status::InvalidArgument(AclExceptionRemark(msg, frame));
  };
  if (r.parse_error) return refuse(*r.parse_error, kFrameParse);
  for (const auto& w : state_.global_white)
    if (w.Match(r.remote_ip)) return Status::OK();
  if (!r.access_key) return refuse("No accessKey is configured", kFrameNoAccessKey);
  auto it = state_.accounts.find(*r.access_key);
  if (it == state_.accounts.end()) return refuse("No acl config for " + *r.access_key, kFrameNoAclConfig);
  const Account& owned = it->second;
  if (owned.white.Match(r.remote_ip)) return Status::OK();

  const std::string& secret = *owned.config.secret_key;
  bool signed_ok = r.signature && SignatureEquals(CalSignature(r.content, secret), *r.signature);
  // 4.9.x brokers leave _UNIQUE_KEY_QUERY out of the text while clients sign it; accept both.
  if (!signed_ok && r.signature && r.content_with_unique_key) {
    signed_ok = SignatureEquals(CalSignature(*r.content_with_unique_key, secret), *r.signature);
  }
  if (!signed_ok) return refuse("Check signature failed for accessKey=" + *r.access_key, kFrameSignature);

  for (const auto& [resource, perm] : r.resources)
    if (resource == kTraceTopic && perm == kPermPub) return Status::OK();

  // checkPerm
  if (NeedAdminPerm(r.request_code) && !owned.config.admin) {
    return refuse("Need admin permission for request code=" + std::to_string(r.request_code) + ", but accessKey=" +
                      *r.access_key + " is not",
                  kFrameNeedAdmin);
  }
  if (!r.has_resources) return Status::OK();
  if (owned.perms.empty() && owned.config.admin) return Status::OK();
  for (const auto& [resource, needed] : r.resources) {
    bool is_group = StartsWith(resource, kRetryGroupTopicPrefix);
    auto p = owned.perms.find(resource);
    if (p == owned.perms.end()) {
      uint8_t def = is_group ? owned.default_group_perm : owned.default_topic_perm;
      if (!CheckPermission(needed, def)) {
        return refuse("No default permission for " + PrintResource(resource, is_group), kFrameNoDefaultPerm);
      }
      continue;
    }
    if (!CheckPermission(needed, p->second)) {
      return refuse("No default permission for " + PrintResource(resource, is_group), kFrameNoPerm);
    }
  }
  return Status::OK();
}

Status PlainPermissionManager::UpdateAccessConfig(const PlainAccessConfig& c, int64_t now_ms) {
  if (Status s = CheckPlainAccessConfig(c); !s.ok()) return s;
  if (c.topic_perms) {
    if (Status s = CheckResourcePerms(*c.topic_perms); !s.ok()) return s;
  }
  if (c.group_perms) {
    if (Status s = CheckResourcePerms(*c.group_perms); !s.ok()) return s;
  }
  // Java builds the account before writing, so a bad address pattern fails without a write.
  if (Result<RemoteAddressStrategy> w = RemoteAddressStrategy::Parse(c.white_remote_address.value_or(""));
      !w.ok()) {
    return w.status();
  }
  auto kf = state_.key_file.find(*c.access_key);
  std::string file = kf != state_.key_file.end() ? kf->second : default_file_;
  std::string text;
  std::error_code ec;
  if (fs::exists(file, ec)) {
    if (Status s = ReadText(file, &text); !s.ok()) return s;
  }
  Result<std::string> next = UpsertAccount(text, c, now_ms);
  if (!next.ok()) return next.status();
  if (Status s = WriteTextAtomically(file, next.value()); !s.ok()) return s;
  return Load();
}

Status PlainPermissionManager::DeleteAccessConfig(const std::string& access_key, int64_t now_ms) {
  auto kf = state_.key_file.find(access_key);
  if (access_key.empty() || kf == state_.key_file.end()) return Status::NotFound(access_key);
  std::string file = kf->second;
  std::string text;
  if (Status s = ReadText(file, &text); !s.ok()) return s;
  Result<std::string> next = RemoveAccount(text, access_key, now_ms);
  if (!next.ok()) return next.status();
  if (Status s = WriteTextAtomically(file, next.value()); !s.ok()) return s;
  return Load();
}

Status PlainPermissionManager::UpdateGlobalWhiteAddrsConfig(const std::vector<std::string>& addrs, std::string file,
                                                            int64_t now_ms) {
  if (file.empty()) file = default_file_;
  std::error_code ec;
  if (!fs::exists(file, ec) || fs::is_directory(file, ec)) return Status::NotFound(file + " is not an ACL file");
  if (!StartsWith(file, home_)) return Status::NotFound(file + " is not under " + home_);
  // Java's extension check only ever rejects *.yaml (sic).
  if (file.size() >= 5 && file.compare(file.size() - 5, 5, ".yaml") == 0) return Status::NotFound(file);
  std::string text;
  if (Status s = ReadText(file, &text); !s.ok()) return s;
  Result<std::string> next = ReplaceGlobalWhiteAddrs(text, addrs, now_ms);
  if (!next.ok()) return next.status();
  if (Status s = WriteTextAtomically(file, next.value()); !s.ok()) return s;
  return Load();
}

std::string PlainPermissionManager::AclConfigVersionJson() const {
  auto it = state_.versions.find(default_file_);
  if (it != state_.versions.end()) return it->second.ToJson();
  return DataVersion{0, 0}.ToJson();
}

std::string PlainPermissionManager::AllAclFileVersionJson() const {
  std::string out;
  json::Writer w(&out);
  w.BeginObject();
  for (const auto& [file, v] : state_.versions) w.Key(file).Raw(v.ToJson());
  w.EndObject();
  return out;
}

std::string PlainPermissionManager::AllAclConfigJson() const {
  std::string out;
  json::Writer w(&out);
  w.BeginObject().Key("globalWhiteAddrs").BeginArray();
  for (const auto& file : state_.files) {
    auto it = state_.parsed.find(file);
    if (it == state_.parsed.end()) continue;
    for (const auto& a : it->second.global_white_remote_addresses) w.String(a);
  }
  w.EndArray().Key("plainAccessConfigs").BeginArray();
  std::vector<std::string> seen;
  for (const auto& file : state_.files) {
    auto it = state_.parsed.find(file);
    if (it == state_.parsed.end()) continue;
    for (const auto& c : it->second.accounts) {
      std::string key = c.access_key.value_or("");
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
      seen.push_back(key);
      // fastjson order: properties sorted by name, nulls omitted.
      w.BeginObject();
      if (c.access_key) w.Key("accessKey").String(*c.access_key);
      w.Key("admin").Bool(c.admin);
      if (c.default_group_perm) w.Key("defaultGroupPerm").String(*c.default_group_perm);
      if (c.default_topic_perm) w.Key("defaultTopicPerm").String(*c.default_topic_perm);
      if (c.group_perms) {
        w.Key("groupPerms").BeginArray();
        for (const auto& g : *c.group_perms) w.String(g);
        w.EndArray();
      }
      if (c.secret_key) w.Key("secretKey").String(*c.secret_key);
      if (c.topic_perms) {
        w.Key("topicPerms").BeginArray();
        for (const auto& t : *c.topic_perms) w.String(t);
        w.EndArray();
      }
      if (c.white_remote_address) w.Key("whiteRemoteAddress").String(*c.white_remote_address);
      w.EndObject();
    }
  }
  w.EndArray().EndObject();
  return out;
}

}  // namespace rmq::acl
