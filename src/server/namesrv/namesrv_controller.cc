#include "server/namesrv/namesrv_controller.h"

#include <filesystem>
#include <fstream>

#include <rapidjson/document.h>

#include "common/json.h"
#include "common/logging.h"
#include "server/file_util.h"
#include "server/persist_queue.h"

namespace rmq::server {

void KvConfigManager::Load() {
  std::string text;
  if (!ReadFileToString(path_, &text).ok()) return;
  rapidjson::Document doc;
  const rapidjson::Value* t =
      json::Parse(json::NormalizeFastjson(text), &doc).ok() ? json::GetObject(doc, "configTable") : nullptr;
  if (t == nullptr) {
    RMQ_LOG_WARN("ignoring unreadable %s", path_.c_str());
    return;
  }
  for (auto ns = t->MemberBegin(); ns != t->MemberEnd(); ++ns) {
    if (!ns->value.IsObject()) continue;
    for (auto kv = ns->value.MemberBegin(); kv != ns->value.MemberEnd(); ++kv) {
      std::string v;
      if (json::ScalarToString(kv->value, &v)) table_[ns->name.GetString()][kv->name.GetString()] = v;
    }
  }
}

void KvConfigManager::Persist() const {
  std::string out;
  json::Writer w(&out);
  w.BeginObject().Key("configTable").BeginObject();
  for (const auto& [ns, kvs] : table_) {
    w.Key(ns).BeginObject();
    for (const auto& [k, v] : kvs) w.Key(k).String(v);
    w.EndObject();
  }
  w.EndObject().EndObject();
  PersistAsync(path_, std::move(out));
}

void KvConfigManager::Put(const std::string& ns, const std::string& key, const std::string& value) {
  table_[ns][key] = value;
  Persist();
}

bool KvConfigManager::Get(const std::string& ns, const std::string& key, std::string* value) const {
  auto n = table_.find(ns);
  if (n == table_.end()) return false;
  auto k = n->second.find(key);
  if (k == n->second.end()) return false;
  *value = k->second;
  return true;
}

void KvConfigManager::Delete(const std::string& ns, const std::string& key) {
  auto n = table_.find(ns);
  if (n == table_.end()) return;
  n->second.erase(key);
  if (n->second.empty()) table_.erase(n);
  Persist();
}

bool KvConfigManager::NamespaceJson(const std::string& ns, std::string* out) const {
  auto n = table_.find(ns);
  if (n == table_.end()) return false;
  json::Writer w(out);
  w.BeginObject().Key("table").BeginObject();
  for (const auto& [k, v] : n->second) w.Key(k).String(v);
  w.EndObject().EndObject();
  return true;
}

NamesrvController::NamesrvController(RemotingServer& server, NamesrvConfig config)
    : server_(server), config_(std::move(config)), kv_(config_.kv_config_path) {}

Status NamesrvController::Start() {
  PersistQueue::Default().Start();
  persist_queue_held_ = true;
  kv_.Load();
  timers_.OnClose(server_, [this](Connection& c) { routes_.OnConnectionClosed(c.id()); });
  timers_.Add(server_, 5000, static_cast<uint64_t>(config_.scan_not_active_broker_interval),
              [this] { routes_.ScanNotActiveBroker(server_.NowMs()); });
  return Status::OK();
}

void NamesrvController::Shutdown() {
  timers_.Clear();
  if (persist_queue_held_) {
    persist_queue_held_ = false;
    PersistQueue::Default().Stop();  // kvConfig.json writes still queued reach disk
  }
}

}  // namespace rmq::server
