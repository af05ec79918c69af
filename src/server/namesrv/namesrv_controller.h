// NamesrvController: the NameServer role (route tables, KV config, broker expiry). Start holds
// the config writer (PersistQueue) and adds the broker-expiry timer and the close handler that
// drops a closed broker connection's routes; Shutdown undoes them in reverse order.
#pragma once

#include <map>
#include <string>

#include "server/config.h"
#include "server/namesrv/route_info_manager.h"
#include "server/remoting_server.h"
#include "server/service_timers.h"

namespace rmq::server {

// Mirrors KVConfigManager: namespace -> key -> value, persisted to kvConfig.json.
class KvConfigManager {
 public:
  explicit KvConfigManager(std::string path) : path_(std::move(path)) {}
  void Load();
  void Put(const std::string& ns, const std::string& key, const std::string& value);
  bool Get(const std::string& ns, const std::string& key, std::string* value) const;
  void Delete(const std::string& ns, const std::string& key);
  // KVTable JSON {"table":{...}} of a namespace; false when it has none.
  bool NamespaceJson(const std::string& ns, std::string* json) const;

 private:
  void Persist() const;
  std::string path_;
  std::map<std::string, std::map<std::string, std::string>> table_;
};

class NamesrvController {
 public:
  NamesrvController(RemotingServer& server, NamesrvConfig config);
  ~NamesrvController() { Shutdown(); }
  // Loads KV config, starts the expiry scan.
  Status Start();
  // Removes the timer and close handler, then writes what is queued and releases the writer
  // thread. Idempotent.
  void Shutdown();
  RouteInfoManager& routes() { return routes_; }
  KvConfigManager& kv() { return kv_; }
  const NamesrvConfig& config() const { return config_; }

 private:
  RemotingServer& server_;
  NamesrvConfig config_;
  RouteInfoManager routes_;
  KvConfigManager kv_;
  ServiceTimers timers_;
  bool persist_queue_held_ = false;
};

}  // namespace rmq::server
