#include "server/coalesced_persist.h"

#include "server/file_util.h"

namespace rmq::server {

bool CoalescedPersist::PersistIfDirty() {
  if (!dirty_) return false;
  PersistNow();
  return true;
}

void CoalescedPersist::PersistNow() {
  // Cleared before encoding: a change made after this point is a new change.
  dirty_ = false;
  ++writes_;
  PersistAsync(path_, encode_());
}

}  // namespace rmq::server
