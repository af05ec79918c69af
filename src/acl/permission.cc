#include "acl/permission.h"

#include "protocol/request_code.h"

namespace rmq::acl {

namespace {
using RC = protocol::RequestCode;
constexpr RC kAdminCodes[] = {RC::kUpdateAndCreateTopic, RC::kUpdateBrokerConfig, RC::kDeleteTopicInBroker,
                              RC::kUpdateAndCreateSubscriptionGroup, RC::kDeleteSubscriptionGroup};
}  // namespace

std::string_view JavaTrim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && static_cast<unsigned char>(s[b]) <= ' ') ++b;
  while (e > b && static_cast<unsigned char>(s[e - 1]) <= ' ') --e;
  return s.substr(b, e - b);
}

std::vector<std::string> SplitDropEmpty(std::string_view s, std::string_view separators) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || separators.find(s[i]) != std::string_view::npos) {
      if (i > start) out.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

uint8_t ParsePermFromString(std::string_view perm) {
  perm = JavaTrim(perm);
  if (perm == "PUB") return kPermPub;
  if (perm == "SUB") return kPermSub;
  if (perm == "PUB|SUB" || perm == "SUB|PUB") return kPermPub | kPermSub;
  return kPermDeny;
}

bool CheckPermission(uint8_t needed, uint8_t owned) {
  if (owned & kPermDeny) return false;
  if (needed & kPermAny) return (owned & kPermPub) || (owned & kPermSub);
  return (needed & owned) != 0;
}

bool NeedAdminPerm(int32_t request_code) {
  for (RC c : kAdminCodes)
    if (static_cast<int32_t>(c) == request_code) return true;
  return false;
}

Status ParseResourcePerms(const std::vector<std::string>& entries, bool is_topic,
                          std::vector<std::pair<std::string, uint8_t>>* out) {
  for (const std::string& entry : entries) {
    std::vector<std::string> items = SplitDropEmpty(entry, "=");
    if (items.size() != 2) {
      return Status::InvalidArgument(std::string("Parse resource permission failed for ") + (is_topic ? "topic" : "group") +
                                     ":" + entry);
    }
    std::string name(JavaTrim(items[0]));
    if (!is_topic) name = std::string(kRetryGroupTopicPrefix) + name;
    out->emplace_back(std::move(name), ParsePermFromString(std::string_view(items[1])));
  }
  return Status::OK();
}

Status CheckResourcePerms(const std::vector<std::string>& entries) {
  for (const std::string& entry : entries) {
    std::vector<std::string> items = SplitDropEmpty(entry, "=");
    if (items.size() != 2) {
      return Status::InvalidArgument("Parse Resource format error for " + entry +
                                     ".\nThe expected resource format is 'Res=Perm'. For example: topicA=SUB");
    }
    std::string_view perm = JavaTrim(items[1]);
    if (perm != "DENY" && ParsePermFromString(perm) == kPermDeny) {
      return Status::InvalidArgument("Parse resource permission error for " + entry +
                                     ".\nThe expected permissions are 'SUB' or 'PUB' or 'SUB|PUB' or 'PUB|SUB'.");
    }
  }
  return Status::OK();
}

}  // namespace rmq::acl
