// IndexFile: one `index/<yyyyMMddHHmmssSSS>` hash index from message key to CommitLog offset
// (mirrors Java's IndexFile + IndexHeader). Byte layout in src/store/FORMAT.md.
//
// A fixed-size file mapped MAP_SHARED: a 40-byte header, `hash_slot_num` 4-byte slots, then
// `index_num` 20-byte entries. Each slot holds the number of the newest entry whose key hash
// falls in it; each entry links to the previous one of its slot, so a lookup walks a chain.
//
// Threading: PutKey and SelectPhyOffsets run on the loop thread; Flush may run on the flush
// thread at the same time (msync of the mapping only). Values read from the file are never
// trusted: entry numbers outside [1, indexCount) end a chain.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace rmq::store {

// Mirrors IndexHeader.INDEX_HEADER_SIZE and its field positions.
constexpr int64_t kIndexHeaderSize = 40;
constexpr size_t kIndexBeginTimestampOffset = 0;
constexpr size_t kIndexEndTimestampOffset = 8;
constexpr size_t kIndexBeginPhyOffsetOffset = 16;
constexpr size_t kIndexEndPhyOffsetOffset = 24;
constexpr size_t kIndexHashSlotCountOffset = 32;
constexpr size_t kIndexIndexCountOffset = 36;
// Mirrors IndexFile.hashSlotSize, indexSize and invalidIndex.
constexpr int64_t kIndexSlotSize = 4;
constexpr int64_t kIndexEntrySize = 20;
constexpr int32_t kInvalidIndex = 0;

// Bytes of an index file with these dimensions.
int64_t IndexFileSize(int32_t hash_slot_num, int32_t index_num);

// Java's indexKeyHashMethod: abs(String.hashCode(key)), with Integer.MIN_VALUE mapped to 0.
int32_t IndexKeyHash(std::string_view key);

// The index file header, as stored.
struct IndexHeader {
  int64_t begin_timestamp = 0;
  int64_t end_timestamp = 0;
  int64_t begin_phy_offset = 0;
  int64_t end_phy_offset = 0;
  int32_t hash_slot_count = 0;
  int32_t index_count = 1;  // entry 0 is never used
};

class IndexFile {
 public:
  // Opens `path`, creating it sparse at full size when missing. A new file starts where the
  // previous one ended (`prev_end_phy_offset`, `prev_end_timestamp`; 0 for none), as Java's
  // constructor does. Corruption when an existing file is larger than the dimensions imply or
  // its header is impossible (indexCount past index_num); a shorter file is extended with zeros.
  static Result<std::shared_ptr<IndexFile>> Open(const std::string& path, int32_t hash_slot_num,
                                                 int32_t index_num, int64_t prev_end_phy_offset,
                                                 int64_t prev_end_timestamp);
  ~IndexFile();
  IndexFile(const IndexFile&) = delete;
  IndexFile& operator=(const IndexFile&) = delete;

  // Adds one entry for `key` (already "topic#key"). False when the file is full.
  bool PutKey(std::string_view key, int64_t phy_offset, int64_t store_timestamp);

  // Appends to `out` (until it holds `max_num`) the CommitLog offsets of entries whose key hash
  // equals key's and whose time lies in [begin, end], newest first.
  void SelectPhyOffsets(std::string_view key, size_t max_num, int64_t begin, int64_t end,
                        std::vector<int64_t>* out) const;

  // Java's isTimeMatched: whether [begin, end] overlaps this file's time range.
  bool IsTimeMatched(int64_t begin, int64_t end) const;
  bool IsWriteFull() const { return header_.index_count >= index_num_; }

  const IndexHeader& header() const { return header_; }
  const std::string& path() const { return path_; }
  std::string FileName() const;
  int64_t file_size() const { return file_size_; }

  // msync of the whole mapping when entries were added since the last Flush. Any thread.
  Status Flush();
  // Unlinks the file; the mapping lives until the object is destroyed.
  Status Destroy();
  // Whether the whole file is backed by the filesystem (created here, or Reserve succeeded).
  // An index file found on disk may be sparse; the writer reserves it before putting keys.
  bool reserved() const { return reserved_; }
  Status Reserve();

 private:
  IndexFile(std::string path, int32_t hash_slot_num, int32_t index_num, int fd, char* base);
  void WriteHeader();

  const std::string path_;
  const int32_t hash_slot_num_;
  const int32_t index_num_;
  const int64_t file_size_;
  int fd_;
  char* base_;
  IndexHeader header_;  // loop thread's copy; written through to the mapping on each put
  std::atomic<bool> dirty_{false};
  bool reserved_ = false;  // loop thread
};

// Decodes the 40-byte header at the start of `data`; Corruption when `data` is shorter.
Status DecodeIndexHeader(std::string_view data, IndexHeader* header);

}  // namespace rmq::store
