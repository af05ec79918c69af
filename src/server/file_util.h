// Small file helpers for the JSON config files (topics.json, consumerOffset.json, ...).
#pragma once

#include <string>

#include "common/status.h"

namespace rmq::server {

// Writes `data` to `path` crash-safely: <path>.tmp, fsync, keep the old file as <path>.bak
// (as Java's MixAll.string2File does), rename into place. Creates parent directories.
Status WriteFileAtomically(const std::string& path, const std::string& data);
// Reads `path`, falling back to `<path>.bak` when `path` is missing or empty.
Status ReadConfigFile(const std::string& path, std::string* out);

}  // namespace rmq::server

namespace rmq::server {

// Queues `data` to be written to `path` (WriteFileAtomically) on the config writer thread
// (server/persist_queue.h, owned by the controllers), so the event loop never waits for fsync. A
// newer write to the same path replaces a queued one. With no writer thread running the write
// happens at once. Errors are logged. Thread-safe.
void PersistAsync(const std::string& path, std::string data);
// Blocks until every queued write has reached disk (shutdown, tests).
void FlushPersistQueue();

}  // namespace rmq::server
