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
