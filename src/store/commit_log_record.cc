#include "store/commit_log_record.h"

#include <atomic>
#include <cstring>

#include "common/coding.h"
#include "common/crc32.h"

namespace rmq::store {

namespace {

size_t TopicLengthBytes(size_t topic_len) { return topic_len > kMaxV1TopicLength ? 2 : 1; }

class Writer {
 public:
  explicit Writer(char* p) : p_(p) {}
  void I32(int32_t v) { EncodeFixed32(p_, static_cast<uint32_t>(v)); p_ += 4; }
  void U32(uint32_t v) { EncodeFixed32(p_, v); p_ += 4; }
  void I64(int64_t v) { EncodeFixed64(p_, static_cast<uint64_t>(v)); p_ += 8; }
  void I16(int16_t v) { EncodeFixed16(p_, static_cast<uint16_t>(v)); p_ += 2; }
  void U8(uint8_t v) { *p_++ = static_cast<char>(v); }
  void Bytes(const void* d, size_t n) {
    if (n > 0) std::memcpy(p_, d, n);
    p_ += n;
  }
  void Host(const HostAddress& h) {
    Bytes(h.ip, h.v6 ? 16 : 4);
    I32(h.port);
  }

 private:
  char* p_;
};

// Bounds-checked cursor: every read checks the remaining length first.
class Reader {
 public:
  explicit Reader(std::string_view d) : d_(d) {}
  bool I32(int32_t* v) { return Fixed(4, [&](const char* p) { *v = static_cast<int32_t>(DecodeFixed32(p)); }); }
  bool U32(uint32_t* v) { return Fixed(4, [&](const char* p) { *v = DecodeFixed32(p); }); }
  bool I64(int64_t* v) { return Fixed(8, [&](const char* p) { *v = static_cast<int64_t>(DecodeFixed64(p)); }); }
  bool U16(uint16_t* v) { return Fixed(2, [&](const char* p) { *v = DecodeFixed16(p); }); }
  bool U8(uint8_t* v) { return Fixed(1, [&](const char* p) { *v = static_cast<uint8_t>(*p); }); }
  bool Bytes(size_t n, std::string_view* out) {
    if (d_.size() - pos_ < n) return false;
    *out = d_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool Host(bool v6, HostAddress* h) {
    std::string_view ip;
    if (!Bytes(v6 ? 16 : 4, &ip)) return false;
    std::memcpy(h->ip, ip.data(), ip.size());
    h->v6 = v6;
    return I32(&h->port);
  }
  size_t pos() const { return pos_; }

 private:
  template <typename F>
  bool Fixed(size_t n, F f) {
    if (d_.size() - pos_ < n) return false;
    f(d_.data() + pos_);
    pos_ += n;
    return true;
  }
  std::string_view d_;
  size_t pos_ = 0;
};

}  // namespace

int32_t StoredSysFlag(const MessageToStore& msg) {
  int32_t f = msg.sys_flag & ~(kSysFlagBornHostV6 | kSysFlagStoreHostV6);
  if (msg.born_host.v6) f |= kSysFlagBornHostV6;
  if (msg.store_host.v6) f |= kSysFlagStoreHostV6;
  return f;
}

size_t RecordSize(const MessageToStore& msg) {
  return 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + HostLength(msg.born_host.v6) + 8 +
         HostLength(msg.store_host.v6) + 4 + 8 + 4 + msg.body.size() +
         TopicLengthBytes(msg.topic.size()) + msg.topic.size() + 2 + msg.properties.size();
}

void EncodeRecord(const MessageToStore& msg, const RecordPlacement& placement, char* dst) {
  const size_t size = RecordSize(msg);
  const bool v2 = msg.topic.size() > kMaxV1TopicLength;
  // TOTALSIZE goes in last: a process killed mid-copy leaves a zero length at the head (the tail
  // beyond the recovered end is zeroed), which reads as "writing stopped here", never as damage.
  Writer w(dst + 4);
  w.U32(v2 ? kMessageMagicV2 : kMessageMagicV1);
  w.I32(MaskedBodyCrc32(msg.body));
  w.I32(msg.queue_id);
  w.I32(msg.flag);
  w.I64(placement.queue_offset);
  w.I64(placement.physical_offset);
  w.I32(StoredSysFlag(msg));
  w.I64(msg.born_timestamp);
  w.Host(msg.born_host);
  w.I64(placement.store_timestamp);
  w.Host(msg.store_host);
  w.I32(msg.reconsume_times);
  w.I64(msg.prepared_transaction_offset);
  w.I32(static_cast<int32_t>(msg.body.size()));
  w.Bytes(msg.body.data(), msg.body.size());
  if (v2) {
    w.I16(static_cast<int16_t>(msg.topic.size()));
  } else {
    w.U8(static_cast<uint8_t>(msg.topic.size()));
  }
  w.Bytes(msg.topic.data(), msg.topic.size());
  w.I16(static_cast<int16_t>(msg.properties.size()));
  w.Bytes(msg.properties.data(), msg.properties.size());
  std::atomic_signal_fence(std::memory_order_seq_cst);  // keep the compiler from hoisting the length
  EncodeFixed32(dst, static_cast<uint32_t>(size));
}

std::string EncodeRecordToString(const MessageToStore& msg, const RecordPlacement& placement) {
  std::string out(RecordSize(msg), '\0');
  EncodeRecord(msg, placement, out.data());
  return out;
}

void EncodeBlankRecord(int32_t remaining, char* dst) {
  EncodeFixed32(dst + 4, kBlankMagic);  // the length last, as in EncodeRecord
  std::atomic_signal_fence(std::memory_order_seq_cst);
  EncodeFixed32(dst, static_cast<uint32_t>(remaining));
}

Status DecodeRecord(std::string_view data, RecordView* view, bool check_crc) {
  *view = RecordView();
  if (data.size() < kBlankRecordHeaderSize) return Status::Corruption("truncated record header");
  view->total_size = static_cast<int32_t>(DecodeFixed32(data.data() + kTotalSizeOffset));
  view->magic = DecodeFixed32(data.data() + kMagicOffset);
  if (view->magic == kBlankMagic) {
    if (view->total_size < kBlankRecordHeaderSize) return Status::Corruption("blank record too small");
    return Status::NotFound("blank end-of-file record");
  }
  if (view->magic != kMessageMagicV1 && view->magic != kMessageMagicV2) {
    return Status::Corruption("bad magic code");
  }
  if (view->total_size < static_cast<int32_t>(kMinRecordSize)) {
    return Status::Corruption("record size too small");
  }
  if (static_cast<size_t>(view->total_size) > data.size()) {
    return Status::Corruption("record size exceeds remaining bytes");
  }
  Reader r(data.substr(0, static_cast<size_t>(view->total_size)));
  int32_t ignored_size;
  uint32_t ignored_magic;
  int32_t body_len = 0;
  bool ok = r.I32(&ignored_size) && r.U32(&ignored_magic) && r.I32(&view->body_crc) &&
            r.I32(&view->queue_id) && r.I32(&view->flag) && r.I64(&view->queue_offset) &&
            r.I64(&view->physical_offset) && r.I32(&view->sys_flag) && r.I64(&view->born_timestamp) &&
            r.Host(view->sys_flag & kSysFlagBornHostV6, &view->born_host) &&
            r.I64(&view->store_timestamp) &&
            r.Host(view->sys_flag & kSysFlagStoreHostV6, &view->store_host) &&
            r.I32(&view->reconsume_times) && r.I64(&view->prepared_transaction_offset) &&
            r.I32(&body_len);
  if (!ok) return Status::Corruption("truncated record fields");
  if (body_len < 0 || !r.Bytes(static_cast<size_t>(body_len), &view->body)) {
    return Status::Corruption("bad body length");
  }
  size_t topic_len = 0;
  if (view->magic == kMessageMagicV2) {
    uint16_t n;
    if (!r.U16(&n)) return Status::Corruption("truncated topic length");
    topic_len = n;
  } else {
    uint8_t n;
    if (!r.U8(&n)) return Status::Corruption("truncated topic length");
    topic_len = n;
  }
  if (!r.Bytes(topic_len, &view->topic)) return Status::Corruption("bad topic length");
  uint16_t props_len;
  if (!r.U16(&props_len)) return Status::Corruption("truncated properties length");
  if (props_len > kMaxPropertiesLength || !r.Bytes(props_len, &view->properties)) {
    return Status::Corruption("bad properties length");
  }
  if (r.pos() != static_cast<size_t>(view->total_size)) {
    return Status::Corruption("record fields do not add up to total size");
  }
  if (check_crc && MaskedBodyCrc32(view->body) != view->body_crc) {
    return Status::Corruption("body crc mismatch");
  }
  return Status::OK();
}

Status ReadStoreTimestamp(std::string_view record, int64_t* store_timestamp) {
  if (record.size() < kSysFlagOffset + 4) return Status::Corruption("truncated record");
  int32_t sys_flag = static_cast<int32_t>(DecodeFixed32(record.data() + kSysFlagOffset));
  size_t off = StoreTimestampOffset(sys_flag);
  if (record.size() < off + 8) return Status::Corruption("truncated record");
  *store_timestamp = static_cast<int64_t>(DecodeFixed64(record.data() + off));
  return Status::OK();
}

}  // namespace rmq::store
