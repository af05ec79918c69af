// Helpers shared by the store's *_test.cc files: a temp directory and message builders.
#pragma once

#include "common/temp_dir.h"

#include <stdlib.h>

#include <filesystem>
#include <string>

#include "store/message_store.h"

namespace rmq::store::testing {

using rmq::TempDir;

// Small files so tests exercise rolling: 64 KiB CommitLog files, 10-entry ConsumeQueue files,
// 63-entry index files.
inline MessageStoreConfig SmallConfig(const std::string& root) {
  MessageStoreConfig c;
  c.store_path_root_dir = root;
  c.mapped_file_size_commit_log = 64 * 1024;
  c.mapped_file_size_consume_queue = 200;
  c.flush_interval_commit_log = 20;
  c.flush_interval_consume_queue = 50;
  c.max_hash_slot_num = 16;  // index file of 40 + 16 * 4 + 64 * 20 bytes
  c.max_index_num = 64;
  return c;
}

// Owns the bytes a MessageToStore points at.
struct OwnedMessage {
  std::string topic;
  std::string body;
  std::string properties;
  MessageToStore View(int32_t queue_id = 0, int64_t tags_code = 0) const {
    MessageToStore m;
    m.topic = topic;
    m.queue_id = queue_id;
    m.body = body;
    m.properties = properties;
    m.tags_code = tags_code;
    m.born_timestamp = 1;
    m.born_host.ip[0] = 127;
    m.born_host.ip[3] = 1;
    m.born_host.port = 40000;
    m.store_host.ip[0] = 10;
    m.store_host.port = 10911;
    return m;
  }
};

inline OwnedMessage MakeMessage(const std::string& topic, const std::string& body,
                                const std::string& tags = "") {
  OwnedMessage m;
  m.topic = topic;
  m.body = body;
  if (!tags.empty()) m.properties = "TAGS\x01" + tags + "\x02";
  return m;
}

}  // namespace rmq::store::testing
