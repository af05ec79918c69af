// The REGISTER_BROKER body (mirrors RegisterBrokerBody of Java 4.9.7) in its two forms, shared by
// the broker (encode) and the NameServer (decode). Byte layout of the compressed form:
// docs/reliability/topics.md ("The compressed REGISTER_BROKER body").
//
//   JSON        {"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":..,
//               "topicConfigTable":{..}}}  (header compressed=false; Java's default)
//   compressed  one zlib stream (Deflater BEST_COMPRESSION) over
//                 i32 n, n bytes DataVersion JSON {"counter":C,"timestamp":T}
//                 i32 count
//                 count x (i32 n, n bytes "topicName readQueueNums writeQueueNums perm topicFilterType")
//                 i32 n, n bytes filter server list JSON ("[]")
//               every i32 big-endian (header compressed=true)
// The compressed form carries neither topicSysFlag nor order, as in Java.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "common/status.h"
#include "server/topic_config.h"

namespace rmq::server {

using TopicTable = std::map<std::string, TopicConfig>;

// Java's BEST_COMPRESSION, so the bytes equal Java's for the same payload, up to
// kJavaLevelUpToBytes of payload; above it BEST_SPEED: at 1M topics (34 MB of payload) level 9
// takes 2.5 s of the loop and level 1 0.17 s, for a body 5% larger (2.39 MB instead of 2.27 MB).
inline constexpr int kRegisterBodyDeflateLevel = 9;
inline constexpr int kLargeRegisterBodyDeflateLevel = 1;
inline constexpr size_t kJavaLevelUpToBytes = 1024 * 1024;
// A decoded compressed body may not inflate past this (a zlib bomb is refused, not allocated).
inline constexpr size_t kMaxInflatedRegisterBody = 256u * 1024 * 1024;

std::string EncodeRegisterBodyJson(const TopicTable& topics, const DataVersion& dv);
// Upper bound of EncodeRegisterBodyJson's size, without encoding (decides JSON vs compressed).
size_t EstimateRegisterBodyJsonSize(const TopicTable& topics);

// The payload the compressed form deflates. Topics that Java's TopicConfig.decode could not read
// back (a name with a space, an empty name) are left out and counted in *skipped.
std::string CompressedRegisterPayload(const TopicTable& topics, const DataVersion& dv, size_t* skipped = nullptr);
// zlib stream of `payload` at `level`.
Status Deflate(std::string_view payload, int level, std::string* out);
// Inflates at most `max_out` bytes; Corruption when the stream is bad, truncated or too large.
Status Inflate(std::string_view in, size_t max_out, std::string* out);
// CompressedRegisterPayload + Deflate (level by payload size, see kJavaLevelUpToBytes).
Status EncodeCompressedRegisterBody(const TopicTable& topics, const DataVersion& dv, std::string* out,
                                    size_t* skipped = nullptr);
// Reads only the DataVersion at the head of a compressed body (inflates a few KiB), so a NameServer
// can skip decoding the topics of a registration whose version it already has.
Status DecodeCompressedRegisterVersion(std::string_view raw, DataVersion* dv);
// Decodes the compressed form; never trusts a length. Accepts 4 to 6 fields per topic (5.x adds
// attributes; the fields past the fifth are ignored).
Status DecodeCompressedRegisterBody(std::string_view raw, DataVersion* dv, TopicTable* topics);

}  // namespace rmq::server
