// JSON fragments several broker handlers write in Java's shapes.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/json.h"
#include "server/broker/client_manager.h"

namespace rmq::server {

// fastjson's key for a Map<MessageQueue, ...>: the MessageQueue object itself, written raw.
inline std::string MessageQueueKey(const std::string& broker, const std::string& topic, int32_t qid) {
  std::string k;
  json::Writer w(&k);
  w.BeginObject().Key("brokerName").String(broker).Key("queueId").Int(qid).Key("topic").String(topic).EndObject();
  return k;
}

// "connectionSet":[{"clientAddr":..,"clientId":..,"language":..,"version":..}] (Connection).
inline void WriteConnectionSet(json::Writer& w, const std::map<ConnectionId, ClientChannelInfo>& channels) {
  w.Key("connectionSet").BeginArray();
  for (const auto& [_, ch] : channels) {
    w.BeginObject().Key("clientAddr").String(ch.client_addr).Key("clientId").String(ch.client_id);
    w.Key("language").String(protocol::LanguageName(ch.language)).Key("version").Int(ch.version).EndObject();
  }
  w.EndArray();
}

}  // namespace rmq::server
