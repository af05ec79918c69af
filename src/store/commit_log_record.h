// The CommitLog record codec: pure functions over bytes, no IO (the record part of Java's
// CommitLog / MessageDecoder). Byte layout in src/store/FORMAT.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "store/message_store.h"

namespace rmq::store {

// Mirrors MessageDecoder.MESSAGE_MAGIC_CODE / MESSAGE_MAGIC_CODE_V2 and CommitLog.BLANK_MAGIC_CODE.
constexpr uint32_t kMessageMagicV1 = 0xDAA320A7u;
constexpr uint32_t kMessageMagicV2 = 0xDAA320ABu;
constexpr uint32_t kBlankMagic = 0xCBD43194u;

// Mirrors CommitLog.END_FILE_MIN_BLANK_LENGTH: a file always keeps room for a blank record.
constexpr int32_t kEndFileMinBlankLength = 8;
constexpr int32_t kBlankRecordHeaderSize = 8;

// Mirrors MessageSysFlag.BORNHOST_V6_FLAG / STOREHOSTADDRESS_V6_FLAG.
constexpr int32_t kSysFlagBornHostV6 = 0x10;
constexpr int32_t kSysFlagStoreHostV6 = 0x20;

// Topics longer than this use the V2 record (2-byte topic length), as Java 5.x does with
// autoMessageVersionOnTopicLen=true.
constexpr size_t kMaxV1TopicLength = 127;
constexpr size_t kMaxTopicLength = 255;
constexpr size_t kMaxPropertiesLength = 32767;  // signed short on disk

// Fixed field offsets from the start of a record. Fields after the born host move by 12 bytes
// when the born host is IPv6; use the functions below for those.
constexpr size_t kTotalSizeOffset = 0;
constexpr size_t kMagicOffset = 4;
constexpr size_t kBodyCrcOffset = 8;
constexpr size_t kQueueIdOffset = 12;
constexpr size_t kFlagOffset = 16;
constexpr size_t kQueueOffsetOffset = 20;
constexpr size_t kPhysicalOffsetOffset = 28;
constexpr size_t kSysFlagOffset = 36;
constexpr size_t kBornTimestampOffset = 40;
constexpr size_t kBornHostOffset = 48;

inline size_t HostLength(bool v6) { return v6 ? 20 : 8; }
inline size_t StoreTimestampOffset(int32_t sys_flag) {
  return kBornHostOffset + HostLength(sys_flag & kSysFlagBornHostV6);
}
// Smallest possible record: IPv4 hosts, empty body/topic/properties, V1.
constexpr size_t kMinRecordSize = 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + 8 + 8 + 8 + 4 + 8 + 4 + 1 + 2;

// A decoded record; the views point into the bytes given to DecodeRecord.
struct RecordView {
  int32_t total_size = 0;
  uint32_t magic = 0;
  int32_t body_crc = 0;
  int32_t queue_id = 0;
  int32_t flag = 0;
  int64_t queue_offset = 0;
  int64_t physical_offset = 0;
  int32_t sys_flag = 0;
  int64_t born_timestamp = 0;
  HostAddress born_host;
  int64_t store_timestamp = 0;
  HostAddress store_host;
  int32_t reconsume_times = 0;
  int64_t prepared_transaction_offset = 0;
  std::string_view body;
  std::string_view topic;
  std::string_view properties;
};

// The fields the store assigns at append time.
struct RecordPlacement {
  int64_t queue_offset = 0;
  int64_t physical_offset = 0;
  int64_t store_timestamp = 0;
};

// sysFlag as stored: the caller's flag with the host IPv6 bits forced to match the addresses.
int32_t StoredSysFlag(const MessageToStore& msg);

// Encoded length of `msg`'s record. Callers check topic/properties limits first.
size_t RecordSize(const MessageToStore& msg);

// Writes exactly RecordSize(msg) bytes to `dst`.
void EncodeRecord(const MessageToStore& msg, const RecordPlacement& placement, char* dst);
std::string EncodeRecordToString(const MessageToStore& msg, const RecordPlacement& placement);

// Writes the 8-byte end-of-file blank record saying `remaining` bytes of the file are unused.
void EncodeBlankRecord(int32_t remaining, char* dst);

// Decodes the record at the start of `data` (which may extend past the record).
//   OK         -> *view is a message record of view->total_size bytes.
//   NotFound   -> the blank end-of-file record; view->total_size is the blank's declared size.
//   Corruption -> bad magic, impossible size, truncation, bad CRC (when check_crc), or fields
//                 that do not add up to TOTALSIZE.
// Never reads outside `data`.
Status DecodeRecord(std::string_view data, RecordView* view, bool check_crc = true);

// Store timestamp of an encoded message record, or Corruption if `record` is too short.
Status ReadStoreTimestamp(std::string_view record, int64_t* store_timestamp);

}  // namespace rmq::store
