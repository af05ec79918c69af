#include "server/broker/config_persist_service.h"

#include "server/coalesced_persist.h"

namespace rmq::server {

void ConfigPersistService::Start() {
  const auto offset_interval = static_cast<uint64_t>(config_.flush_consumer_offset_interval);
  timers_.Add(server_, offset_interval, offset_interval, [this] { offsets_.PersistIfDirty(); });
  // topics.json and auto-created groups: at most one write per file per tick.
  timers_.Add(server_, kConfigPersistIntervalMs, kConfigPersistIntervalMs, [this] {
    topics_.PersistIfDirty();
    groups_.PersistIfDirty();
  });
}

void ConfigPersistService::Stop() {
  timers_.Clear();
  offsets_.PersistIfDirty();
  topics_.PersistIfDirty();
  groups_.PersistIfDirty();
}

}  // namespace rmq::server
