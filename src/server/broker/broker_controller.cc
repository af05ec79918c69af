#include "server/broker/broker_controller.h"

#include <arpa/inet.h>

#include "common/logging.h"
#include "protocol/request_code.h"
#include "server/persist_queue.h"

namespace rmq::server {

using protocol::RemotingCommand;
using protocol::RequestCode;

namespace {
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
      groups_(config_.StorePathRootDir() + "/config/subscriptionGroup.json", config_.auto_create_subscription_group) {}

BrokerController::~BrokerController() { Shutdown(); }

Status BrokerController::Start() {
  broker_addr_ = config_.broker_ip1 + ":" + std::to_string(config_.listen_port);
  if (!ParseHostAddress(broker_addr_, &store_host_)) {
    return Status::InvalidArgument("brokerIP1 " + config_.broker_ip1 + " is not an IP address");
  }
  boot_timestamp_ = NowMillis();
  // First: the metadata loads below may write their files back.
  PersistQueue::Default().Start();
  persist_queue_held_ = true;
  if (Status s = OpenStoreAndMetadata(); !s.ok()) return s;
  if (Status s = CreateServices(); !s.ok()) return s;
  if (config_.acl_enable) {
    if (Status s = StartAcl(); !s.ok()) return s;
  }
  StartServices();
  if (Status s = registrar_->Start(); !s.ok()) return s;
  started_ = true;
  RMQ_LOG_INFO("broker %s (%s) started at %s, store %s, %s", config_.broker_name.c_str(),
               config_.broker_cluster_name.c_str(), broker_addr_.c_str(), config_.StorePathRootDir().c_str(),
               config_.flush_disk_type.c_str());
  return Status::OK();
}

Status BrokerController::OpenStoreAndMetadata() {
  store_ = std::make_unique<store::MessageStore>(StoreConfigOf(config_));
  Status s = store_->Open();
  if (!s.ok()) return s;
  if (s = topics_.Load(); !s.ok()) return s;
  if (s = offsets_.Load(); !s.ok()) return s;
  return groups_.Load();
}

Status BrokerController::CreateServices() {
  auto on_stored = [this](const std::string& topic, int32_t queue_id) { OnMessagesStored(topic, queue_id); };
  store::DelayLevelTable delay_levels;
  Status s = store::DelayLevelTable::Parse(config_.message_delay_level, &delay_levels);
  if (!s.ok()) return s;
  schedule_ = std::make_unique<ScheduleMessageService>(
      *store_, config_.StorePathRootDir() + "/config/delayOffset.json", std::move(delay_levels), on_stored);
  if (s = schedule_->Load(); !s.ok()) return s;
  TimerConfig timer_config;
  timer_config.enable = config_.timer_wheel_enable;
  timer_config.max_delay_sec = config_.timer_max_delay_sec;
  timer_config.precision_ms = config_.timer_precision_ms;
  timers_ = std::make_unique<TimerMessageService>(
      *store_, config_.StorePathRootDir() + "/config/timerProgress.json", timer_config, on_stored);
  if (s = timers_->Load(); !s.ok()) return s;
  transaction_check_ = std::make_unique<TransactionCheckService>(server_, config_, clients_);
  transactions_ = std::make_unique<TransactionalMessageService>(
      *store_, offsets_, store_host_, [this](const std::string& group, RemotingCommand&& req) {
        return transaction_check_->SendToProducerGroup(group, std::move(req));
      });
  config_persist_ = std::make_unique<ConfigPersistService>(server_, config_, topics_, offsets_, groups_);
  pulls_ = std::make_unique<PullMessageService>(server_, config_, *store_, topics_, groups_, clients_, offsets_,
                                                &get_message_total);
  flush_waiters_ = std::make_unique<SyncFlushWaiters>(server_, config_, *store_);
  registrar_ = std::make_unique<NamesrvRegistrar>(server_, config_, topics_, broker_addr_);
  return Status::OK();
}

void BrokerController::StartServices() {
  topics_.SetOnChange([this](const std::string& topic, bool deleted) { registrar_->ScheduleRegister(topic, deleted); });
  clients_.SetConsumerChangeListener(
      [this](const std::string& group, const ConsumerGroupInfo& info) { NotifyConsumerIdsChanged(group, info); });
  clients_.Start(server_);
  pulls_->Start();
  flush_waiters_->Start();
  config_persist_->Start();
  schedule_->Start(server_);
  timers_->Start(server_);
  transaction_check_->Start(*transactions_);
}

Status BrokerController::StartAcl() {
  std::string home = config_.RocketmqHome();
  if (home.empty()) {
    return Status::InvalidArgument("aclEnable=true needs rocketmqHome (or ROCKETMQ_HOME) to find conf/plain_acl.yml");
  }
  acl_ = std::make_unique<acl::PlainPermissionManager>(home, config_.acl_plain_file);
  if (Status s = acl_->Load(); !s.ok()) return Status::InvalidArgument("ACL configuration: " + s.message());
  // Java's AclFileWatchService polls every 5 s as well.
  acl_watch_.Add(server_, kAclWatchIntervalMs, kAclWatchIntervalMs, [this] { acl_->ReloadIfChanged(); });
  RMQ_LOG_INFO("acl enabled: %s (+ %s/conf/acl)", acl_->default_file().c_str(), home.c_str());
  return Status::OK();
}

void BrokerController::Shutdown() {
  if (started_) {
    started_ = false;
    // The shutdown list (docs/broker.md): stop taking work, then persist, then the store, then
    // the replies that waited on its last flush, then the config writer.
    registrar_->Stop();  // UNREGISTER_BROKER first: clients stop routing here at once
    acl_watch_.Clear();
    transaction_check_->Stop();
    pulls_->Stop();
    clients_.Stop();
    config_persist_->Stop();  // consumerOffset, topics, subscriptionGroup
    schedule_->Stop();        // delayOffset
    timers_->Stop();          // timerProgress
    store_->Shutdown();
    flush_waiters_->Stop();   // the store's shutdown flush covered them
  }
  if (persist_queue_held_) {
    persist_queue_held_ = false;
    PersistQueue::Default().Stop();  // writes what is queued, joins the writer thread
  }
}

void BrokerController::WhenRegistered(std::function<void()> fn) {
  if (registrar_ != nullptr) registrar_->WhenRegistered(std::move(fn));
  else fn();
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

}  // namespace rmq::server
