#include "store/commit_log_record.h"

#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "common/coding.h"
#include "common/crc32.h"

namespace rmq::store {
namespace {

MessageToStore SampleMessage(bool v6) {
  MessageToStore m;
  m.topic = "TopicTest";
  m.queue_id = 3;
  m.flag = 7;
  m.sys_flag = 0;
  m.born_timestamp = 1700000000123;
  m.reconsume_times = 2;
  m.prepared_transaction_offset = 99;
  m.body = "Hello RocketMQ";
  m.properties = std::string_view("TAGS\x01TagA\x02WAIT\x01true\x02");
  m.born_host.v6 = v6;
  m.store_host.v6 = v6;
  for (int i = 0; i < 16; ++i) {
    m.born_host.ip[i] = static_cast<uint8_t>(i + 1);
    m.store_host.ip[i] = static_cast<uint8_t>(0xA0 + i);
  }
  m.born_host.port = 50123;
  m.store_host.port = 10911;
  return m;
}

RecordPlacement SamplePlacement() { return RecordPlacement{42, 4096, 1700000000456}; }

void CheckRoundTrip(bool v6) {
  MessageToStore m = SampleMessage(v6);
  std::string rec = EncodeRecordToString(m, SamplePlacement());
  REQUIRE(rec.size() == RecordSize(m));
  RecordView v;
  REQUIRE(DecodeRecord(rec, &v).ok());
  CHECK(v.total_size == static_cast<int32_t>(rec.size()));
  CHECK(v.magic == kMessageMagicV1);
  CHECK(v.queue_id == 3);
  CHECK(v.flag == 7);
  CHECK(v.queue_offset == 42);
  CHECK(v.physical_offset == 4096);
  CHECK(v.sys_flag == (v6 ? (kSysFlagBornHostV6 | kSysFlagStoreHostV6) : 0));
  CHECK(v.born_timestamp == 1700000000123);
  CHECK(v.store_timestamp == 1700000000456);
  CHECK(v.born_host.v6 == v6);
  CHECK(v.born_host.port == 50123);
  CHECK(std::memcmp(v.born_host.ip, m.born_host.ip, v6 ? 16 : 4) == 0);
  CHECK(v.store_host.port == 10911);
  CHECK(std::memcmp(v.store_host.ip, m.store_host.ip, v6 ? 16 : 4) == 0);
  CHECK(v.reconsume_times == 2);
  CHECK(v.prepared_transaction_offset == 99);
  CHECK(v.body == m.body);
  CHECK(v.topic == m.topic);
  CHECK(v.properties == m.properties);
  int64_t ts = 0;
  REQUIRE(ReadStoreTimestamp(rec, &ts).ok());
  CHECK(ts == 1700000000456);
}

}  // namespace

TEST_CASE("record: round trip with IPv4 hosts") {
  CheckRoundTrip(false);
  // Java layout facts: 84-byte fixed part, storeTimestamp @56 for IPv4 hosts.
  MessageToStore m = SampleMessage(false);
  std::string rec = EncodeRecordToString(m, SamplePlacement());
  CHECK(rec.size() == 84 + 4 + m.body.size() + 1 + m.topic.size() + 2 + m.properties.size());
  CHECK(StoreTimestampOffset(0) == 56);
  CHECK(static_cast<int64_t>(DecodeFixed64(rec.data() + 56)) == 1700000000456);
  CHECK(DecodeFixed32(rec.data() + 4) == 0xDAA320A7u);
  CHECK(static_cast<int32_t>(DecodeFixed32(rec.data() + 8)) ==
        static_cast<int32_t>(Crc32(m.body) & 0x7FFFFFFF));
}

TEST_CASE("record: round trip with IPv6 hosts") {
  CheckRoundTrip(true);
  MessageToStore m = SampleMessage(true);
  CHECK(RecordSize(m) == RecordSize(SampleMessage(false)) + 24);
}

TEST_CASE("record: long topic uses the V2 record") {
  MessageToStore m = SampleMessage(false);
  std::string topic(200, 't');
  m.topic = topic;
  std::string rec = EncodeRecordToString(m, SamplePlacement());
  RecordView v;
  REQUIRE(DecodeRecord(rec, &v).ok());
  CHECK(v.magic == kMessageMagicV2);
  CHECK(v.topic == topic);
}

TEST_CASE("record: empty body, topic and properties") {
  MessageToStore m;
  std::string rec = EncodeRecordToString(m, RecordPlacement{});
  CHECK(rec.size() == kMinRecordSize);
  RecordView v;
  CHECK(DecodeRecord(rec, &v).ok());
}

TEST_CASE("record: decoding ignores bytes after the record") {
  std::string rec = EncodeRecordToString(SampleMessage(false), SamplePlacement());
  std::string padded = rec + std::string(100, '\x55');
  RecordView v;
  REQUIRE(DecodeRecord(padded, &v).ok());
  CHECK(v.total_size == static_cast<int32_t>(rec.size()));
}

TEST_CASE("record: bad magic is corruption") {
  std::string rec = EncodeRecordToString(SampleMessage(false), SamplePlacement());
  rec[kMagicOffset] = 0x12;
  RecordView v;
  Status s = DecodeRecord(rec, &v);
  CHECK(s.IsCorruption());
}

TEST_CASE("record: bad body crc is corruption") {
  MessageToStore m = SampleMessage(false);
  std::string rec = EncodeRecordToString(m, SamplePlacement());
  rec[84 + 4] ^= 0x01;  // first body byte
  RecordView v;
  CHECK(DecodeRecord(rec, &v).IsCorruption());
  CHECK(DecodeRecord(rec, &v, /*check_crc=*/false).ok());
}

TEST_CASE("record: truncated record is corruption") {
  std::string rec = EncodeRecordToString(SampleMessage(false), SamplePlacement());
  RecordView v;
  for (size_t n = 0; n < rec.size(); ++n) {
    CHECK(DecodeRecord(std::string_view(rec.data(), n), &v).IsCorruption());
  }
}

TEST_CASE("record: zero-filled tail is corruption") {
  std::string zeros(4096, '\0');
  RecordView v;
  CHECK(DecodeRecord(zeros, &v).IsCorruption());
}

TEST_CASE("record: blank end-of-file record is distinguishable") {
  std::string blank(300, '\0');
  EncodeBlankRecord(300, blank.data());
  RecordView v;
  Status s = DecodeRecord(blank, &v);
  CHECK(s.IsNotFound());
  CHECK(v.total_size == 300);
  CHECK(v.magic == kBlankMagic);
}

TEST_CASE("record: blank record with impossible size is corruption") {
  std::string blank(8, '\0');
  EncodeBlankRecord(3, blank.data());
  RecordView v;
  CHECK(DecodeRecord(blank, &v).IsCorruption());
}

TEST_CASE("record: size field larger than remaining is corruption") {
  std::string rec = EncodeRecordToString(SampleMessage(false), SamplePlacement());
  EncodeFixed32(rec.data(), static_cast<uint32_t>(rec.size() + 1));
  RecordView v;
  CHECK(DecodeRecord(rec, &v).IsCorruption());
  EncodeFixed32(rec.data(), 0x7FFFFFFFu);
  CHECK(DecodeRecord(rec, &v).IsCorruption());
  EncodeFixed32(rec.data(), 0x80000000u);  // negative
  CHECK(DecodeRecord(rec, &v).IsCorruption());
}

TEST_CASE("record: size field smaller than the fields is corruption") {
  std::string rec = EncodeRecordToString(SampleMessage(false), SamplePlacement());
  EncodeFixed32(rec.data(), static_cast<uint32_t>(rec.size() - 1));
  RecordView v;
  CHECK(DecodeRecord(rec, &v).IsCorruption());
}

TEST_CASE("record: negative body length is corruption") {
  std::string rec = EncodeRecordToString(SampleMessage(false), SamplePlacement());
  EncodeFixed32(rec.data() + 84, 0xFFFFFFF0u);
  RecordView v;
  CHECK(DecodeRecord(rec, &v).IsCorruption());
}

TEST_CASE("record: huge properties length is corruption") {
  MessageToStore m = SampleMessage(false);
  std::string rec = EncodeRecordToString(m, SamplePlacement());
  size_t props_len_at = rec.size() - m.properties.size() - 2;
  EncodeFixed16(rec.data() + props_len_at, 0xFFFF);
  RecordView v;
  CHECK(DecodeRecord(rec, &v).IsCorruption());
}

TEST_CASE("record: garbage never decodes") {
  std::string junk;
  uint32_t x = 12345;
  for (int i = 0; i < 5000; ++i) {
    x = x * 1103515245u + 12345u;
    junk.push_back(static_cast<char>(x >> 16));
  }
  RecordView v;
  for (size_t i = 0; i + 8 < junk.size(); i += 7) {
    CHECK(!DecodeRecord(std::string_view(junk).substr(i), &v).ok());
  }
}

}  // namespace rmq::store
