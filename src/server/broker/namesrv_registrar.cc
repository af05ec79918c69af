#include "server/broker/namesrv_registrar.h"

#include <zlib.h>

#include <rapidjson/document.h>

#include "common/json.h"
#include "common/logging.h"
#include "protocol/ext_fields.h"
#include "protocol/request_code.h"

namespace rmq::server {

using protocol::RemotingCommand;
using protocol::RequestCode;

namespace {
constexpr uint64_t kRegisterTimeoutMs = 6000;  // Java's registerBrokerTimeoutMills
// A NameServer whose last registration failed is retried this often (besides the periodic round).
constexpr uint64_t kRegisterRetryMs = 3000;
constexpr uint64_t kRegisterErrorLogIntervalMs = 30000;
// JSON bodies estimated past this are sent compressed (the JSON of ~45k short-named topics).
constexpr size_t kCompressRegisterAboveBytes = 8u * 1024 * 1024;
// Room left in a frame for the REGISTER_BROKER header.
constexpr size_t kRegisterHeaderRoom = 64 * 1024;
// An increment larger than this is sent as a full round instead.
constexpr size_t kMaxIncrementTopics = 1000;
}  // namespace

bool DecodeRegisterAnswer(const RemotingCommand& resp, RegisterAnswer* out) {
  *out = RegisterAnswer();
  if (const std::string* v = resp.ext_fields.Find("masterAddr")) out->master_addr = *v;
  if (const std::string* v = resp.ext_fields.Find("haServerAddr")) out->ha_server_addr = *v;
  std::string_view body = resp.Body();
  if (body.empty()) return true;
  rapidjson::Document doc;
  if (!json::Parse(json::NormalizeFastjson(body), &doc).ok() || !doc.IsObject()) return false;
  const rapidjson::Value* table = json::GetObject(doc, "table");
  if (table == nullptr) return !doc.HasMember("table");  // Java's KVTable.decode: no table, empty
  for (auto it = table->MemberBegin(); it != table->MemberEnd(); ++it) {
    std::string v;
    if (json::ScalarToString(it->value, &v)) out->order_topic_config[it->name.GetString()] = v;
  }
  return true;
}

NamesrvRegistrar::NamesrvRegistrar(RemotingServer& server, const BrokerConfig& config, TopicConfigManager& topics,
                                   std::string broker_addr)
    : server_(server), config_(config), topics_(topics), broker_addr_(std::move(broker_addr)) {}

Status NamesrvRegistrar::Start() {
  if (Status s = ParseNamesrvAddr(); !s.ok()) return s;
  RegisterAll();
  const auto period = static_cast<uint64_t>(config_.register_name_server_period);
  timers_.Add(server_, period, period, [this] { RegisterAll(); });
  // Never stay unregistered silently: a NameServer that refused or missed the last registration
  // is retried (the failure was logged as an error) until it answers SUCCESS.
  timers_.Add(server_, kRegisterRetryMs, kRegisterRetryMs, [this] { RetryUnregistered(); });
  return Status::OK();
}

Status NamesrvRegistrar::ParseNamesrvAddr() {
  size_t start = 0;
  const std::string& list = config_.namesrv_addr;
  while (start < list.size()) {
    size_t end = list.find(';', start);
    if (end == std::string::npos) end = list.size();
    std::string one = list.substr(start, end - start);
    size_t colon = one.rfind(':');
    int32_t port;
    if (colon != std::string::npos && protocol::ParseInt32(one.substr(colon + 1), &port)) {
      NamesrvLink link;
      link.host = one.substr(0, colon);
      link.port = port;
      namesrvs_.push_back(std::move(link));
    } else if (!one.empty()) {
      return Status::InvalidArgument("namesrvAddr entry " + one + " is not host:port");
    }
    start = end + 1;
  }
  return Status::OK();
}

void NamesrvRegistrar::Stop() {
  timers_.Clear();
  // Unregister so clients stop routing here at once (oneway: the loop is about to stop).
  for (auto& n : namesrvs_) {
    if (server_.Find(n.conn) == nullptr) continue;
    RemotingCommand req = RemotingCommand::CreateRequest(static_cast<int32_t>(RequestCode::kUnregisterBroker));
    req.ext_fields.Set("brokerAddr", broker_addr_);
    req.ext_fields.SetInt("brokerId", config_.broker_id);
    req.ext_fields.Set("brokerName", config_.broker_name);
    req.ext_fields.Set("clusterName", config_.broker_cluster_name);
    server_.InvokeOneway(n.conn, std::move(req));
  }
}

void NamesrvRegistrar::RetryUnregistered() {
  for (const auto& n : namesrvs_) {
    if (!n.connecting && !n.in_flight && (!n.registered || server_.Find(n.registered_conn) == nullptr)) {
      RegisterAll();
      return;
    }
  }
}

const RegisterAnswer* NamesrvRegistrar::LastAnswer(const std::string& namesrv_addr) const {
  for (const auto& n : namesrvs_) {
    if (n.has_answer && n.host + ":" + std::to_string(n.port) == namesrv_addr) return &n.answer;
  }
  return nullptr;
}

std::map<std::string, RegisterAnswer> NamesrvRegistrar::LastAnswers() const {
  std::map<std::string, RegisterAnswer> out;
  for (const auto& n : namesrvs_) {
    if (n.has_answer) out[n.host + ":" + std::to_string(n.port)] = n.answer;
  }
  return out;
}

void NamesrvRegistrar::ScheduleRegister(const std::string& topic, bool deleted) {
  full_body_valid_ = false;
  if (deleted || pending_topics_.size() >= kMaxIncrementTopics) {
    full_pending_ = true;
    pending_topics_.clear();
  } else if (!full_pending_) {
    pending_topics_.insert(topic);
  }
  if (register_scheduled_) return;
  register_scheduled_ = true;
  server_.Post([this] {
    register_scheduled_ = false;
    RegisterAll(full_pending_ ? RegisterKind::kFull : RegisterKind::kIncrement);
  });
}

void NamesrvRegistrar::WhenRegistered(std::function<void()> fn) {
  if (register_scheduled_) next_round_waiters_.push_back(std::move(fn));
  else fn();
}

void NamesrvRegistrar::FinishRound(const std::shared_ptr<RegisterRound>& round) {
  if (--round->pending > 0) return;
  auto waiters = std::move(round->waiters);
  for (auto& w : waiters) w();
}

NamesrvRegistrar::RegisterBody NamesrvRegistrar::BuildBody(const TopicTable& table, const DataVersion& dv, bool full) {
  RegisterBody b;
  b.version = dv;
  b.topics = table.size();
  b.compressed = config_.compressed_register || EstimateRegisterBodyJsonSize(table) > kCompressRegisterAboveBytes;
  if (b.compressed) {
    size_t skipped = 0;
    Status s = EncodeCompressedRegisterBody(table, dv, &b.bytes, &skipped);
    if (!s.ok()) {
      RMQ_LOG_ERROR("REGISTER_BROKER body for %zu topics not built: %s", table.size(), s.ToString().c_str());
      return b;
    }
    if (skipped > 0) {
      RMQ_LOG_WARN("REGISTER_BROKER: %zu topic names with a space left out of the compressed body (Java's "
                   "NameServer could not decode them)", skipped);
    }
  } else {
    b.bytes = EncodeRegisterBodyJson(table, dv);
  }
  if (!FitsInFrame(b, table, dv)) {
    std::string().swap(b.bytes);
    return b;
  }
  uint32_t crc = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(b.bytes.data()), static_cast<uInt>(b.bytes.size())));
  b.crc = static_cast<int32_t>(crc & 0x7FFFFFFF);
  b.ok = true;
  if (full && b.compressed) {
    RMQ_LOG_INFO("REGISTER_BROKER body: %zu topics, %zu bytes compressed", table.size(), b.bytes.size());
  }
  return b;
}

