#include "server/namesrv/route_info_manager.h"

#include "common/json.h"
#include "common/logging.h"

namespace rmq::server {

RegisterBrokerResult RouteInfoManager::RegisterBroker(const RegisterBrokerRequest& req, uint64_t now_ms) {
  RegisterBrokerResult result;
  cluster_addr_table_[req.cluster_name].insert(req.broker_name);

  BrokerData& bd = broker_addr_table_[req.broker_name];
  bool first_registration = bd.broker_addrs.empty();
  bd.cluster = req.cluster_name;
  bd.broker_name = req.broker_name;
  // An address re-registering under another id replaces the old id.
  for (auto it = bd.broker_addrs.begin(); it != bd.broker_addrs.end();) {
    if (it->second == req.broker_addr && it->first != req.broker_id) it = bd.broker_addrs.erase(it);
    else ++it;
  }
  first_registration = first_registration || bd.broker_addrs.count(req.broker_id) == 0;
  bd.broker_addrs[req.broker_id] = req.broker_addr;

  auto live = broker_live_table_.find(req.broker_addr);
  bool changed = live == broker_live_table_.end() || !(live->second.data_version == req.data_version);
  if (req.broker_id == 0 && req.has_topics && (changed || first_registration)) {
    // req.topics is sorted, so each lookup starts from the previous one's position: a whole-table
    // registration costs about one comparison per topic when the table is mostly this broker's.
    auto hint = topic_queue_table_.begin();
    for (const auto& [name, tc] : req.topics) {
      QueueData qd;
      qd.broker_name = req.broker_name;
      qd.read_queue_nums = tc.read_queue_nums;
      qd.write_queue_nums = tc.write_queue_nums;
      qd.perm = tc.perm;
      qd.topic_sys_flag = tc.topic_sys_flag;
      // Every entry before `hint` is < name: `hint` is where name is or goes, or one step or a
      // jump (another broker's topics in between) away.
      if (hint != topic_queue_table_.end() && hint->first < name) {
        ++hint;
        if (hint != topic_queue_table_.end() && hint->first < name) hint = topic_queue_table_.lower_bound(name);
      }
      if (hint == topic_queue_table_.end() || hint->first != name) {
        hint = topic_queue_table_.emplace_hint(hint, name, std::map<std::string, QueueData>{});
      }
      hint->second[req.broker_name] = qd;
      ++hint;
    }
  }
  BrokerLiveInfo& info = broker_live_table_[req.broker_addr];
  info.last_update_ms = now_ms;
  info.timeout_ms = req.timeout_ms;
  info.data_version = req.data_version;
  info.conn = req.conn;
  info.ha_server_addr = req.ha_server_addr;

  if (req.broker_id != 0) {
    // Both, or neither: Java's registerBroker names the master only while it is live.
    auto m = bd.broker_addrs.find(0);
    auto ml = m != bd.broker_addrs.end() ? broker_live_table_.find(m->second) : broker_live_table_.end();
    if (ml != broker_live_table_.end()) {
      result.master_addr = m->second;
      result.ha_server_addr = ml->second.ha_server_addr;
    }
  }
  return result;
}

bool RouteInfoManager::WantsTopics(const std::string& broker_name, const std::string& addr, int64_t broker_id,
                                   const DataVersion& dv) const {
  if (broker_id != 0) return false;
  auto bd = broker_addr_table_.find(broker_name);
  if (bd == broker_addr_table_.end()) return true;
  auto id = bd->second.broker_addrs.find(broker_id);
  if (id == bd->second.broker_addrs.end() || id->second != addr) return true;
  auto live = broker_live_table_.find(addr);
  return live == broker_live_table_.end() || !(live->second.data_version == dv);
}

void RouteInfoManager::UnregisterBroker(const std::string& cluster, const std::string& addr, const std::string& name,
                                        int64_t id) {
  broker_live_table_.erase(addr);
  auto bd = broker_addr_table_.find(name);
  bool removed_name = false;
  if (bd != broker_addr_table_.end()) {
    bd->second.broker_addrs.erase(id);
    if (bd->second.broker_addrs.empty()) {
      broker_addr_table_.erase(bd);
      removed_name = true;
    }
  }
  if (removed_name) {
    auto c = cluster_addr_table_.find(cluster);
    if (c != cluster_addr_table_.end()) {
      c->second.erase(name);
      if (c->second.empty()) cluster_addr_table_.erase(c);
    }
    for (auto it = topic_queue_table_.begin(); it != topic_queue_table_.end();) {
      it->second.erase(name);
      if (it->second.empty()) it = topic_queue_table_.erase(it);
      else ++it;
    }
  }
}

void RouteInfoManager::RemoveBrokerAddr(const std::string& addr) {
  for (auto& [name, bd] : broker_addr_table_) {
    for (auto& [id, a] : bd.broker_addrs) {
      if (a == addr) {
        std::string cluster = bd.cluster, broker_name = name;
        int64_t broker_id = id;
        UnregisterBroker(cluster, addr, broker_name, broker_id);
        return;
      }
    }
  }
  broker_live_table_.erase(addr);
}

bool RouteInfoManager::IsBrokerTopicConfigChanged(const std::string& addr, const DataVersion& dv, DataVersion* stored) {
  auto it = broker_live_table_.find(addr);
  if (it == broker_live_table_.end()) return true;
  *stored = it->second.data_version;
  return !(it->second.data_version == dv);
}

void RouteInfoManager::UpdateBrokerInfoUpdateTimestamp(const std::string& addr, uint64_t now_ms) {
  auto it = broker_live_table_.find(addr);
  if (it != broker_live_table_.end()) it->second.last_update_ms = now_ms;
}

bool RouteInfoManager::PickupTopicRouteData(const std::string& topic, std::string* out) const {
  auto t = topic_queue_table_.find(topic);
  if (t == topic_queue_table_.end() || t->second.empty()) return false;
  json::Writer w(out);
  w.BeginObject();
  w.Key("brokerDatas").BeginArray();
  bool any_broker = false;
  for (const auto& [name, qd] : t->second) {
    auto bd = broker_addr_table_.find(name);
    if (bd == broker_addr_table_.end()) continue;
    any_broker = true;
    w.BeginObject();
    w.Key("brokerAddrs").BeginObject();
    for (const auto& [id, addr] : bd->second.broker_addrs) w.Key(std::to_string(id)).String(addr);
    w.EndObject();
    w.Key("brokerName").String(name);
    w.Key("cluster").String(bd->second.cluster);
    w.Key("enableActingMaster").Bool(false);
    w.EndObject();
  }
  w.EndArray();
  w.Key("filterServerTable").BeginObject().EndObject();
  w.Key("queueDatas").BeginArray();
  for (const auto& [name, qd] : t->second) {
    w.BeginObject();
    w.Key("brokerName").String(qd.broker_name);
    w.Key("perm").Int(qd.perm);
    w.Key("readQueueNums").Int(qd.read_queue_nums);
    w.Key("topicSysFlag").Int(qd.topic_sys_flag);
    w.Key("writeQueueNums").Int(qd.write_queue_nums);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return any_broker;
}

std::string RouteInfoManager::ClusterInfoJson() const {
  std::string out;
  json::Writer w(&out);
  w.BeginObject();
  w.Key("brokerAddrTable").BeginObject();
  for (const auto& [name, bd] : broker_addr_table_) {
    w.Key(name).BeginObject();
    w.Key("brokerAddrs").BeginObject();
    for (const auto& [id, addr] : bd.broker_addrs) w.Key(std::to_string(id)).String(addr);
    w.EndObject();
    w.Key("brokerName").String(name);
    w.Key("cluster").String(bd.cluster);
    w.Key("enableActingMaster").Bool(false);
    w.EndObject();
  }
  w.EndObject();
  w.Key("clusterAddrTable").BeginObject();
  for (const auto& [cluster, names] : cluster_addr_table_) {
    w.Key(cluster).BeginArray();
    for (const auto& n : names) w.String(n);
    w.EndArray();
  }
  w.EndObject();
  w.EndObject();
  return out;
}

std::vector<std::string> RouteInfoManager::AllTopics() const {
  std::vector<std::string> out;
  for (const auto& [t, _] : topic_queue_table_) out.push_back(t);
  return out;
}

std::vector<std::string> RouteInfoManager::TopicsByCluster(const std::string& cluster) const {
  std::vector<std::string> out;
  auto c = cluster_addr_table_.find(cluster);
  if (c == cluster_addr_table_.end()) return out;
  for (const auto& [t, by_broker] : topic_queue_table_) {
    for (const auto& [name, _] : by_broker) {
      if (c->second.count(name)) {
        out.push_back(t);
        break;
      }
    }
  }
  return out;
}

std::vector<std::string> RouteInfoManager::SystemTopics(std::string* broker_addr) const {
  std::vector<std::string> out;
  for (const auto& [cluster, names] : cluster_addr_table_) {
    out.push_back(cluster);
    for (const auto& n : names) out.push_back(n);
  }
  if (broker_addr) {
    for (const auto& [name, bd] : broker_addr_table_) {
      if (!bd.broker_addrs.empty()) {
        *broker_addr = bd.broker_addrs.begin()->second;
        break;
      }
    }
  }
  return out;
}

void RouteInfoManager::DeleteTopic(const std::string& topic, const std::string& cluster) {
  if (cluster.empty()) {
    topic_queue_table_.erase(topic);
    return;
  }
  auto t = topic_queue_table_.find(topic);
  auto c = cluster_addr_table_.find(cluster);
  if (t == topic_queue_table_.end() || c == cluster_addr_table_.end()) return;
  for (const auto& name : c->second) t->second.erase(name);
  if (t->second.empty()) topic_queue_table_.erase(t);
}

int RouteInfoManager::SetWritePermOfBroker(const std::string& broker_name, bool writable) {
  int n = 0;
  for (auto& [topic, by_broker] : topic_queue_table_) {
    auto q = by_broker.find(broker_name);
    if (q == by_broker.end()) continue;
    q->second.perm = writable ? (q->second.perm | kPermWrite) : (q->second.perm & ~kPermWrite);
    ++n;
  }
  return n;
}

void RouteInfoManager::ScanNotActiveBroker(uint64_t now_ms) {
  std::vector<std::string> dead;
  for (const auto& [addr, info] : broker_live_table_) {
    if (info.last_update_ms + info.timeout_ms < now_ms) dead.push_back(addr);
  }
  for (const auto& addr : dead) {
    RMQ_LOG_WARN("broker %s expired: no heartbeat for %llu ms", addr.c_str(),
                 static_cast<unsigned long long>(broker_live_table_[addr].timeout_ms));
    RemoveBrokerAddr(addr);
  }
}

void RouteInfoManager::OnConnectionClosed(ConnectionId conn) {
  std::vector<std::string> gone;
  for (const auto& [addr, info] : broker_live_table_) {
    if (info.conn == conn) gone.push_back(addr);
  }
  for (const auto& addr : gone) {
    RMQ_LOG_INFO("broker %s connection closed; removing its routes", addr.c_str());
    RemoveBrokerAddr(addr);
  }
}

}  // namespace rmq::server
