// The ROCKETMQ binary header serialization (Java's RocketMQSerializable).
#include <cstring>

#include "common/coding.h"
#include "protocol/remoting_command.h"

namespace rmq::protocol {

namespace {

// A bounds-checked cursor over the header bytes.
class Reader {
 public:
  explicit Reader(std::string_view d) : d_(d) {}
  bool U8(uint8_t* v) {
    if (d_.size() - pos_ < 1) return false;
    *v = static_cast<uint8_t>(d_[pos_++]);
    return true;
  }
  bool U16(uint16_t* v) {
    if (d_.size() - pos_ < 2) return false;
    *v = DecodeFixed16(d_.data() + pos_);
    pos_ += 2;
    return true;
  }
  bool U32(uint32_t* v) {
    if (d_.size() - pos_ < 4) return false;
    *v = DecodeFixed32(d_.data() + pos_);
    pos_ += 4;
    return true;
  }
  bool Bytes(size_t n, std::string_view* v) {
    if (d_.size() - pos_ < n) return false;
    *v = d_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  size_t remaining() const { return d_.size() - pos_; }

 private:
  std::string_view d_;
  size_t pos_ = 0;
};

}  // namespace

Status DecodeRocketMQHeader(std::string_view header, RemotingCommand* cmd) {
  Reader r(header);
  uint16_t code, version;
  uint8_t lang;
  uint32_t opaque, flag, remark_len;
  if (!r.U16(&code) || !r.U8(&lang) || !r.U16(&version) || !r.U32(&opaque) || !r.U32(&flag) ||
      !r.U32(&remark_len)) {
    return Status::Corruption("binary header truncated");
  }
  cmd->code = static_cast<int16_t>(code);
  cmd->language = static_cast<LanguageCode>(lang);
  cmd->version = static_cast<int16_t>(version);
  cmd->opaque = static_cast<int32_t>(opaque);
  cmd->flag = static_cast<int32_t>(flag);
  if (remark_len > 0) {
    std::string_view remark;
    if (remark_len > header.size() || !r.Bytes(remark_len, &remark)) return Status::Corruption("binary header remark length exceeds header");
    cmd->remark = std::string(remark);
  }
  uint32_t ext_len;
  if (!r.U32(&ext_len)) return Status::Corruption("binary header truncated before extFields length");
  if (ext_len > r.remaining()) return Status::Corruption("binary header extFields length exceeds header");
  std::string_view map_area;
  (void)r.Bytes(ext_len, &map_area);
  Reader m(map_area);
  while (m.remaining() > 0) {
    uint16_t klen;
    uint32_t vlen;
    std::string_view k, v;
    if (!m.U16(&klen) || !m.Bytes(klen, &k) || !m.U32(&vlen) || vlen > m.remaining() || !m.Bytes(vlen, &v)) {
      return Status::Corruption("binary header extFields entry truncated");
    }
    if (cmd->ext_fields.size() >= kMaxExtFields && cmd->ext_fields.Find(k) == nullptr) {
      return Status::Corruption("header has more than " + std::to_string(kMaxExtFields) + " extFields");
    }
    cmd->ext_fields.Set(k, std::string(v));
  }
  return Status::OK();
}

void EncodeRocketMQHeader(const RemotingCommand& cmd, std::string* out) {
  PutFixed16(out, static_cast<uint16_t>(cmd.code));
  out->push_back(static_cast<char>(cmd.language));
  PutFixed16(out, static_cast<uint16_t>(cmd.version));
  PutFixed32(out, static_cast<uint32_t>(cmd.opaque));
  PutFixed32(out, static_cast<uint32_t>(cmd.flag));
  if (cmd.remark && !cmd.remark->empty()) {
    PutFixed32(out, static_cast<uint32_t>(cmd.remark->size()));
    out->append(*cmd.remark);
  } else {
    PutFixed32(out, 0);
  }
  size_t len_pos = out->size();
  PutFixed32(out, 0);
  for (const auto& [k, v] : cmd.ext_fields.items()) {
    if (k.empty() || v.empty()) continue;  // Java skips null; empty decodes as null anyway
    PutFixed16(out, static_cast<uint16_t>(k.size()));
    out->append(k);
    PutFixed32(out, static_cast<uint32_t>(v.size()));
    out->append(v);
  }
  EncodeFixed32(out->data() + len_pos, static_cast<uint32_t>(out->size() - len_pos - 4));
}

}  // namespace rmq::protocol
