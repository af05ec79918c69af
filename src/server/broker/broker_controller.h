// BrokerController: the broker role. Owns the store and the metadata managers, registers
// with the NameServers, parks long-polling pulls and SYNC_FLUSH replies (mirrors Java's
// BrokerController, minus the thread pools: everything here runs on the loop thread).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "acl/plain_permission_manager.h"
#include "protocol/headers/message_headers.h"
#include "protocol/remoting_command.h"
#include "server/broker/client_manager.h"
#include "server/broker/consumer_offset_manager.h"
#include "server/broker/pull_request_hold_service.h"
#include "server/broker/schedule_message_service.h"
#include "server/broker/subscription_group_manager.h"
#include "server/broker/timer_message_service.h"
#include "server/broker/topic_config_manager.h"
#include "server/broker/transactional_message_service.h"
#include "server/config.h"
#include "server/register_broker_body.h"
#include "server/remoting_server.h"
#include "store/message_store.h"

namespace rmq::server {

class BrokerController {
 public:
  BrokerController(RemotingServer& server, BrokerConfig config);
  ~BrokerController();
  // Opens the store and metadata, starts timers and NameServer registration.
  Status Start();
  // Unregisters, flushes and persists everything. Idempotent.
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
  // The ACL 1.0 state when aclEnable=true, else null (Dispatcher's gate checks it).
  acl::PlainPermissionManager* acl() { return acl_.get(); }
  const store::HostAddress& store_host() const { return store_host_; }
  const std::string& broker_addr() const { return broker_addr_; }
  int64_t boot_timestamp() const { return boot_timestamp_; }

  // Answers a send after its append: at once, or, under SYNC_FLUSH with WAIT=true, when the
  // flush thread has synced past the message (group commit), or FLUSH_DISK_TIMEOUT.
  void ReplyAfterPut(const ReplyTarget& to, int64_t end_offset, bool wait_store, protocol::RemotingCommand&& resp);
  // Tells long-polling pulls on topic/queue that messages arrived.
  void OnMessagesStored(const std::string& topic, int32_t queue_id);

  // The pull path. Returns true when the pull was parked (answered later).
  bool ProcessPull(const protocol::PullMessageRequestHeader& h, const ReplyTarget& to, bool allow_suspend,
                   protocol::RemotingCommand* resp);

  // Re-registers with every NameServer soon after a topic change: the changed topics only (Java's
  // registerIncrementBrokerData) to a NameServer that has the rest, else the whole table.
  void ScheduleRegister(const std::string& topic, bool deleted);
  // Runs `fn` once the registration that carries the latest topic change has been answered by
  // every NameServer (or failed), at once when none is pending. Java answers
  // UPDATE_AND_CREATE_TOPIC and heartbeats that create a retry topic only after registering, so
  // a client that asks for the route next finds it.
  void WhenRegistered(std::function<void()> fn);
  void NotifyConsumerIdsChanged(const std::string& group, const ConsumerGroupInfo& info);

  // Runtime counters for GET_BROKER_RUNTIME_INFO.
  int64_t put_message_total = 0;
  int64_t get_message_total = 0;
  int64_t flow_control_refused = 0;  // sends answered SYSTEM_BUSY by the dispatcher's flow control

  // Sends stored and waiting for their SYNC_FLUSH (flow control's sendThreadPoolQueueCapacity).
  size_t sends_waiting_for_flush() const { return flush_waiters_.size(); }

 private:
  Status StartAcl();
  struct RegisterRound {
    int pending = 0;
    std::vector<std::function<void()>> waiters;
  };
  // A REGISTER_BROKER body ready to send; `ok` is false when it could not be built or would not
  // fit in a frame (then it is not sent; the error is logged once per data version).
  struct RegisterBody {
    bool ok = false;
    bool compressed = false;
    size_t topics = 0;
    DataVersion version;
    std::string bytes;
    int32_t crc = 0;
  };
  // Full: the whole topic table to every NameServer (start, the periodic round, retries).
  // Increment: the topics changed since the last round to NameServers whose last registration
  // succeeded on the current connection, the whole table to the others.
  enum class RegisterKind { kFull, kIncrement };
  void RegisterBrokerAll(RegisterKind kind = RegisterKind::kFull);
  void SendRegister(size_t i, const RegisterBody& body, std::shared_ptr<RegisterRound> round);
  // The full body, encoded once per data version (the periodic round re-sends cached bytes).
  const RegisterBody& FullRegisterBody();
  RegisterBody BuildRegisterBody(const TopicTable& table, const DataVersion& dv, bool full);
  static void FinishRound(const std::shared_ptr<RegisterRound>& round);
  void OnFlushed(int64_t flushed);
  void CheckFlushTimeouts();
  // Sends a broker -> producer request (CHECK_TRANSACTION_STATE) to one live channel of `group`.
  bool SendToProducerGroup(const std::string& group, protocol::RemotingCommand&& req);

  RemotingServer& server_;
  BrokerConfig config_;
  std::unique_ptr<store::MessageStore> store_;
  TopicConfigManager topics_;
  ConsumerOffsetManager offsets_;
  SubscriptionGroupManager groups_;
  ClientManager clients_;
  PullRequestHoldService holds_;
  std::unique_ptr<acl::PlainPermissionManager> acl_;
  std::unique_ptr<ScheduleMessageService> schedule_;  // created in Start, after the store opens
  std::unique_ptr<TimerMessageService> timers_;       // likewise
  std::unique_ptr<TransactionalMessageService> transactions_;  // likewise
  store::HostAddress store_host_;
  std::string broker_addr_;
  int64_t boot_timestamp_ = 0;
  bool started_ = false;
  bool register_scheduled_ = false;
  std::vector<std::function<void()>> next_round_waiters_;
  std::set<std::string> register_pending_topics_;  // changed since the last round was built
  bool register_full_pending_ = false;              // a delete: only a full round covers it
  RegisterBody full_body_;                          // cache of FullRegisterBody()
  bool full_body_valid_ = false;
  DataVersion oversize_logged_;                     // the version whose oversize body was reported
  uint64_t oversize_logged_ms_ = 0;

  struct NamesrvLink {
    std::string host;
    int port = 0;
    ConnectionId conn = 0;
    bool connecting = false;
    bool in_flight = false;
    // The last REGISTER_BROKER on `conn` was answered with SUCCESS; until then every round sends
    // this NameServer the whole table, and the retry timer keeps trying.
    bool registered = false;
    ConnectionId registered_conn = 0;
    // LogRegisterError's throttle: the last reason logged, when, and failures since not logged.
    std::string last_error;
    uint64_t last_error_ms = 0;
    int errors_unlogged = 0;
  };
  // Logs a failed or refused registration as an ERROR: at once when the reason is new, then at
  // most every kRegisterErrorLogIntervalMs while the same reason repeats on each retry.
  void LogRegisterError(NamesrvLink& n, const std::string& what);
  std::vector<NamesrvLink> namesrvs_;

  struct FlushWaiter {
    ReplyTarget to;
    protocol::RemotingCommand resp;
    uint64_t deadline_ms;
  };
  std::multimap<int64_t, FlushWaiter> flush_waiters_;  // end offset -> reply
};

// Parses "a.b.c.d:port" into a store HostAddress.
bool ParseHostAddress(const std::string& addr, store::HostAddress* out);

}  // namespace rmq::server
