#include "protocol/headers/namesrv_headers.h"

namespace rmq::protocol {

Status RegisterBrokerRequestHeader::Decode(const ExtFields& f, RegisterBrokerRequestHeader* h) {
  HeaderReader r(f);
  r.Required("brokerName", &h->broker_name);
  r.Required("brokerAddr", &h->broker_addr);
  r.Required("clusterName", &h->cluster_name);
  r.Required("haServerAddr", &h->ha_server_addr);
  r.Required("brokerId", &h->broker_id);
  r.Optional("compressed", &h->compressed);
  r.Optional("bodyCrc32", &h->body_crc32);
  r.Optional("heartbeatTimeoutMillis", &h->heartbeat_timeout_millis);
  return r.status();
}

Status BrokerIdentityRequestHeader::Decode(const ExtFields& f, BrokerIdentityRequestHeader* h) {
  HeaderReader r(f);
  r.Required("brokerName", &h->broker_name);
  r.Required("brokerAddr", &h->broker_addr);
  r.Required("clusterName", &h->cluster_name);
  r.Required("brokerId", &h->broker_id);
  return r.status();
}

Status TopicInNamesrvRequestHeader::Decode(const ExtFields& f, TopicInNamesrvRequestHeader* h) {
  HeaderReader r(f);
  r.Required("topic", &h->topic);
  r.Optional("clusterName", &h->cluster_name);
  return r.status();
}

Status GetTopicsByClusterRequestHeader::Decode(const ExtFields& f, GetTopicsByClusterRequestHeader* h) {
  HeaderReader r(f);
  r.Required("cluster", &h->cluster);
  return r.status();
}

Status WritePermOfBrokerRequestHeader::Decode(const ExtFields& f, WritePermOfBrokerRequestHeader* h) {
  HeaderReader r(f);
  r.Required("brokerName", &h->broker_name);
  return r.status();
}

Status KvConfigRequestHeader::Decode(const ExtFields& f, bool need_key, bool need_value, KvConfigRequestHeader* h) {
  HeaderReader r(f);
  r.Required("namespace", &h->name_space);
  if (need_key) r.Required("key", &h->key);
  if (need_value) r.Required("value", &h->value);
  return r.status();
}

}  // namespace rmq::protocol
