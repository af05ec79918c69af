// libFuzzer target: the CommitLog record decoder and the ConsumeQueue entry codec on arbitrary
// bytes (tools/run_fuzz.sh). Nothing may crash, read outside the input or leak; a record that
// decodes must re-encode to the same bytes, and the CRC check may only ever reject more.
#include <cstddef>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "store/commit_log_record.h"
#include "store/consume_queue.h"

namespace {

using rmq::store::RecordView;

// The decoder's view back as the encoder's input.
rmq::store::MessageToStore ToMessage(const RecordView& v) {
  rmq::store::MessageToStore m;
  m.topic = v.topic;
  m.queue_id = v.queue_id;
  m.flag = v.flag;
  m.sys_flag = v.sys_flag;
  m.born_timestamp = v.born_timestamp;
  m.born_host = v.born_host;
  m.store_host = v.store_host;
  m.reconsume_times = v.reconsume_times;
  m.prepared_transaction_offset = v.prepared_transaction_offset;
  m.body = v.body;
  m.properties = v.properties;
  return m;
}

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "record_fuzz: %s\n", what);
    std::abort();
  }
}

void FuzzRecord(std::string_view data) {
  RecordView loose;
  rmq::Status s = DecodeRecord(data, &loose, /*check_crc=*/false);
  RecordView strict;
  rmq::Status cs = DecodeRecord(data, &strict, /*check_crc=*/true);
  Check(!cs.ok() || s.ok(), "CRC check accepted what the unchecked decode rejected");
  Check(s.IsNotFound() == cs.IsNotFound(), "blank record seen by only one decode");
  int64_t ts = 0;
  (void)rmq::store::ReadStoreTimestamp(data, &ts);
  if (!s.ok()) return;
  Check(loose.total_size >= static_cast<int32_t>(rmq::store::kMinRecordSize) &&
            static_cast<size_t>(loose.total_size) <= data.size(),
        "decoded size outside the input");
  const std::string_view record = data.substr(0, static_cast<size_t>(loose.total_size));
  Check(rmq::store::ReadStoreTimestamp(record, &ts).ok() && ts == loose.store_timestamp,
        "ReadStoreTimestamp disagrees with DecodeRecord");
  // The record re-encodes byte for byte when its CRC is right and its magic is the one the
  // encoder picks for that topic length (a V2 record may carry a short topic).
  const bool v2 = loose.magic == rmq::store::kMessageMagicV2;
  if (!cs.ok() || v2 != (loose.topic.size() > rmq::store::kMaxV1TopicLength)) return;
  const rmq::store::MessageToStore m = ToMessage(loose);
  Check(rmq::store::StoredSysFlag(m) == loose.sys_flag, "stored sysFlag changed");
  Check(rmq::store::RecordSize(m) == static_cast<size_t>(loose.total_size), "RecordSize disagrees");
  rmq::store::RecordPlacement p{loose.queue_offset, loose.physical_offset, loose.store_timestamp};
  const std::string again = rmq::store::EncodeRecordToString(m, p);
  Check(again == record, "re-encoded record differs");
}

void FuzzCqEntries(std::string_view data) {
  using rmq::store::kCqStoreUnitSize;
  for (size_t pos = 0; pos + kCqStoreUnitSize <= data.size(); pos += kCqStoreUnitSize) {
    rmq::store::CqEntry e = rmq::store::DecodeCqEntry(data.data() + pos);
    char again[kCqStoreUnitSize];
    rmq::store::EncodeCqEntry(e, again);
    Check(std::memcmp(again, data.data() + pos, kCqStoreUnitSize) == 0, "ConsumeQueue entry round trip");
    (void)rmq::store::IsValidCqEntry(e);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  FuzzRecord(bytes);
  // Also every suffix at a small shift, as a scan meets records at arbitrary positions.
  for (size_t shift = 1; shift <= 8 && shift < size; shift += 7) FuzzRecord(bytes.substr(shift));
  FuzzCqEntries(bytes);
  return 0;
}
