#include "acl/plain_acl_file.h"

#include <yaml-cpp/yaml.h>

#include "common/json.h"

namespace rmq::acl {

namespace {

constexpr char kGlobalWhite[] = "globalWhiteRemoteAddresses";
constexpr char kAccounts[] = "accounts";
constexpr char kDataVersion[] = "dataVersion";
constexpr char kAccessKey[] = "accessKey";
constexpr char kSecretKey[] = "secretKey";
constexpr char kWhiteAddr[] = "whiteRemoteAddress";
constexpr char kAdmin[] = "admin";
constexpr char kDefaultTopicPerm[] = "defaultTopicPerm";
constexpr char kDefaultGroupPerm[] = "defaultGroupPerm";
constexpr char kTopicPerms[] = "topicPerms";
constexpr char kGroupPerms[] = "groupPerms";
constexpr size_t kKeyMinLength = 6;  // AclConstants.ACCESS_KEY_MIN_LENGTH / SECRET_KEY_MIN_LENGTH

Status Bad(const std::string& origin, const std::string& what) { return Status::InvalidArgument(origin + ": " + what); }

// A scalar as fastjson would convert it to a String; null stays unset.
bool ScalarOf(const YAML::Node& n, std::optional<std::string>* out) {
  if (!n || n.IsNull()) return true;
  if (!n.IsScalar()) return false;
  *out = n.Scalar();
  return true;
}

bool StringListOf(const YAML::Node& n, std::optional<std::vector<std::string>>* out) {
  if (!n || n.IsNull()) return true;
  if (!n.IsSequence()) return false;
  std::vector<std::string> v;
  for (const auto& item : n) {
    if (!item.IsScalar()) return false;
    v.push_back(item.Scalar());
  }
  *out = std::move(v);
  return true;
}

Result<YAML::Node> LoadRoot(const std::string& text) {
  try {
    YAML::Node root = YAML::Load(text);
    if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
    if (!root.IsMap()) return Status::InvalidArgument("the document is not a map");
    return root;
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(e.what());
  }
}

std::string Emit(const YAML::Node& root) {
  YAML::Emitter out;
  out << root;
  return std::string(out.c_str()) + "\n";
}

// Java's updateAclConfigFileVersion: next version of the stored one (or of a fresh one).
void BumpVersion(YAML::Node& root, int64_t now_ms) {
  DataVersion v{now_ms, 0};
  YAML::Node dv = root[kDataVersion];
  if (dv && dv.IsSequence() && dv.size() > 0 && dv[0].IsMap()) {
    try {
      if (dv[0]["counter"]) v.counter = dv[0]["counter"].as<int64_t>();
    } catch (const YAML::Exception&) {
    }
  }
  v.counter += 1;
  v.timestamp = now_ms;
  YAML::Node entry(YAML::NodeType::Map);
  entry["counter"] = v.counter;
  entry["timestamp"] = v.timestamp;
  YAML::Node list(YAML::NodeType::Sequence);
  list.push_back(entry);
  root[kDataVersion] = list;
}

YAML::Node StringList(const std::vector<std::string>& v) {
  YAML::Node n(YAML::NodeType::Sequence);
  for (const auto& s : v) n.push_back(s);
  return n;
}

}  // namespace

std::string DataVersion::ToJson() const {
  std::string out;
  json::Writer w(&out);
  w.BeginObject().Key("counter").Int(counter).Key("timestamp").Int(timestamp).EndObject();
  return out;
}

Status CheckPlainAccessConfig(const PlainAccessConfig& c) {
  if (!c.access_key || !c.secret_key || c.access_key->size() <= kKeyMinLength ||
      c.secret_key->size() <= kKeyMinLength) {
    return Status::InvalidArgument("The accessKey=" + c.access_key.value_or("null") + " and secretKey=" +
                                   c.secret_key.value_or("null") +
                                   " cannot be null and length should longer than 6");
  }
  return Status::OK();
}

Result<PlainAclFile> ParsePlainAclYaml(const std::string& text, const std::string& origin) {
  Result<YAML::Node> loaded = LoadRoot(text);
  if (!loaded.ok()) return Bad(origin, loaded.status().message());
  const YAML::Node& root = loaded.value();
  PlainAclFile f;
  f.empty = root.size() == 0;
  try {
    if (YAML::Node g = root[kGlobalWhite]; g && !g.IsNull()) {
      std::optional<std::vector<std::string>> list;
      if (!StringListOf(g, &list)) return Bad(origin, std::string(kGlobalWhite) + " is not a list of strings");
      f.global_white_remote_addresses = std::move(*list);
    }
    if (YAML::Node accounts = root[kAccounts]; accounts && !accounts.IsNull()) {
      if (!accounts.IsSequence()) return Bad(origin, "accounts is not a list");
      for (const auto& a : accounts) {
        if (!a.IsMap()) return Bad(origin, "an account is not a map");
        PlainAccessConfig c;
        bool ok = ScalarOf(a[kAccessKey], &c.access_key) && ScalarOf(a[kSecretKey], &c.secret_key) &&
                  ScalarOf(a[kWhiteAddr], &c.white_remote_address) &&
                  ScalarOf(a[kDefaultTopicPerm], &c.default_topic_perm) &&
                  ScalarOf(a[kDefaultGroupPerm], &c.default_group_perm) && StringListOf(a[kTopicPerms], &c.topic_perms) &&
                  StringListOf(a[kGroupPerms], &c.group_perms);
        if (!ok) return Bad(origin, "account " + c.access_key.value_or("?") + " has a field of the wrong type");
        if (YAML::Node admin = a[kAdmin]; admin && !admin.IsNull()) {
          bool b = false;
          if (!admin.IsScalar() || !YAML::convert<bool>::decode(admin, b)) {
            return Bad(origin, "account " + c.access_key.value_or("?") + ": admin is not true or false");
          }
          c.admin = b;
        }
        f.accounts.push_back(std::move(c));
      }
    }
    if (YAML::Node dv = root[kDataVersion]; dv && dv.IsSequence() && dv.size() > 0 && dv[0].IsMap()) {
      DataVersion v;
      if (dv[0]["counter"]) v.counter = dv[0]["counter"].as<int64_t>();
      if (dv[0]["timestamp"]) v.timestamp = dv[0]["timestamp"].as<int64_t>();
      f.data_version = v;
    }
  } catch (const YAML::Exception& e) {
    return Bad(origin, e.what());
  }
  return f;
}

Result<std::string> UpsertAccount(const std::string& text, const PlainAccessConfig& c, int64_t now_ms) {
  Result<YAML::Node> loaded = LoadRoot(text);
  if (!loaded.ok()) return loaded.status();
  YAML::Node root = loaded.value();
  // Java's createAclAccessConfigMap: only the fields given replace stored ones.
  if (!c.access_key || c.access_key->size() <= kKeyMinLength) {
    return Status::InvalidArgument("The accessKey=" + c.access_key.value_or("null") +
                                   " cannot be null and length should longer than 6");
  }
  if (c.secret_key && !c.secret_key->empty() && c.secret_key->size() <= kKeyMinLength) {
    return Status::InvalidArgument("The secretKey=" + *c.secret_key + " value length should longer than 6");
  }
  YAML::Node accounts = root[kAccounts];
  YAML::Node kept(YAML::NodeType::Sequence);
  YAML::Node account(YAML::NodeType::Map);
  if (accounts && accounts.IsSequence()) {
    for (const auto& a : accounts) {
      if (a.IsMap() && a[kAccessKey] && a[kAccessKey].IsScalar() && a[kAccessKey].Scalar() == *c.access_key) {
        account = YAML::Clone(a);
      } else {
        kept.push_back(a);
      }
    }
  }
  account[kAccessKey] = *c.access_key;
  if (c.secret_key && !c.secret_key->empty()) account[kSecretKey] = *c.secret_key;
  if (c.white_remote_address) account[kWhiteAddr] = *c.white_remote_address;
  account[kAdmin] = c.admin;
  if (c.default_topic_perm && !c.default_topic_perm->empty()) account[kDefaultTopicPerm] = *c.default_topic_perm;
  if (c.default_group_perm && !c.default_group_perm->empty()) account[kDefaultGroupPerm] = *c.default_group_perm;
  if (c.topic_perms) account[kTopicPerms] = StringList(*c.topic_perms);
  if (c.group_perms) account[kGroupPerms] = StringList(*c.group_perms);
  kept.push_back(account);
  root[kAccounts] = kept;
  BumpVersion(root, now_ms);
  return Emit(root);
}

Result<std::string> RemoveAccount(const std::string& text, const std::string& access_key, int64_t now_ms) {
  Result<YAML::Node> loaded = LoadRoot(text);
  if (!loaded.ok()) return loaded.status();
  YAML::Node root = loaded.value();
  YAML::Node accounts = root[kAccounts];
  YAML::Node kept(YAML::NodeType::Sequence);
  bool found = false;
  if (accounts && accounts.IsSequence()) {
    for (const auto& a : accounts) {
      if (!found && a.IsMap() && a[kAccessKey] && a[kAccessKey].IsScalar() && a[kAccessKey].Scalar() == access_key) {
        found = true;
      } else {
        kept.push_back(a);
      }
    }
  }
  if (!found) return Status::NotFound("no account " + access_key);
  root[kAccounts] = kept;
  BumpVersion(root, now_ms);
  return Emit(root);
}

Result<std::string> ReplaceGlobalWhiteAddrs(const std::string& text, const std::vector<std::string>& addrs,
                                            int64_t now_ms) {
  Result<YAML::Node> loaded = LoadRoot(text);
  if (!loaded.ok()) return loaded.status();
  YAML::Node root = loaded.value();
  root[kGlobalWhite] = StringList(addrs);
  BumpVersion(root, now_ms);
  return Emit(root);
}

}  // namespace rmq::acl
