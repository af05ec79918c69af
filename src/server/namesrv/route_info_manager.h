// RouteInfoManager: the NameServer's tables of clusters, brokers, topics and live brokers
// (mirrors Java's RouteInfoManager). Loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "server/remoting_server.h"
#include "server/topic_config.h"

namespace rmq::server {

// Mirrors QueueData.
struct QueueData {
  std::string broker_name;
  int32_t read_queue_nums = 0;
  int32_t write_queue_nums = 0;
  int32_t perm = 0;
  int32_t topic_sys_flag = 0;
};

// Mirrors BrokerData.
struct BrokerData {
  std::string cluster;
  std::string broker_name;
  std::map<int64_t, std::string> broker_addrs;  // brokerId -> "ip:port"
};

struct RegisterBrokerRequest {
  std::string cluster_name, broker_addr, broker_name, ha_server_addr;
  int64_t broker_id = 0;
  DataVersion data_version;
  std::map<std::string, TopicConfig> topics;
  bool has_topics = false;  // false when the body carried no topic table
  ConnectionId conn = 0;
  uint64_t timeout_ms = 120000;
};

struct RegisterBrokerResult {
  std::string ha_server_addr;  // of the master, for slaves
  std::string master_addr;
};

class RouteInfoManager {
 public:
  RegisterBrokerResult RegisterBroker(const RegisterBrokerRequest& req, uint64_t now_ms);
  // Whether RegisterBroker would read the topics of a registration from `addr` with version `dv`
  // (a master registering first or with a new version); the handler skips decoding them otherwise.
  bool WantsTopics(const std::string& broker_name, const std::string& addr, int64_t broker_id,
                   const DataVersion& dv) const;
  void UnregisterBroker(const std::string& cluster, const std::string& addr, const std::string& name, int64_t id);
  // Keep-alive from QUERY_DATA_VERSION; returns true when the version differs from ours.
  bool IsBrokerTopicConfigChanged(const std::string& addr, const DataVersion& dv, DataVersion* stored);
  void UpdateBrokerInfoUpdateTimestamp(const std::string& addr, uint64_t now_ms);

  // Route JSON for a topic (TopicRouteData); false when the topic is unknown.
  bool PickupTopicRouteData(const std::string& topic, std::string* json) const;
  std::string ClusterInfoJson() const;
  std::vector<std::string> AllTopics() const;
  std::vector<std::string> TopicsByCluster(const std::string& cluster) const;
  // Cluster and broker names; *broker_addr = the first address of the first broker with one (Java
  // getSystemTopicList; the 4.9 client then asks that broker for its system topics, code 305).
  std::vector<std::string> SystemTopics(std::string* broker_addr = nullptr) const;
  void DeleteTopic(const std::string& topic, const std::string& cluster);
  // WIPE/ADD_WRITE_PERM_OF_BROKER; returns the number of topics changed.
  int SetWritePermOfBroker(const std::string& broker_name, bool writable);

  // Removes brokers whose last heartbeat is older than their timeout.
  void ScanNotActiveBroker(uint64_t now_ms);
  // A broker's connection closed: drop it at once.
  void OnConnectionClosed(ConnectionId conn);

 private:
  struct BrokerLiveInfo {
    uint64_t last_update_ms = 0;
    uint64_t timeout_ms = 120000;
    DataVersion data_version;
    ConnectionId conn = 0;
    std::string ha_server_addr;
  };
  void RemoveBrokerAddr(const std::string& addr);

  std::map<std::string, std::map<std::string, QueueData>> topic_queue_table_;  // topic -> brokerName
  std::map<std::string, BrokerData> broker_addr_table_;                         // brokerName
  std::map<std::string, std::set<std::string>> cluster_addr_table_;            // cluster -> names
  std::map<std::string, BrokerLiveInfo> broker_live_table_;                     // brokerAddr
};

}  // namespace rmq::server
