#include "server/register_broker_body.h"

#include <zlib.h>

#include <rapidjson/document.h>

#include "common/coding.h"
#include "common/json.h"
#include "protocol/ext_fields.h"

namespace rmq::server {

namespace {

constexpr const char* kBodyPrefix = "{\"filterServerList\":[],\"topicConfigSerializeWrapper\":";
// Largest JSON of one TopicConfig apart from its name (twice: the key and topicName), with
// 10-digit numbers and a 10-character filter type; escaping can at most double a name.
constexpr size_t kJsonBytesPerTopic = 150;

void PutBlock(std::string* out, std::string_view b) {
  PutFixed32(out, static_cast<uint32_t>(b.size()));
  out->append(b);
}

// Java's TopicFilterType.valueOf accepts only these two; anything else would fail the decode.
const char* FilterTypeName(const std::string& t) { return t == "MULTI_TAG" ? "MULTI_TAG" : "SINGLE_TAG"; }

}  // namespace

std::string EncodeRegisterBodyJson(const TopicTable& topics, const DataVersion& dv) {
  std::string out = kBodyPrefix;
  out += TopicConfigWrapperJson(topics, dv);
  out += '}';
  return out;
}

size_t EstimateRegisterBodyJsonSize(const TopicTable& topics) {
  size_t n = 256;
  for (const auto& [name, tc] : topics) n += kJsonBytesPerTopic + 4 * name.size() + tc.topic_filter_type.size();
  return n;
}

std::string CompressedRegisterPayload(const TopicTable& topics, const DataVersion& dv, size_t* skipped) {
  std::string out;
  out.reserve(64 + topics.size() * 40);
  // DataVersion.encode() of 4.9.7: fastjson, fields in alphabetical order.
  std::string dv_json = "{\"counter\":" + std::to_string(dv.counter) + ",\"timestamp\":" + std::to_string(dv.timestamp) + "}";
  PutBlock(&out, dv_json);
  size_t count_at = out.size();
  PutFixed32(&out, 0);
  uint32_t count = 0;
  size_t left_out = 0;
  std::string entry;
  for (const auto& [name, tc] : topics) {
    if (name.empty() || name.find(' ') != std::string::npos) {
      ++left_out;
      continue;
    }
    entry = name;
    entry += ' ';
    entry += std::to_string(tc.read_queue_nums);
    entry += ' ';
    entry += std::to_string(tc.write_queue_nums);
    entry += ' ';
    entry += std::to_string(tc.perm);
    entry += ' ';
    entry += FilterTypeName(tc.topic_filter_type);
    PutBlock(&out, entry);
    ++count;
  }
  EncodeFixed32(&out[count_at], count);
  PutBlock(&out, "[]");
  if (skipped != nullptr) *skipped = left_out;
  return out;
}

Status Deflate(std::string_view payload, int level, std::string* out) {
  uLongf cap = compressBound(static_cast<uLong>(payload.size()));
  out->resize(cap);
  int rc = compress2(reinterpret_cast<Bytef*>(out->data()), &cap, reinterpret_cast<const Bytef*>(payload.data()),
                     static_cast<uLong>(payload.size()), level);
  if (rc != Z_OK) return Status::IOError("zlib compress failed: " + std::to_string(rc));
  out->resize(cap);
  return Status::OK();
}

Status Inflate(std::string_view in, size_t max_out, std::string* out) {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return Status::IOError("zlib inflateInit failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  char buf[65536];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out->append(buf, sizeof(buf) - zs.avail_out);
    if (out->size() > max_out) {
      inflateEnd(&zs);
      return Status::Corruption("compressed body inflates past " + std::to_string(max_out) + " bytes");
    }
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) break;  // input ended mid-stream
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) return Status::Corruption("compressed body is not a complete zlib stream");
  return Status::OK();
}

