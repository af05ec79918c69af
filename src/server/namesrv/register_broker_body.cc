#include "server/namesrv/register_broker_body.h"

#include <zlib.h>

#include <rapidjson/document.h>

#include "common/coding.h"
#include "common/json.h"
#include "protocol/ext_fields.h"

namespace rmq::server {

namespace {

bool Inflate(std::string_view in, std::string* out) {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return false;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  char buf[65536];
  int rc;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return false;
    }
    out->append(buf, sizeof(buf) - zs.avail_out);
    if (out->size() > 256u * 1024 * 1024) {
      inflateEnd(&zs);
      return false;
    }
  } while (rc != Z_STREAM_END && (zs.avail_in > 0 || zs.avail_out == 0));
  inflateEnd(&zs);
  return rc == Z_STREAM_END;
}

// The compressed register body: i32 len + DataVersion JSON, i32 count, per topic i32 len +
// "name readQ writeQ perm filterType [attributes]", then filter servers (ignored).
bool DecodeCompressed(std::string_view raw, RegisterBrokerRequest* req) {
  std::string data;
  if (!Inflate(raw, &data)) return false;
  size_t pos = 0;
  auto read_block = [&](std::string_view* out) {
    if (data.size() - pos < 4) return false;
    uint32_t n = DecodeFixed32(data.data() + pos);
    pos += 4;
    if (n > data.size() - pos) return false;
    *out = std::string_view(data).substr(pos, n);
    pos += n;
    return true;
  };
  std::string_view dv_json;
  if (!read_block(&dv_json)) return false;
  rapidjson::Document doc;
  if (!json::Parse(dv_json, &doc).ok() || !ParseDataVersion(doc, &req->data_version)) return false;
  if (data.size() - pos < 4) return false;
  uint32_t count = DecodeFixed32(data.data() + pos);
  pos += 4;
  for (uint32_t i = 0; i < count; ++i) {
    std::string_view text;
    if (!read_block(&text)) return false;
    TopicConfig tc;
    std::vector<std::string> parts;
    size_t s = 0;
    while (s < text.size() && parts.size() < 5) {
      size_t e = text.find(' ', s);
      if (e == std::string_view::npos) e = text.size();
      parts.emplace_back(text.substr(s, e - s));
      s = e + 1;
    }
    if (parts.size() < 4) return false;
    tc.topic_name = parts[0];
    if (!protocol::ParseInt32(parts[1], &tc.read_queue_nums) || !protocol::ParseInt32(parts[2], &tc.write_queue_nums) ||
        !protocol::ParseInt32(parts[3], &tc.perm)) {
      return false;
    }
    if (parts.size() > 4) tc.topic_filter_type = parts[4];
    req->topics[tc.topic_name] = tc;
  }
  req->has_topics = true;
  return true;
}

bool DecodeJson(std::string_view body, RegisterBrokerRequest* req) {
  rapidjson::Document doc;
  std::string text = json::NormalizeFastjson(body);
  if (!json::Parse(text, &doc).ok() || !doc.IsObject()) return false;
  const rapidjson::Value* wrapper = json::GetObject(doc, "topicConfigSerializeWrapper");
  if (wrapper == nullptr) wrapper = &doc;  // brokers older than V3_0_11 send the bare wrapper
  if (const auto* dv = json::GetObject(*wrapper, "dataVersion")) ParseDataVersion(*dv, &req->data_version);
  if (const auto* table = json::GetObject(*wrapper, "topicConfigTable")) {
    for (auto m = table->MemberBegin(); m != table->MemberEnd(); ++m) {
      TopicConfig tc;
      if (ParseTopicConfig(m->value, &tc)) req->topics[m->name.GetString()] = tc;
    }
    req->has_topics = true;
  }
  return true;
}

}  // namespace

bool DecodeRegisterBrokerBody(std::string_view body, bool compressed, RegisterBrokerRequest* req) {
  return compressed ? DecodeCompressed(body, req) : DecodeJson(body, req);
}

}  // namespace rmq::server
