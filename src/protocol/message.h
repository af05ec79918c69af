// Message helpers shared by the send and pull paths: message ids, the sysFlag bits, the batch
// body; the properties string and its keys are in common/message_properties.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/message_properties.h"
#include "common/status.h"

namespace rmq::protocol {

// The properties string and its well-known keys live in common/message_properties.h (store and
// filter use them too); these names keep protocol:: spellings working.
using rmq::kNameValueSeparator;
using rmq::kPropertySeparator;
using rmq::kPropertyKeys;
using rmq::kPropertyTags;
using rmq::kPropertyWaitStoreMsgOk;
using rmq::kPropertyDelayTimeLevel;
using rmq::kPropertyRetryTopic;
using rmq::kPropertyOriginMessageId;
using rmq::kPropertyRealTopic;
using rmq::kPropertyRealQueueId;
using rmq::kPropertyTransactionPrepared;
using rmq::kPropertyProducerGroup;
using rmq::kPropertyUniqClientMessageIdKeyidx;
using rmq::kPropertyMaxReconsumeTimes;
using rmq::kPropertyCluster;
using rmq::kPropertyMsgRegion;
using rmq::kPropertyTraceSwitch;
using rmq::PropertiesView;
using rmq::AppendProperty;

// Mirrors MessageSysFlag.
inline constexpr int32_t kSysFlagCompressed = 0x1;
inline constexpr int32_t kSysFlagMultiTags = 0x2;
inline constexpr int32_t kSysFlagTransactionPrepared = 0x4;
inline constexpr int32_t kSysFlagTransactionCommit = 0x8;
inline constexpr int32_t kSysFlagTransactionRollback = 0xC;
inline constexpr int32_t kSysFlagBornHostV6 = 0x10;
inline constexpr int32_t kSysFlagStoreHostV6 = 0x20;
inline constexpr int32_t kSysFlagNeedUnwrap = 0x40;         // 5.x
inline constexpr int32_t kSysFlagInnerBatch = 0x80;         // 5.x
inline constexpr int32_t kSysFlagCompressionType = 0x700;   // 5.x: 1 LZ4, 2 ZSTD, 3 ZLIB
inline constexpr int32_t kSysFlagTransactionType = 0xC;
// Every bit MessageSysFlag (5.x) defines.
inline constexpr int32_t kSysFlagDefinedBits = 0x7FF;

// The sysFlag of a SEND_MESSAGE / SEND_BATCH_MESSAGE header, checked before the store: bits
// no MessageSysFlag defines (so any negative value), a compression type above ZLIB (3), the
// ROLLBACK transaction type, or the PREPARED type on a message that is not a transaction half
// message (`half_message`: its TRAN_MSG property is true) give InvalidArgument with the remark
// to answer (MESSAGE_ILLEGAL). Java 4.9.7 stores such a message and acknowledges it, but a
// PREPARED or ROLLBACK record is never dispatched to a ConsumeQueue, so nobody can consume it.
Status CheckProducerSysFlag(int32_t sys_flag, bool half_message);

// Offset message id: uppercase hex of store ip (4 or 16 bytes), port (i32), CommitLog offset.
std::string CreateOffsetMessageId(const uint8_t* ip, size_t ip_len, int32_t port, int64_t offset);
// Decodes an offset message id; false when malformed.
bool DecodeOffsetMessageId(std::string_view id, std::string* host, int64_t* offset);

// One message of a SEND_BATCH_MESSAGE body (Java's MessageDecoder.encodeMessages): totalSize:i32,
// magic:i32, bodyCRC:i32, flag:i32, bodyLen:i32, body, propertiesLen:i16, properties.
// The views point into the decoded body.
struct BatchItem {
  int32_t flag = 0;
  std::string_view body;
  std::string_view properties;
};
// Decodes a whole batch body; false when it is empty, truncated, or an item's lengths do not fit
// inside its totalSize.
bool DecodeBatchBody(std::string_view body, std::vector<BatchItem>* out);

}  // namespace rmq::protocol
