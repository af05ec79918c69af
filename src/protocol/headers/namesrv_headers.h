// Custom headers of the NameServer requests (mirror RegisterBrokerRequestHeader,
// UnRegisterBrokerRequestHeader/QueryDataVersionRequestHeader, GetRouteInfoRequestHeader,
// GetTopicsByClusterRequestHeader, DeleteTopicFromNamesrvRequestHeader,
// WipeWritePermOfBrokerRequestHeader/AddWritePermOfBrokerRequestHeader and the KV-config headers).
// Each field is declared once as required or optional; Decode fails on the first missing required
// or malformed field, naming it (answered SYSTEM_ERROR by RMQ_DECODE_HEADER).
// Used by server/handlers/namesrv_handlers.cc.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "protocol/ext_fields.h"

namespace rmq::protocol {

struct RegisterBrokerRequestHeader {
  std::string broker_name;
  std::string broker_addr;
  std::string cluster_name;
  std::string ha_server_addr;
  int64_t broker_id = 0;
  bool compressed = false;               // optional
  int32_t body_crc32 = 0;                // optional
  int64_t heartbeat_timeout_millis = 0;  // optional (5.x)

  static Status Decode(const ExtFields& f, RegisterBrokerRequestHeader* h);
};

// UNREGISTER_BROKER and QUERY_DATA_VERSION: the broker's identity.
struct BrokerIdentityRequestHeader {
  std::string broker_name;
  std::string broker_addr;
  std::string cluster_name;
  int64_t broker_id = 0;

  static Status Decode(const ExtFields& f, BrokerIdentityRequestHeader* h);
};

// GET_ROUTEINFO_BY_TOPIC and DELETE_TOPIC_IN_NAMESRV (whose clusterName is optional).
struct TopicInNamesrvRequestHeader {
  std::string topic;
  std::string cluster_name;  // optional

  static Status Decode(const ExtFields& f, TopicInNamesrvRequestHeader* h);
};

struct GetTopicsByClusterRequestHeader {
  std::string cluster;

  static Status Decode(const ExtFields& f, GetTopicsByClusterRequestHeader* h);
};

// WIPE_WRITE_PERM_OF_BROKER and ADD_WRITE_PERM_OF_BROKER.
struct WritePermOfBrokerRequestHeader {
  std::string broker_name;

  static Status Decode(const ExtFields& f, WritePermOfBrokerRequestHeader* h);
};

// PUT_KV_CONFIG (namespace, key, value), GET/DELETE_KV_CONFIG (namespace, key) and
// GET_KVLIST_BY_NAMESPACE (namespace): `need_key` and `need_value` say which are required.
struct KvConfigRequestHeader {
  std::string name_space;
  std::string key;
  std::string value;

  static Status Decode(const ExtFields& f, bool need_key, bool need_value, KvConfigRequestHeader* h);
};

}  // namespace rmq::protocol
