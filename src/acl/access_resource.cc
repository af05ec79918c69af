#include "acl/access_resource.h"

#include "common/coding.h"

#include <rapidjson/document.h>

#include <algorithm>

#include "acl/acl_signer.h"
#include "acl/permission.h"
#include "common/json.h"

namespace rmq::acl {

namespace {

bool IsRetryTopic(const std::string* t) {
  return t != nullptr && t->compare(0, kRetryGroupTopicPrefix.size(), kRetryGroupTopicPrefix) == 0;
}

int32_t JavaStringHash(std::string_view s) { return rmq::JavaStringHash(s.data(), s.size()); }

}  // namespace

std::vector<std::pair<std::string, uint8_t>> JavaHashMapOrder(const std::vector<std::pair<std::string, uint8_t>>& in) {
  std::vector<std::pair<std::string, uint8_t>> entries;
  for (const auto& kv : in) {
    auto it = std::find_if(entries.begin(), entries.end(), [&](const auto& e) { return e.first == kv.first; });
    if (it != entries.end()) it->second = kv.second;
    else entries.push_back(kv);
  }
  size_t cap = 16;
  while (entries.size() > cap * 3 / 4) cap *= 2;
  auto bucket = [cap](const std::string& k) {
    uint32_t h = static_cast<uint32_t>(JavaStringHash(k));
    return (h ^ (h >> 16)) & (cap - 1);
  };
  std::stable_sort(entries.begin(), entries.end(),
                   [&](const auto& a, const auto& b) { return bucket(a.first) < bucket(b.first); });
  return entries;
}

AccessResource ParseAccessResource(const protocol::RemotingCommand& req, std::string_view remote_ip,
                                   const AclResourceRule& rule) {
  AccessResource r;
  r.request_code = req.code;
  r.remote_ip = std::string(remote_ip);
  const protocol::ExtFields& f = req.ext_fields;
  // Java returns early when extFields is null; an empty map behaves the same from here on.
  if (f.empty()) return r;
  if (const std::string* v = f.Find(kAccessKeyField)) r.access_key = *v;
  if (const std::string* v = f.Find(kSignatureField)) r.signature = *v;
  if (const std::string* v = f.Find(kSecurityTokenField)) r.security_token = *v;

  std::vector<std::pair<std::string, uint8_t>> need;
  auto add = [&need](const std::string* resource, uint8_t perm) {
    if (resource != nullptr) need.emplace_back(*resource, perm);
  };
  auto retry_of = [](const std::string* group) -> std::optional<std::string> {
    if (group == nullptr) return std::nullopt;
    return std::string(kRetryGroupTopicPrefix) + *group;
  };
  auto add_group = [&](const std::string* group) {
    if (auto t = retry_of(group)) need.emplace_back(*t, kPermSub);
  };
  const std::string* topic = rule.topic_key ? f.Find(rule.topic_key) : nullptr;
  const std::string* group = rule.group_key ? f.Find(rule.group_key) : nullptr;
  switch (rule.rule) {
    case AclRule::kNone:
      break;
    case AclRule::kSend:
      if (IsRetryTopic(topic)) add_group(group);
      else add(topic, kPermPub);
      break;
    case AclRule::kGroupSub:
      add_group(group);
      break;
    case AclRule::kTopicSub:
      add(topic, kPermSub);
      break;
    case AclRule::kTopicThenGroupSub:
      add(topic, kPermSub);
      add_group(group);
      break;
    case AclRule::kGroupThenTopicSub:
      add_group(group);
      add(topic, kPermSub);
      break;
    case AclRule::kHeartbeat: {
      std::string text = json::NormalizeFastjson(req.Body());
      rapidjson::Document doc;
      if (!json::Parse(text, &doc).ok() || !doc.IsObject()) {
        r.parse_error = "heartbeat body is not a JSON object";
        break;
      }
      if (const auto* consumers = json::GetArray(doc, "consumerDataSet")) {
        for (const auto& c : consumers->GetArray()) {
          std::string name;
          if (c.IsObject() && json::GetString(c, "groupName", &name)) add_group(&name);
          const auto* subs = c.IsObject() ? json::GetArray(c, "subscriptionDataSet") : nullptr;
          if (subs == nullptr) continue;
          for (const auto& s : subs->GetArray()) {
            std::string topic_name;
            if (s.IsObject() && json::GetString(s, "topic", &topic_name)) need.emplace_back(topic_name, kPermSub);
          }
        }
      }
      break;
    }
  }
  r.has_resources = !need.empty();
  r.resources = JavaHashMapOrder(need);
  r.content = CombineRequestContent(f, req.Body(), true);
  if (f.Find(kUniqueMsgQueryFlag) != nullptr) r.content_with_unique_key = CombineRequestContent(f, req.Body(), false);
  return r;
}

}  // namespace rmq::acl
