#include "protocol/message.h"

#include <cstdio>

#include "common/coding.h"

namespace rmq::protocol {

Status CheckProducerSysFlag(int32_t sys_flag, bool half_message) {
  // Checked on every send: nothing is built unless the flag is refused.
  auto illegal = [sys_flag](const std::string& why) {
    return Status::InvalidArgument("the message sysFlag[" + std::to_string(sys_flag) + "] is illegal: " + why);
  };
  uint32_t unknown = static_cast<uint32_t>(sys_flag) & ~static_cast<uint32_t>(kSysFlagDefinedBits);
  if (unknown != 0) {
    char hex[16];
    snprintf(hex, sizeof(hex), "0x%x", unknown);
    return illegal(std::string("bits ") + hex + " are not defined by MessageSysFlag");
  }
  if (((sys_flag & kSysFlagCompressionType) >> 8) > 3) {
    return illegal("unknown compression type " + std::to_string((sys_flag & kSysFlagCompressionType) >> 8));
  }
  int32_t tx = sys_flag & kSysFlagTransactionType;
  if (tx == kSysFlagTransactionRollback) return illegal("a rolled-back transaction message cannot be sent");
  if (tx == kSysFlagTransactionPrepared && !half_message) {
    return illegal("transaction type PREPARED without the TRAN_MSG property");
  }
  return Status::OK();
}

std::string CreateOffsetMessageId(const uint8_t* ip, size_t ip_len, int32_t port, int64_t offset) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(2 * (ip_len + 12));
  auto byte = [&](uint8_t b) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xF]);
  };
  for (size_t i = 0; i < ip_len; ++i) byte(ip[i]);
  for (int i = 3; i >= 0; --i) byte(static_cast<uint8_t>(uint32_t(port) >> (8 * i)));
  for (int i = 7; i >= 0; --i) byte(static_cast<uint8_t>(uint64_t(offset) >> (8 * i)));
  return out;
}

bool DecodeOffsetMessageId(std::string_view id, std::string* host, int64_t* offset) {
  if (id.size() != 32) return false;  // IPv4 only for now
  uint8_t b[16];
  for (size_t i = 0; i < 16; ++i) {
    auto nib = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    int hi = nib(id[2 * i]), lo = nib(id[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    b[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  int32_t port = (b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7];
  char buf[64];
  snprintf(buf, sizeof(buf), "%u.%u.%u.%u:%d", b[0], b[1], b[2], b[3], port);
  *host = buf;
  uint64_t off = 0;
  for (int i = 8; i < 16; ++i) off = (off << 8) | b[i];
  *offset = static_cast<int64_t>(off);
  return true;
}

bool DecodeBatchBody(std::string_view body, std::vector<BatchItem>* out) {
  out->clear();
  size_t pos = 0;
  while (pos < body.size()) {
    if (body.size() - pos < 22) return false;
    const char* p = body.data() + pos;
    uint32_t total = DecodeFixed32(p);
    uint32_t body_len = DecodeFixed32(p + 16);
    if (total < 22 || total > body.size() - pos || body_len > total - 22) return false;
    uint16_t prop_len = DecodeFixed16(p + 20 + body_len);
    if (20 + size_t(body_len) + 2 + prop_len > total) return false;
    BatchItem item;
    item.flag = static_cast<int32_t>(DecodeFixed32(p + 12));
    item.body = std::string_view(p + 20, body_len);
    item.properties = std::string_view(p + 22 + body_len, prop_len);
    out->push_back(item);
    pos += total;
  }
  return !out->empty();
}

}  // namespace rmq::protocol
