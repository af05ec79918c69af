// ConfigPersistService: when the broker's metadata files reach disk. consumerOffset.json every
// flushConsumerOffsetInterval (Java's persist task), topics.json and subscriptionGroup.json at
// most once per kConfigPersistIntervalMs (CoalescedPersist's trailing edge), and all three on
// Stop. The writes themselves go through the controller-owned PersistQueue. Users: the
// controller; the HA issue's slave sync (Java's SlaveSynchronize) replaces these files and
// reuses this schedule. Loop thread only.
#pragma once

#include "server/broker/consumer_offset_manager.h"
#include "server/broker/subscription_group_manager.h"
#include "server/broker/topic_config_manager.h"
#include "server/config.h"
#include "server/remoting_server.h"
#include "server/service_timers.h"

namespace rmq::server {

class ConfigPersistService {
 public:
  ConfigPersistService(RemotingServer& server, const BrokerConfig& config, TopicConfigManager& topics,
                       ConsumerOffsetManager& offsets, SubscriptionGroupManager& groups)
      : server_(server), config_(config), topics_(topics), offsets_(offsets), groups_(groups) {}
  ConfigPersistService(const ConfigPersistService&) = delete;
  ConfigPersistService& operator=(const ConfigPersistService&) = delete;

  void Start();
  // Removes the timers and queues a write of every file with changes not on disk yet.
  void Stop();

 private:
  RemotingServer& server_;
  const BrokerConfig& config_;
  TopicConfigManager& topics_;
  ConsumerOffsetManager& offsets_;
  SubscriptionGroupManager& groups_;
  ServiceTimers timers_;
};

}  // namespace rmq::server
