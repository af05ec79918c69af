// Broker and NameServer configuration: structs whose initialisers are Java's defaults, and
// one table per struct that drives loading Java-properties files, range checks and
// GET_BROKER_CONFIG. Key names are Java's, spelled exactly.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace rmq::server {

struct RemotingLimits;

// Mirrors BrokerConfig + NettyServerConfig + the MessageStoreConfig keys rmqd uses.
struct BrokerConfig {
  std::string broker_cluster_name = "DefaultCluster";
  std::string broker_name = "broker-a";
  int64_t broker_id = 0;
  std::string namesrv_addr;                 // "host:port;host:port"
  int32_t listen_port = 10911;
  std::string broker_ip1 = "127.0.0.1";     // Java: the first non-loopback address
  std::string broker_ip2;                   // HA address; defaults to brokerIP1
  int32_t ha_listen_port = 10912;
  std::string store_path_root_dir;          // default: $HOME/store
  std::string store_path_commit_log;        // default: <root>/commitlog
  bool auto_create_topic_enable = true;
  bool auto_create_subscription_group = true;
  int32_t default_topic_queue_nums = 8;
  int32_t broker_permission = 6;
  bool cluster_topic_enable = true;
  bool broker_topic_enable = true;
  bool trace_topic_enable = false;
  bool trace_on = true;  // traceOn: the TRACE_ON field of a SEND_MESSAGE response
  std::string msg_trace_topic_name = "RMQ_SYS_TRACE_TOPIC";
  // Transactions (Java 4.9 defaults) and request-reply.
  int64_t transaction_time_out = 6000;
  int32_t transaction_check_max = 15;
  int64_t transaction_check_interval = 60000;
  bool reject_transaction_message = false;
  bool store_reply_message_enable = true;
  std::string flush_disk_type = "ASYNC_FLUSH";
  std::string broker_role = "ASYNC_MASTER";
  int32_t max_message_size = 4 * 1024 * 1024;
  int64_t mapped_file_size_commit_log = 1024LL * 1024 * 1024;
  int32_t mapped_file_size_consume_queue = 300000 * 20;
  int32_t flush_interval_commit_log = 500;
  int32_t flush_commit_log_least_pages = 4;
  int32_t flush_interval_consume_queue = 1000;
  int64_t sync_flush_timeout = 5000;
  bool long_polling_enable = true;
  int64_t short_polling_time_mills = 1000;
  int32_t register_name_server_period = 30000;
  // Java 4.9.7's compressedRegister (default false): REGISTER_BROKER bodies in the compressed form.
  // rmqd also compresses, whatever this says, a body that would exceed kCompressRegisterAboveBytes
  // as JSON (both Java 4.9.7's NameServer and rmqd's accept it).
  bool compressed_register = false;
  bool enable_property_filter = false;
  bool filter_support_retry = false;  // SQL92 filters also apply to %RETRY% messages
  std::string message_delay_level = "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h";
  // 5.x timer messages (TIMER_DELIVER_MS / TIMER_DELAY_SEC / TIMER_DELAY_MS); on by default, as in 5.x.
  bool timer_wheel_enable = true;
  int64_t timer_max_delay_sec = 259200;
  int32_t timer_precision_ms = 1000;
  int32_t file_reserved_time = 72;
  std::string delete_when = "04";
  int32_t flush_consumer_offset_interval = 5000;  // ms, consumerOffset.json
  int32_t disk_max_used_space_ratio = 75;
  bool clean_file_forcibly_enable = true;
  int32_t clean_resource_interval = 10000;
  int32_t max_frame_size = 16 * 1024 * 1024;  // com.rocketmq.remoting.frameMaxLength
  // What clients can make the server hold (server/remoting_server.h RemotingLimits).
  int32_t server_channel_max_idle_time_seconds = 120;  // Java NettyServerConfig
  int32_t write_buffer_high_water_mark = 1024 * 1024;  // Java's key; Java's 0 means Netty's 64 KiB
  int32_t write_buffer_low_water_mark = 512 * 1024;
  int64_t remoting_memory_limit = 1024LL * 1024 * 1024;  // rmqd: all connections' buffers
  int64_t frame_read_timeout_millis = 30000;             // rmqd: plus 1 s per 64 KiB of the frame
  // Flow control for sends (server/broker/flow_control.h); Java 4.9's names and defaults.
  bool broker_fast_failure_enable = true;
  int64_t wait_time_mills_in_send_queue = 200;
  int32_t os_page_cache_busy_time_out_mills = 1000;  // Java: osPageCacheBusyTimeOutMills
  int32_t send_thread_pool_queue_capacity = 10000;
  // Write buffer then commit (store/flush_service.h CommitService); only with ASYNC_FLUSH on a master.
  bool transient_store_pool_enable = false;
  int32_t transient_store_pool_size = 5;
  int32_t commit_interval_commit_log = 200;
  int32_t commit_commit_log_least_pages = 4;
  int32_t commit_commit_log_thorough_interval = 200;
  int32_t default_query_max_num = 32;
  int32_t max_hash_slot_num = 5000000;
  int32_t max_index_num = 5000000 * 4;
  std::string region_id = "DefaultRegion";
  bool acl_enable = false;
  // ACL 1.0 files live under ROCKETMQ_HOME as in Java: <rocketmqHome>/<rocketmq.acl.plain.file>
  // and <rocketmqHome>/conf/acl/*.yml. Default home: the ROCKETMQ_HOME environment variable.
  std::string rocketmq_home;
  std::string acl_plain_file = "conf/plain_acl.yml";  // Java's -Drocketmq.acl.plain.file
  // rmqd only: the NameServer port when running standalone.
  int32_t namesrv_listen_port = 9876;

