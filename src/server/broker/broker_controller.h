// BrokerController: the broker role's composition root (mirrors Java's BrokerController, minus
// the thread pools: everything here runs on the loop thread). It builds the store, the metadata
// managers and every service, wires them to each other, starts them in order and stops them in
// one ordered shutdown list. It owns no timers and no protocol logic of its own; the handlers
// reach the services through it. The services (each with its own Start/Stop and timers):
//   ConfigPersistService     metadata files on their periods        config_persist_service.h
//   ClientManager            heartbeats, channel expiry              client_manager.h
//   PullMessageService       pull checks, filters, long polling      pull_message_service.h
//   SyncFlushWaiters         SYNC_FLUSH replies                      sync_flush_waiters.h
//   ScheduleMessageService   delay levels                            schedule_message_service.h
//   TimerMessageService      timer wheel                             timer_message_service.h
//   TransactionCheckService  half-message checks, producer callback  transaction_check_service.h
//   NamesrvRegistrar         REGISTER_BROKER rounds and answers      namesrv_registrar.h
// docs/broker.md lists the timers and the shutdown order.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "acl/plain_permission_manager.h"
#include "protocol/remoting_command.h"
#include "server/broker/client_manager.h"
#include "server/broker/config_persist_service.h"
#include "server/broker/consumer_offset_manager.h"
#include "server/broker/namesrv_registrar.h"
#include "server/broker/pull_message_service.h"
#include "server/broker/schedule_message_service.h"
#include "server/broker/subscription_group_manager.h"
#include "server/broker/sync_flush_waiters.h"
#include "server/broker/timer_message_service.h"
#include "server/broker/topic_config_manager.h"
#include "server/broker/transaction_check_service.h"
#include "server/broker/transactional_message_service.h"
#include "server/config.h"
#include "server/remoting_server.h"
#include "server/service_timers.h"
#include "store/message_store.h"

namespace rmq::server {

class BrokerController {
 public:
  BrokerController(RemotingServer& server, BrokerConfig config);
  ~BrokerController();
  // Opens the store and metadata, starts every service and NameServer registration.
  Status Start();
  // Stops the services in order (see docs/broker.md), flushes and persists everything. Idempotent.
  void Shutdown();

  const BrokerConfig& config() const { return config_; }
  BrokerConfig& mutable_config() { return config_; }
  RemotingServer& server() { return server_; }
  store::MessageStore& store() { return *store_; }
  TopicConfigManager& topics() { return topics_; }
  ConsumerOffsetManager& offsets() { return offsets_; }
  SubscriptionGroupManager& groups() { return groups_; }
  ClientManager& clients() { return clients_; }
  ScheduleMessageService& schedule() { return *schedule_; }
  TimerMessageService& timers() { return *timers_; }
  TransactionalMessageService& transactions() { return *transactions_; }
  PullMessageService& pulls() { return *pulls_; }
  NamesrvRegistrar& registrar() { return *registrar_; }
  // The ACL 1.0 state when aclEnable=true, else null (Dispatcher's gate checks it).
  acl::PlainPermissionManager* acl() { return acl_.get(); }
  const store::HostAddress& store_host() const { return store_host_; }
  const std::string& broker_addr() const { return broker_addr_; }
  int64_t boot_timestamp() const { return boot_timestamp_; }

  // Answers a send after its append (SyncFlushWaiters::ReplyAfterPut).
  void ReplyAfterPut(const ReplyTarget& to, int64_t end_offset, bool wait_store, protocol::RemotingCommand&& resp) {
    flush_waiters_->ReplyAfterPut(to, end_offset, wait_store, std::move(resp));
  }
  // Tells long-polling pulls on topic/queue that messages arrived.
  void OnMessagesStored(const std::string& topic, int32_t queue_id) {
    if (pulls_ != nullptr) pulls_->OnMessagesStored(topic, queue_id);
  }
  // NamesrvRegistrar::WhenRegistered (at once before Start).
  void WhenRegistered(std::function<void()> fn);
  void NotifyConsumerIdsChanged(const std::string& group, const ConsumerGroupInfo& info);

  // Runtime counters for GET_BROKER_RUNTIME_INFO.
  int64_t put_message_total = 0;
  int64_t get_message_total = 0;
  int64_t flow_control_refused = 0;  // sends answered SYSTEM_BUSY by the dispatcher's flow control

  // Sends stored and waiting for their SYNC_FLUSH (flow control's sendThreadPoolQueueCapacity).
  size_t sends_waiting_for_flush() const { return flush_waiters_ ? flush_waiters_->size() : 0; }

 private:
  Status OpenStoreAndMetadata();
  Status CreateServices();
  Status StartAcl();
  void StartServices();

  RemotingServer& server_;
  BrokerConfig config_;
  std::unique_ptr<store::MessageStore> store_;
  TopicConfigManager topics_;
  ConsumerOffsetManager offsets_;
  SubscriptionGroupManager groups_;
  ClientManager clients_;
  std::unique_ptr<acl::PlainPermissionManager> acl_;
  // Created in Start, after the store opens.
  std::unique_ptr<ConfigPersistService> config_persist_;
  std::unique_ptr<PullMessageService> pulls_;
  std::unique_ptr<SyncFlushWaiters> flush_waiters_;
  std::unique_ptr<ScheduleMessageService> schedule_;
  std::unique_ptr<TimerMessageService> timers_;
  std::unique_ptr<TransactionalMessageService> transactions_;
  std::unique_ptr<TransactionCheckService> transaction_check_;
  std::unique_ptr<NamesrvRegistrar> registrar_;
  ServiceTimers acl_watch_;
  store::HostAddress store_host_;
  std::string broker_addr_;
  int64_t boot_timestamp_ = 0;
  bool persist_queue_held_ = false;  // PersistQueue::Default().Start() was called
  bool started_ = false;
};

// Parses "a.b.c.d:port" into a store HostAddress.
bool ParseHostAddress(const std::string& addr, store::HostAddress* out);

}  // namespace rmq::server