bool NamesrvRegistrar::FitsInFrame(const RegisterBody& b, const TopicTable& table, const DataVersion& dv) {
  const size_t limit = protocol::kDefaultMaxFrameSize - kRegisterHeaderRoom;
  if (b.bytes.size() <= limit) return true;
  // Once per data version, and at most every kRegisterErrorLogIntervalMs while creates keep
  // changing it.
  const uint64_t now = server_.NowMs();
  if (!(oversize_logged_ == dv) && (oversize_logged_ms_ == 0 || now - oversize_logged_ms_ >= kRegisterErrorLogIntervalMs)) {
    oversize_logged_ = dv;
    oversize_logged_ms_ = now;
    RMQ_LOG_ERROR("REGISTER_BROKER body for %zu topics is %zu bytes%s, past the NameServer's %u-byte frame limit; "
                  "not sent: the NameServers keep the routes of the last registration and new topics are not routable",
                  table.size(), b.bytes.size(), b.compressed ? " even compressed" : "", protocol::kDefaultMaxFrameSize);
  }
  return false;
}

const NamesrvRegistrar::RegisterBody& NamesrvRegistrar::FullBody() {
  if (!full_body_valid_ || !(full_body_.version == topics_.data_version())) {
    full_body_ = BuildBody(topics_.table(), topics_.data_version(), true);
    full_body_valid_ = true;
  }
  return full_body_;
}

void NamesrvRegistrar::RegisterAll(RegisterKind kind) {
  auto round = std::make_shared<RegisterRound>();
  round->waiters.swap(next_round_waiters_);
  round->pending = 1;  // held while the requests go out
  RegisterBody increment;
  if (kind == RegisterKind::kIncrement) {
    TopicTable changed;
    for (const auto& name : pending_topics_) {
      if (const TopicConfig* tc = topics_.Find(name)) changed[name] = *tc;
    }
    increment = BuildBody(changed, topics_.data_version(), false);
  }
  pending_topics_.clear();
  full_pending_ = false;
  for (size_t i = 0; i < namesrvs_.size(); ++i) {
    NamesrvLink& n = namesrvs_[i];
    bool connected = server_.Find(n.conn) != nullptr && !n.connecting;
    if (connected) {
      bool use_increment = kind == RegisterKind::kIncrement && increment.ok && n.registered && n.registered_conn == n.conn;
      const RegisterBody& body = use_increment ? increment : FullBody();
      if (!body.ok) continue;  // logged by BuildBody
      ++round->pending;
      SendRegister(i, body, round);
      continue;
    }
    if (!n.connecting) ConnectAndRegister(i, round);
  }
  FinishRound(round);
}