  std::string StorePathRootDir() const;
  std::string RocketmqHome() const;  // rocketmqHome, else $ROCKETMQ_HOME, else ""
};

// Mirrors NamesrvConfig + NettyServerConfig.
struct NamesrvConfig {
  int32_t listen_port = 9876;
  std::string kv_config_path;       // default: $HOME/namesrv/kvConfig.json
  bool order_message_enable = false;
  int64_t scan_not_active_broker_interval = 10000;
  int64_t broker_channel_expired_time = 120000;
  int32_t max_frame_size = 16 * 1024 * 1024;
  // What clients can make the server hold (server/remoting_server.h RemotingLimits).
  int32_t server_channel_max_idle_time_seconds = 120;  // Java NettyServerConfig
  int32_t write_buffer_high_water_mark = 1024 * 1024;  // Java's key; Java's 0 means Netty's 64 KiB
  int32_t write_buffer_low_water_mark = 512 * 1024;
  int64_t remoting_memory_limit = 1024LL * 1024 * 1024;  // rmqd: all connections' buffers
  int64_t frame_read_timeout_millis = 30000;             // rmqd: plus 1 s per 64 KiB of the frame
};

// Parses Java properties text into key/value pairs (comments '#' '!', separators '=' ':' or
// whitespace, backslash line continuation). `origin` names the source in error messages.
Status ParseProperties(const std::string& text, const std::string& origin, std::map<std::string, std::string>* out);

// Applies properties to a config. Unknown keys are appended to `unknown` (Java ignores them;
// rmqd reports them). A malformed or out-of-range value is an error naming key and value.
Status ApplyBrokerConfig(const std::map<std::string, std::string>& props, BrokerConfig* cfg, std::vector<std::string>* unknown);
Status ApplyNamesrvConfig(const std::map<std::string, std::string>& props, NamesrvConfig* cfg, std::vector<std::string>* unknown);

// Every known key with its current value, as GET_BROKER_CONFIG prints it ("key=value\n").
std::string BrokerConfigToProperties(const BrokerConfig& cfg);

// The remoting limits either config names.
RemotingLimits ToRemotingLimits(const BrokerConfig& cfg);
RemotingLimits ToRemotingLimits(const NamesrvConfig& cfg);

// Reads a file's contents.
Status ReadFileToString(const std::string& path, std::string* out);

}  // namespace rmq::server
