#include "server/broker/client_manager.h"

#include "common/coding.h"
#include "common/json.h"

namespace rmq::server {

bool SubscriptionData::MatchesTagsCode(int64_t tags_code) const {
  if (expression_type != "TAG" || SubscribesAll()) return true;
  return codes.count(static_cast<int32_t>(tags_code)) > 0;
}

SubscriptionData BuildSubscription(const std::string& topic, const std::string& sub_string, const std::string& type) {
  SubscriptionData s;
  s.topic = topic;
  s.expression_type = type.empty() ? "TAG" : type;
  s.sub_string = sub_string.empty() ? "*" : sub_string;
  if (s.expression_type != "TAG" || s.SubscribesAll()) return s;
  size_t start = 0;
  while (start <= s.sub_string.size()) {
    size_t end = s.sub_string.find("||", start);
    if (end == std::string::npos) end = s.sub_string.size();
    std::string tag = s.sub_string.substr(start, end - start);
    size_t b = tag.find_first_not_of(' '), e = tag.find_last_not_of(' ');
    if (b != std::string::npos) {
      tag = tag.substr(b, e - b + 1);
      s.tags.push_back(tag);
      s.codes.insert(JavaStringHash(tag));
    }
    start = end + 2;
  }
  return s;
}

bool ParseSubscriptionData(const rapidjson::Value& v, SubscriptionData* out) {
  if (!json::GetString(v, "topic", &out->topic)) return false;
  json::GetString(v, "subString", &out->sub_string);
  json::GetString(v, "expressionType", &out->expression_type);
  json::GetInt64(v, "subVersion", &out->sub_version);
  json::GetBool(v, "classFilterMode", &out->class_filter_mode);
  if (const auto* tags = json::GetArray(v, "tagsSet")) {
    for (const auto& t : tags->GetArray())
      if (t.IsString()) out->tags.emplace_back(t.GetString(), t.GetStringLength());
  }
  if (const auto* codes = json::GetArray(v, "codeSet")) {
    for (const auto& c : codes->GetArray())
      if (c.IsInt()) out->codes.insert(c.GetInt());
  }
  // Clients of other languages may omit the codes; derive them as Java would.
  if (out->codes.empty() && !out->tags.empty()) {
    for (const auto& t : out->tags) out->codes.insert(JavaStringHash(t));
  }
  return true;
}

void AppendSubscriptionJson(const SubscriptionData& s, std::string* out) {
  json::Writer w(out);
  w.BeginObject();
  w.Key("classFilterMode").Bool(s.class_filter_mode);
  w.Key("codeSet").BeginArray();
  for (int32_t c : s.codes) w.Int(c);
  w.EndArray();
  w.Key("expressionType").String(s.expression_type);
  w.Key("subString").String(s.sub_string);
  w.Key("subVersion").Int(s.sub_version);
  w.Key("tagsSet").BeginArray();
  for (const auto& t : s.tags) w.String(t);
  w.EndArray();
  w.Key("topic").String(s.topic);
  w.EndObject();
}

void ClientManager::RegisterProducer(const std::string& group, const ClientChannelInfo& ch) {
  producers_[group][ch.conn] = ch;
}

void ClientManager::UnregisterProducer(const std::string& group, ConnectionId conn) {
  auto it = producers_.find(group);
  if (it == producers_.end()) return;
  it->second.erase(conn);
  if (it->second.empty()) producers_.erase(it);
}

bool ClientManager::RegisterConsumer(const std::string& group, const ClientChannelInfo& ch,
                                     const std::string& consume_type, const std::string& message_model,
                                     const std::string& consume_from_where, const std::vector<SubscriptionData>& subs) {
  ConsumerGroupInfo& g = consumers_[group];
  g.group_name = group;
  g.consume_type = consume_type;
  g.message_model = message_model;
  g.consume_from_where = consume_from_where;
  bool joined = g.channels.find(ch.conn) == g.channels.end();
  g.channels[ch.conn] = ch;
  bool subs_changed = false;
  for (const auto& s : subs) {
    auto it = g.subscriptions.find(s.topic);
    if (it == g.subscriptions.end() || it->second.sub_string != s.sub_string ||
        it->second.expression_type != s.expression_type) {
      subs_changed = true;
    }
    if (it == g.subscriptions.end() || it->second.sub_version < s.sub_version) g.subscriptions[s.topic] = s;
  }
  // Topics no longer subscribed leave the group (Java: updateSubscription).
  for (auto it = g.subscriptions.begin(); it != g.subscriptions.end();) {
    bool still = false;
    for (const auto& s : subs) still = still || s.topic == it->first;
    if (!still && !subs.empty()) {
      it = g.subscriptions.erase(it);
      subs_changed = true;
    } else {
      ++it;
    }
  }
  if (joined && on_change_) on_change_(group, g);
  return joined || subs_changed;
}

void ClientManager::UnregisterConsumer(const std::string& group, ConnectionId conn) {
  auto it = consumers_.find(group);
  if (it == consumers_.end()) return;
  if (it->second.channels.erase(conn) == 0) return;
  if (it->second.channels.empty()) {
    consumers_.erase(it);
    return;
  }
  if (on_change_) on_change_(group, it->second);
}

void ClientManager::OnConnectionClosed(ConnectionId conn) {
  for (auto it = producers_.begin(); it != producers_.end();) {
    it->second.erase(conn);
    if (it->second.empty()) it = producers_.erase(it);
    else ++it;
  }
  std::vector<std::string> groups;
  for (const auto& [name, g] : consumers_)
    if (g.channels.count(conn)) groups.push_back(name);
  for (const auto& name : groups) UnregisterConsumer(name, conn);
}

std::vector<ConnectionId> ClientManager::ScanExpired(uint64_t now_ms, uint64_t expire_ms) {
  std::set<ConnectionId> expired;
  for (const auto& [_, chans] : producers_)
    for (const auto& [id, ch] : chans)
      if (ch.last_update_ms + expire_ms < now_ms) expired.insert(id);
  for (const auto& [_, g] : consumers_)
    for (const auto& [id, ch] : g.channels)
      if (ch.last_update_ms + expire_ms < now_ms) expired.insert(id);
  for (ConnectionId id : expired) OnConnectionClosed(id);
  return {expired.begin(), expired.end()};
}

const ConsumerGroupInfo* ClientManager::FindConsumerGroup(const std::string& group) const {
  auto it = consumers_.find(group);
  return it == consumers_.end() ? nullptr : &it->second;
}

const std::map<ConnectionId, ClientChannelInfo>* ClientManager::FindProducerGroup(const std::string& group) const {
  auto it = producers_.find(group);
  return it == producers_.end() ? nullptr : &it->second;
}

ConnectionId ClientManager::FindProducerByClientId(const std::string& client_id) const {
  for (const auto& [group, channels] : producers_)
    for (const auto& [conn, ch] : channels)
      if (ch.client_id == client_id) return conn;
  return 0;
}

std::vector<std::string> ClientManager::ConsumerIds(const std::string& group) const {
  std::vector<std::string> out;
  if (const auto* g = FindConsumerGroup(group))
    for (const auto& [_, ch] : g->channels) out.push_back(ch.client_id);
  return out;
}

std::set<std::string> ClientManager::GroupsSubscribing(const std::string& topic) const {
  std::set<std::string> out;
  for (const auto& [name, g] : consumers_)
    if (g.subscriptions.count(topic)) out.insert(name);
  return out;
}

void ClientManager::Start(RemotingServer& server) {
  constexpr uint64_t kScanIntervalMs = 10000;
  constexpr uint64_t kChannelExpireMs = 120000;
  loop_timers_.OnClose(server, [this](Connection& c) { OnConnectionClosed(c.id()); });
  loop_timers_.Add(server, kScanIntervalMs, kScanIntervalMs, [this, &server] {
    for (ConnectionId id : ScanExpired(server.NowMs(), kChannelExpireMs)) server.CloseById(id);
  });
}

}  // namespace rmq::server