void NamesrvRegistrar::ConnectAndRegister(size_t i, const std::shared_ptr<RegisterRound>& round) {
  NamesrvLink& n = namesrvs_[i];
  n.connecting = true;
  n.registered = false;
  ++round->pending;
  n.conn = server_.Connect(n.host, n.port, [this, i, round](Status s) {
    NamesrvLink& link = namesrvs_[i];
    link.connecting = false;
    if (!s.ok()) {
      LogError(link, "cannot connect: " + s.ToString());
      FinishRound(round);
      return;
    }
    const RegisterBody& body = FullBody();
    if (!body.ok) {
      FinishRound(round);
      return;
    }
    SendRegister(i, body, round);
  });
}

void NamesrvRegistrar::SendRegister(size_t i, const RegisterBody& body, std::shared_ptr<RegisterRound> round) {
  RemotingCommand req = RemotingCommand::CreateRequest(static_cast<int32_t>(RequestCode::kRegisterBroker));
  req.ext_fields.Set("brokerAddr", broker_addr_);
  req.ext_fields.SetInt("brokerId", config_.broker_id);
  req.ext_fields.Set("brokerName", config_.broker_name);
  req.ext_fields.Set("clusterName", config_.broker_cluster_name);
  req.ext_fields.Set("haServerAddr", config_.broker_ip2 + ":" + std::to_string(config_.ha_listen_port));
  req.ext_fields.SetBool("compressed", body.compressed);
  req.ext_fields.SetInt("bodyCrc32", body.crc);
  req.SetBody(std::string(body.bytes));
  NamesrvLink& n = namesrvs_[i];
  n.in_flight = true;
  ConnectionId conn = n.conn;
  size_t topics = body.topics;
  server_.Invoke(conn, std::move(req), kRegisterTimeoutMs, [this, i, conn, topics, round](Result<RemotingCommand> r) {
    OnRegisterAnswer(i, conn, topics, r);
    FinishRound(round);
  });
}

void NamesrvRegistrar::OnRegisterAnswer(size_t i, ConnectionId conn, size_t topics, Result<RemotingCommand>& r) {
  NamesrvLink& link = namesrvs_[i];
  link.in_flight = false;
  if (!r.ok()) {
    link.registered = false;
    LogError(link, "REGISTER_BROKER (" + std::to_string(topics) + " topics) failed: " + r.status().ToString());
    return;
  }
  if (r->code != 0) {
    link.registered = false;
    LogError(link, "REGISTER_BROKER (" + std::to_string(topics) + " topics) refused: code " + std::to_string(r->code) +
                       " " + (r->remark ? *r->remark : std::string()));
    return;
  }
  std::string where = link.host + ":" + std::to_string(link.port);
  if (!link.registered) RMQ_LOG_INFO("registered with NameServer %s (%zu topics)", where.c_str(), topics);
  link.registered = true;
  link.last_error.clear();
  link.errors_unlogged = 0;
  link.registered_conn = conn;
  RegisterAnswer answer;
  if (!DecodeRegisterAnswer(*r, &answer)) {
    RMQ_LOG_WARN("REGISTER_BROKER answer of NameServer %s: the body is not a KVTable (ignored)", where.c_str());
  }
  answer.at_ms = server_.NowMs();
  if (answer.master_addr != link.answer.master_addr || answer.ha_server_addr != link.answer.ha_server_addr) {
    RMQ_LOG_INFO("NameServer %s: master %s, master HA %s", where.c_str(),
                 answer.master_addr.empty() ? "(none)" : answer.master_addr.c_str(),
                 answer.ha_server_addr.empty() ? "(none)" : answer.ha_server_addr.c_str());
  }
  link.answer = std::move(answer);
  link.has_answer = true;
}

void NamesrvRegistrar::LogError(NamesrvLink& n, const std::string& what) {
  const uint64_t now = server_.NowMs();
  if (what == n.last_error && now - n.last_error_ms < kRegisterErrorLogIntervalMs) {
    ++n.errors_unlogged;
    return;
  }
  std::string repeats = n.errors_unlogged > 0 ? "; " + std::to_string(n.errors_unlogged) + " more failures since the last report" : "";
  RMQ_LOG_ERROR("broker not registered with NameServer %s:%d: %s (retrying every %llu ms%s)", n.host.c_str(), n.port,
                what.c_str(), static_cast<unsigned long long>(kRegisterRetryMs), repeats.c_str());
  n.last_error = what;
  n.last_error_ms = now;
  n.errors_unlogged = 0;
}

}  // namespace rmq::server
