#include "server/coalesced_persist.h"

#include <chrono>

#include "server/file_util.h"

namespace rmq::server {

namespace {
int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

void CoalescedPersist::Changed() {
  if (last_write_ms_ < 0 || SteadyMs() - last_write_ms_ >= static_cast<int64_t>(kConfigPersistIntervalMs)) {
    PersistNow();
  } else {
    dirty_ = true;
  }
}

bool CoalescedPersist::PersistIfDirty() {
  if (!dirty_) return false;
  PersistNow();
  return true;
}

void CoalescedPersist::PersistNow() {
  // Cleared before encoding: a change made after this point is a new change.
  dirty_ = false;
  ++writes_;
  last_write_ms_ = SteadyMs();
  PersistAsync(path_, encode_());
}

}  // namespace rmq::server
