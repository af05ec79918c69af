// ClientManager: producers and consumers known from HEART_BEAT, per group and connection
// (mirrors Java's ProducerManager + ConsumerManager). Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "protocol/remoting_command.h"
#include "server/remoting_server.h"
#include "server/service_timers.h"

namespace rmq::server {

// Mirrors SubscriptionData.
struct SubscriptionData {
  std::string topic;
  std::string sub_string = "*";
  std::string expression_type = "TAG";
  std::vector<std::string> tags;
  std::set<int32_t> codes;
  int64_t sub_version = 0;
  bool class_filter_mode = false;

  bool SubscribesAll() const { return sub_string.empty() || sub_string == "*"; }
  // True when a ConsumeQueue tagsCode passes this subscription (TAG filtering).
  bool MatchesTagsCode(int64_t tags_code) const;
};

// Builds a TAG subscription from "TagA || TagB" the way Java's FilterAPI does.
SubscriptionData BuildSubscription(const std::string& topic, const std::string& sub_string, const std::string& type);
bool ParseSubscriptionData(const rapidjson::Value& v, SubscriptionData* out);
void AppendSubscriptionJson(const SubscriptionData& s, std::string* out);

struct ClientChannelInfo {
  ConnectionId conn = 0;
  std::string client_id;
  std::string client_addr;
  protocol::LanguageCode language = protocol::LanguageCode::kJava;
  int32_t version = 0;
  uint64_t last_update_ms = 0;
};

struct ConsumerGroupInfo {
  std::string group_name;
  std::string consume_type = "CONSUME_PASSIVELY";
  std::string message_model = "CLUSTERING";
  std::string consume_from_where = "CONSUME_FROM_LAST_OFFSET";
  std::map<ConnectionId, ClientChannelInfo> channels;
  std::map<std::string, SubscriptionData> subscriptions;  // topic
};

class ClientManager {
 public:
  // Called when a group's membership changes (to send NOTIFY_CONSUMER_IDS_CHANGED).
  using ChangeListener = std::function<void(const std::string& group, const ConsumerGroupInfo& info)>;
  void SetConsumerChangeListener(ChangeListener l) { on_change_ = std::move(l); }

  void RegisterProducer(const std::string& group, const ClientChannelInfo& ch);
  void UnregisterProducer(const std::string& group, ConnectionId conn);
  // Returns true when the group's membership changed.
  bool RegisterConsumer(const std::string& group, const ClientChannelInfo& ch, const std::string& consume_type,
                        const std::string& message_model, const std::string& consume_from_where,
                        const std::vector<SubscriptionData>& subs);
  void UnregisterConsumer(const std::string& group, ConnectionId conn);
  void OnConnectionClosed(ConnectionId conn);
  // Drops channels that have not heartbeaten for `expire_ms`; returns them for closing.
  std::vector<ConnectionId> ScanExpired(uint64_t now_ms, uint64_t expire_ms);

  const ConsumerGroupInfo* FindConsumerGroup(const std::string& group) const;
  const std::map<ConnectionId, ClientChannelInfo>* FindProducerGroup(const std::string& group) const;
  // The connection of the producer with this client id in any group, or 0 (ProducerManager.findChannel).
  ConnectionId FindProducerByClientId(const std::string& client_id) const;
  std::vector<std::string> ConsumerIds(const std::string& group) const;
  // Consumer groups that subscribe `topic`.
  std::set<std::string> GroupsSubscribing(const std::string& topic) const;

  // The broker's hooks for this manager: a closed connection's channels are dropped at once, and
  // every 10 s the channels silent for 120 s are dropped and their connections closed (Java's
  // ClientHousekeepingService). Stop removes them.
  void Start(RemotingServer& server);
  void Stop() { loop_timers_.Clear(); }

 private:
  std::map<std::string, std::map<ConnectionId, ClientChannelInfo>> producers_;
  std::map<std::string, ConsumerGroupInfo> consumers_;
  ChangeListener on_change_;
  ServiceTimers loop_timers_;
};

}  // namespace rmq::server