Status EncodeCompressedRegisterBody(const TopicTable& topics, const DataVersion& dv, std::string* out, size_t* skipped) {
  std::string payload = CompressedRegisterPayload(topics, dv, skipped);
  int level = payload.size() <= kJavaLevelUpToBytes ? kRegisterBodyDeflateLevel : kLargeRegisterBodyDeflateLevel;
  return Deflate(payload, level, out);
}

Status DecodeCompressedRegisterVersion(std::string_view raw, DataVersion* dv) {
  // Inflate just the head: the version block is a 4-byte length and ~60 bytes of JSON.
  constexpr size_t kHead = 4096;
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return Status::IOError("zlib inflateInit failed");
  std::string head(kHead, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  zs.avail_in = static_cast<uInt>(raw.size());
  zs.next_out = reinterpret_cast<Bytef*>(head.data());
  zs.avail_out = static_cast<uInt>(head.size());
  int rc = inflate(&zs, Z_SYNC_FLUSH);
  inflateEnd(&zs);
  if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) return Status::Corruption("compressed body is not a zlib stream");
  head.resize(head.size() - zs.avail_out);
  if (head.size() < 4) return Status::Corruption("compressed body: truncated data version");
  uint32_t n = DecodeFixed32(head.data());
  if (n > head.size() - 4) return Status::Corruption("compressed body: data version longer than its head");
  rapidjson::Document doc;
  if (!json::Parse(std::string_view(head.data() + 4, n), &doc).ok() || !ParseDataVersion(doc, dv)) return Status::Corruption("compressed body: bad data version");
  return Status::OK();
}

Status DecodeCompressedRegisterBody(std::string_view raw, DataVersion* dv, TopicTable* topics) {
  std::string data;
  if (Status s = Inflate(raw, kMaxInflatedRegisterBody, &data); !s.ok()) return s;
  std::string_view rest(data);
  auto read_u32 = [&rest](uint32_t* v) {
    if (rest.size() < 4) return false;
    *v = DecodeFixed32(rest.data());
    rest.remove_prefix(4);
    return true;
  };
  auto read_block = [&](std::string_view* b) {
    uint32_t n;
    if (!read_u32(&n) || n > rest.size()) return false;
    *b = rest.substr(0, n);
    rest.remove_prefix(n);
    return true;
  };
  std::string_view dv_json;
  if (!read_block(&dv_json)) return Status::Corruption("compressed body: truncated data version");
  rapidjson::Document doc;
  if (!json::Parse(dv_json, &doc).ok() || !ParseDataVersion(doc, dv)) return Status::Corruption("compressed body: bad data version");
  uint32_t count;
  if (!read_u32(&count)) return Status::Corruption("compressed body: truncated topic count");
  for (uint32_t i = 0; i < count; ++i) {
    std::string_view text;
    if (!read_block(&text)) return Status::Corruption("compressed body: truncated topic " + std::to_string(i));
    std::string_view parts[5];
    size_t n = 0;
    while (n < 5 && !text.empty()) {
      size_t e = text.find(' ');
      parts[n++] = text.substr(0, e);
      text = e == std::string_view::npos ? std::string_view() : text.substr(e + 1);
    }
    TopicConfig tc;
    if (n < 4 || parts[0].empty() || !protocol::ParseInt32(parts[1], &tc.read_queue_nums) ||
        !protocol::ParseInt32(parts[2], &tc.write_queue_nums) || !protocol::ParseInt32(parts[3], &tc.perm)) {
      return Status::Corruption("compressed body: malformed topic entry " + std::to_string(i));
    }
    tc.topic_name = std::string(parts[0]);
    if (n > 4) tc.topic_filter_type = std::string(parts[4]);
    std::string name = tc.topic_name;
    if (topics->empty() || topics->rbegin()->first < name) {  // rmqd's bodies are sorted
      topics->emplace_hint(topics->end(), std::move(name), std::move(tc));
    } else {
      (*topics)[std::move(name)] = std::move(tc);
    }
  }
  // The filter server list follows; rmqd serves no filter servers and ignores it.
  return Status::OK();
}

}  // namespace rmq::server
