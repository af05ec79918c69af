#include "server/broker/broker_controller.h"

#include <arpa/inet.h>
#include <zlib.h>

#include <algorithm>

#include "common/json.h"
#include "common/logging.h"
#include "protocol/request_code.h"
#include "protocol/response_code.h"
#include "server/file_util.h"

namespace rmq::server {

using protocol::RemotingCommand;
using protocol::RequestCode;
using protocol::ResponseCode;

namespace {
constexpr uint64_t kClientChannelExpireMs = 120000;
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
constexpr uint64_t kAclWatchIntervalMs = 5000;

store::MessageStoreConfig StoreConfigOf(const BrokerConfig& c) {
  store::MessageStoreConfig s;
  s.store_path_root_dir = c.StorePathRootDir();
  s.mapped_file_size_commit_log = c.mapped_file_size_commit_log;
  s.mapped_file_size_consume_queue = c.mapped_file_size_consume_queue;
  s.flush_disk_type = c.flush_disk_type == "SYNC_FLUSH" ? store::FlushDiskType::kSyncFlush : store::FlushDiskType::kAsyncFlush;
  s.flush_interval_commit_log = c.flush_interval_commit_log;
  s.flush_commit_log_least_pages = c.flush_commit_log_least_pages;
  s.flush_interval_consume_queue = c.flush_interval_consume_queue;
  s.sync_flush_timeout = static_cast<int32_t>(c.sync_flush_timeout);
  s.max_message_size = c.max_message_size;
  s.max_hash_slot_num = c.max_hash_slot_num;
  s.max_index_num = c.max_index_num;
  s.message_delay_level = c.message_delay_level;
  s.file_reserved_time = c.file_reserved_time;
  s.delete_when = c.delete_when;
  s.disk_max_used_space_ratio = c.disk_max_used_space_ratio;
  s.clean_file_forcibly_enable = c.clean_file_forcibly_enable;
  s.clean_resource_interval = c.clean_resource_interval;
  s.os_page_cache_busy_time_out_mills = c.os_page_cache_busy_time_out_mills;
  s.transient_store_pool_enable = c.transient_store_pool_enable;
  s.transient_store_pool_size = c.transient_store_pool_size;
  s.commit_interval_commit_log = c.commit_interval_commit_log;
  s.commit_commit_log_least_pages = c.commit_commit_log_least_pages;
  s.commit_commit_log_thorough_interval = c.commit_commit_log_thorough_interval;
  s.slave = c.broker_role == "SLAVE";
  return s;
}
}  // namespace

bool ParseHostAddress(const std::string& addr, store::HostAddress* out) {
  size_t colon = addr.rfind(':');
  if (colon == std::string::npos) return false;
  std::string ip = addr.substr(0, colon);
  int32_t port;
  if (!protocol::ParseInt32(addr.substr(colon + 1), &port)) return false;
  out->port = port;
  if (inet_pton(AF_INET, ip.c_str(), out->ip) == 1) {
    out->v6 = false;
    return true;
  }
  if (!ip.empty() && ip.front() == '[') ip = ip.substr(1, ip.size() - 2);
  if (inet_pton(AF_INET6, ip.c_str(), out->ip) == 1) {
    out->v6 = true;
    return true;
  }
  return false;
}

BrokerController::BrokerController(RemotingServer& server, BrokerConfig config)
    : server_(server),
      config_(std::move(config)),
      topics_(config_, config_.StorePathRootDir() + "/config/topics.json"),
      offsets_(config_.StorePathRootDir() + "/config/consumerOffset.json"),
      groups_(config_.StorePathRootDir() + "/config/subscriptionGroup.json", config_.auto_create_subscription_group),
      holds_([this](HeldPull& p) {
        RemotingCommand resp;
        ProcessPull(p.header, p.to, false, &resp);
        server_.Reply(p.to, std::move(resp));
      }) {}

BrokerController::~BrokerController() { Shutdown(); }

Status BrokerController::Start() {
  broker_addr_ = config_.broker_ip1 + ":" + std::to_string(config_.listen_port);
  if (!ParseHostAddress(broker_addr_, &store_host_)) {
    return Status::InvalidArgument("brokerIP1 " + config_.broker_ip1 + " is not an IP address");
  }
  boot_timestamp_ = NowMillis();
  store_ = std::make_unique<store::MessageStore>(StoreConfigOf(config_));
  Status s = store_->Open();
  if (!s.ok()) return s;
  if (s = topics_.Load(); !s.ok()) return s;
  if (s = offsets_.Load(); !s.ok()) return s;
  if (s = groups_.Load(); !s.ok()) return s;
  store::DelayLevelTable delay_levels;
  if (s = store::DelayLevelTable::Parse(config_.message_delay_level, &delay_levels); !s.ok()) return s;
  schedule_ = std::make_unique<ScheduleMessageService>(
      *store_, config_.StorePathRootDir() + "/config/delayOffset.json", std::move(delay_levels),
      [this](const std::string& topic, int32_t queue_id) { OnMessagesStored(topic, queue_id); });
  if (s = schedule_->Load(); !s.ok()) return s;
  TimerConfig timer_config;
  timer_config.enable = config_.timer_wheel_enable;
  timer_config.max_delay_sec = config_.timer_max_delay_sec;
  timer_config.precision_ms = config_.timer_precision_ms;
  timers_ = std::make_unique<TimerMessageService>(
      *store_, config_.StorePathRootDir() + "/config/timerProgress.json", timer_config,
      [this](const std::string& topic, int32_t queue_id) { OnMessagesStored(topic, queue_id); });
  if (s = timers_->Load(); !s.ok()) return s;
  transactions_ = std::make_unique<TransactionalMessageService>(
      *store_, offsets_, store_host_,
      [this](const std::string& group, RemotingCommand&& req) { return SendToProducerGroup(group, std::move(req)); });
  if (config_.acl_enable) {
    if (s = StartAcl(); !s.ok()) return s;
  }
  topics_.SetOnChange([this](const std::string& topic, bool deleted) { ScheduleRegister(topic, deleted); });
  clients_.SetConsumerChangeListener(
      [this](const std::string& group, const ConsumerGroupInfo& info) { NotifyConsumerIdsChanged(group, info); });
  store_->SetFlushListener([this](int64_t flushed) { server_.Post([this, flushed] { OnFlushed(flushed); }); });

  server_.AddCloseHandler([this](Connection& c) {
    clients_.OnConnectionClosed(c.id());
    holds_.OnConnectionClosed(c.id());
  });
  server_.AddTimer(100, 100, [this] {
    if (config_.long_polling_enable) holds_.CheckTimeouts(server_.NowMs());
    CheckFlushTimeouts();
  });
  if (!config_.long_polling_enable) {
    // Java's PullRequestHoldService with longPollingEnable=false: one check per period answers the
    // held pulls that can read something or whose hold has run out; arrivals wake nothing.
    const auto period = static_cast<uint64_t>(std::max<int64_t>(1, config_.short_polling_time_mills));
    server_.AddTimer(period, period, [this] {
      holds_.CheckAll(server_.NowMs(), [this](const std::string& topic, int32_t queue_id) {
        return store_->GetMaxOffsetInQueue(topic, queue_id);
      });
    });
  }
  const auto offset_interval = static_cast<uint64_t>(config_.flush_consumer_offset_interval);
  server_.AddTimer(offset_interval, offset_interval, [this] { offsets_.PersistIfDirty(); });
  // topics.json and auto-created groups: at most one write per file per tick.
  server_.AddTimer(kConfigPersistIntervalMs, kConfigPersistIntervalMs, [this] {
    topics_.PersistIfDirty();
    groups_.PersistIfDirty();
  });
  // Delivery uses wall-clock time: a parked message's due time is its store time + delay.
  server_.AddTimer(kScheduleTickMs, kScheduleTickMs, [this] {
    if (started_) schedule_->Tick(NowMillis());
  });
  // Timer messages: each tick reads only newly parked entries and pops only due ones.
  server_.AddTimer(kTimerTickMs, kTimerTickMs, [this] {
    if (started_) timers_->Tick(NowMillis());
  });
  server_.AddTimer(kTimerPersistIntervalMs, kTimerPersistIntervalMs, [this] { timers_->PersistIfDirty(); });
  // TransactionalMessageCheckService: one check run per transactionCheckInterval.
  server_.AddTimer(static_cast<uint64_t>(config_.transaction_check_interval),
                   static_cast<uint64_t>(config_.transaction_check_interval), [this] {
                     if (!started_) return;
                     TransactionCheckConfig c;
                     c.transaction_timeout_ms = config_.transaction_time_out;
                     c.transaction_check_max = config_.transaction_check_max;
                     c.file_reserved_ms = static_cast<int64_t>(config_.file_reserved_time) * 3600 * 1000;
                     transactions_->Check(NowMillis(), c);
                   });
  server_.AddTimer(kFlushDelayOffsetIntervalMs, kFlushDelayOffsetIntervalMs, [this] { schedule_->PersistIfDirty(); });
  server_.AddTimer(10000, 10000, [this] {
    for (ConnectionId id : clients_.ScanExpired(server_.NowMs(), kClientChannelExpireMs)) server_.CloseById(id);
  });

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
  RegisterBrokerAll();
  server_.AddTimer(static_cast<uint64_t>(config_.register_name_server_period),
                   static_cast<uint64_t>(config_.register_name_server_period), [this] { RegisterBrokerAll(); });
  // Never stay unregistered silently: a NameServer that refused or missed the last registration
  // is retried (the failure was logged as an error) until it answers SUCCESS.
  server_.AddTimer(kRegisterRetryMs, kRegisterRetryMs, [this] {
    for (const auto& n : namesrvs_) {
      if (!n.connecting && !n.in_flight && (!n.registered || server_.Find(n.registered_conn) == nullptr)) {
        RegisterBrokerAll();
        return;
      }
    }
  });
  started_ = true;
  RMQ_LOG_INFO("broker %s (%s) started at %s, store %s, %s", config_.broker_name.c_str(),
               config_.broker_cluster_name.c_str(), broker_addr_.c_str(), config_.StorePathRootDir().c_str(),
               config_.flush_disk_type.c_str());
  return Status::OK();
}

Status BrokerController::StartAcl() {
  std::string home = config_.RocketmqHome();
  if (home.empty()) {
    return Status::InvalidArgument("aclEnable=true needs rocketmqHome (or ROCKETMQ_HOME) to find conf/plain_acl.yml");
  }
  acl_ = std::make_unique<acl::PlainPermissionManager>(home, config_.acl_plain_file);
  if (Status s = acl_->Load(); !s.ok()) return Status::InvalidArgument("ACL configuration: " + s.message());
  // Java's AclFileWatchService polls every 5 s as well.
  server_.AddTimer(kAclWatchIntervalMs, kAclWatchIntervalMs, [this] { acl_->ReloadIfChanged(); });
  RMQ_LOG_INFO("acl enabled: %s (+ %s/conf/acl)", acl_->default_file().c_str(), home.c_str());
  return Status::OK();
}

void BrokerController::Shutdown() {
  if (!started_) return;
  started_ = false;
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
  offsets_.PersistIfDirty();
  topics_.PersistIfDirty();
  groups_.PersistIfDirty();
  if (schedule_) schedule_->PersistIfDirty();
  if (timers_) timers_->PersistIfDirty();
  if (store_) store_->Shutdown();
  // Replies still waiting on a flush: the flush on shutdown covered them.
  for (auto& [off, w] : flush_waiters_) server_.Reply(w.to, std::move(w.resp));
  flush_waiters_.clear();
}

void BrokerController::ScheduleRegister(const std::string& topic, bool deleted) {
  full_body_valid_ = false;
  if (deleted || register_pending_topics_.size() >= kMaxIncrementTopics) {
    register_full_pending_ = true;
    register_pending_topics_.clear();
  } else if (!register_full_pending_) {
    register_pending_topics_.insert(topic);
  }
  if (register_scheduled_) return;
  register_scheduled_ = true;
  server_.Post([this] {
    register_scheduled_ = false;
    RegisterBrokerAll(register_full_pending_ ? RegisterKind::kFull : RegisterKind::kIncrement);
  });
}

void BrokerController::WhenRegistered(std::function<void()> fn) {
  if (register_scheduled_) next_round_waiters_.push_back(std::move(fn));
  else fn();
}

void BrokerController::FinishRound(const std::shared_ptr<RegisterRound>& round) {
  if (--round->pending > 0) return;
  auto waiters = std::move(round->waiters);
  for (auto& w : waiters) w();
}

BrokerController::RegisterBody BrokerController::BuildRegisterBody(const TopicTable& table, const DataVersion& dv,
                                                                   bool full) {
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
  const size_t limit = protocol::kDefaultMaxFrameSize - kRegisterHeaderRoom;
  if (b.bytes.size() > limit) {
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

const BrokerController::RegisterBody& BrokerController::FullRegisterBody() {
  if (!full_body_valid_ || !(full_body_.version == topics_.data_version())) {
    full_body_ = BuildRegisterBody(topics_.table(), topics_.data_version(), true);
    full_body_valid_ = true;
  }
  return full_body_;
}

void BrokerController::RegisterBrokerAll(RegisterKind kind) {
  auto round = std::make_shared<RegisterRound>();
  round->waiters.swap(next_round_waiters_);
  round->pending = 1;  // held while the requests go out
  RegisterBody increment;
  if (kind == RegisterKind::kIncrement) {
    TopicTable changed;
    for (const auto& name : register_pending_topics_) {
      if (const TopicConfig* tc = topics_.Find(name)) changed[name] = *tc;
    }
    increment = BuildRegisterBody(changed, topics_.data_version(), false);
  }
  register_pending_topics_.clear();
  register_full_pending_ = false;
  for (size_t i = 0; i < namesrvs_.size(); ++i) {
    NamesrvLink& n = namesrvs_[i];
    bool connected = server_.Find(n.conn) != nullptr && !n.connecting;
    if (connected) {
      bool use_increment = kind == RegisterKind::kIncrement && increment.ok && n.registered && n.registered_conn == n.conn;
      const RegisterBody& body = use_increment ? increment : FullRegisterBody();
      if (!body.ok) continue;  // logged by BuildRegisterBody
      ++round->pending;
      SendRegister(i, body, round);
      continue;
    }
    if (n.connecting) continue;
    n.connecting = true;
    n.registered = false;
    ++round->pending;
    n.conn = server_.Connect(n.host, n.port, [this, i, round](Status s) {
      NamesrvLink& link = namesrvs_[i];
      link.connecting = false;
      if (!s.ok()) {
        LogRegisterError(link, "cannot connect: " + s.ToString());
        FinishRound(round);
        return;
      }
      const RegisterBody& body = FullRegisterBody();
      if (!body.ok) {
        FinishRound(round);
        return;
      }
      SendRegister(i, body, round);
    });
  }
  FinishRound(round);
}

void BrokerController::SendRegister(size_t i, const RegisterBody& body, std::shared_ptr<RegisterRound> round) {
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
    NamesrvLink& link = namesrvs_[i];
    link.in_flight = false;
    std::string where = link.host + ":" + std::to_string(link.port);
    if (!r.ok()) {
      link.registered = false;
      LogRegisterError(link, "REGISTER_BROKER (" + std::to_string(topics) + " topics) failed: " + r.status().ToString());
    } else if (r->code != 0) {
      link.registered = false;
      LogRegisterError(link, "REGISTER_BROKER (" + std::to_string(topics) + " topics) refused: code " +
                                 std::to_string(r->code) + " " + (r->remark ? *r->remark : std::string()));
    } else {
      if (!link.registered) RMQ_LOG_INFO("registered with NameServer %s (%zu topics)", where.c_str(), topics);
      link.registered = true;
      link.last_error.clear();
      link.errors_unlogged = 0;
      link.registered_conn = conn;
    }
    FinishRound(round);
  });
}

void BrokerController::LogRegisterError(NamesrvLink& n, const std::string& what) {
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

void BrokerController::NotifyConsumerIdsChanged(const std::string& group, const ConsumerGroupInfo& info) {
  const SubscriptionGroupConfig* g = groups_.Find(group);
  if (g != nullptr && !g->notify_consumer_ids_changed_enable) return;
  for (const auto& [conn, ch] : info.channels) {
    RemotingCommand req = RemotingCommand::CreateRequest(static_cast<int32_t>(RequestCode::kNotifyConsumerIdsChanged));
    req.ext_fields.Set("consumerGroup", group);
    if (Connection* c = server_.Find(conn)) {
      req.serialize_type = protocol::SerializeType::kJson;
      server_.InvokeOneway(conn, std::move(req));
      (void)c;
    }
  }
}

void BrokerController::ReplyAfterPut(const ReplyTarget& to, int64_t end_offset, bool wait_store, RemotingCommand&& resp) {
  if (config_.flush_disk_type != "SYNC_FLUSH" || !wait_store || store_->FlushedOffset() >= end_offset) {
    server_.Reply(to, std::move(resp));
    return;
  }
  flush_waiters_.emplace(end_offset, FlushWaiter{to, std::move(resp), server_.NowMs() + static_cast<uint64_t>(config_.sync_flush_timeout)});
  store_->RequestFlush(end_offset);
}

void BrokerController::OnFlushed(int64_t flushed) {
  while (!flush_waiters_.empty() && flush_waiters_.begin()->first <= flushed) {
    FlushWaiter w = std::move(flush_waiters_.begin()->second);
    flush_waiters_.erase(flush_waiters_.begin());
    server_.Reply(w.to, std::move(w.resp));
  }
}

void BrokerController::CheckFlushTimeouts() {
  if (flush_waiters_.empty()) return;
  uint64_t now = server_.NowMs();
  OnFlushed(store_->FlushedOffset());
  for (auto it = flush_waiters_.begin(); it != flush_waiters_.end();) {
    if (it->second.deadline_ms <= now) {
      // Stored but not yet on disk: Java answers FLUSH_DISK_TIMEOUT with the send result.
      RemotingCommand resp = std::move(it->second.resp);
      resp.code = static_cast<int32_t>(ResponseCode::kFlushDiskTimeout);
      server_.Reply(it->second.to, std::move(resp));
      it = flush_waiters_.erase(it);
    } else {
      ++it;
    }
  }
}

bool BrokerController::SendToProducerGroup(const std::string& group, RemotingCommand&& req) {
  const auto* channels = clients_.FindProducerGroup(group);
  if (channels == nullptr) return false;
  for (const auto& [conn, ch] : *channels) {
    Connection* c = server_.Find(conn);
    if (c == nullptr || c->closing()) continue;
    server_.InvokeOneway(conn, std::move(req));
    return true;
  }
  return false;
}

void BrokerController::OnMessagesStored(const std::string& topic, int32_t queue_id) {
  if (holds_.size() == 0 || !config_.long_polling_enable) return;  // short polling: CheckAll finds it
  holds_.NotifyMessageArriving(topic, queue_id, store_->GetMaxOffsetInQueue(topic, queue_id));
}

}  // namespace rmq::server
