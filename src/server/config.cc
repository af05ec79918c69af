#include "server/config.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <variant>

#include "protocol/ext_fields.h"
#include "server/remoting_server.h"

namespace rmq::server {

namespace {

std::string Home() {
  const char* h = getenv("HOME");  // the one environment read: Java's user.home
  return h ? h : ".";
}

// One row of a config table: the Java key, a pointer to the member, and its range.
template <typename Cfg>
struct ConfigKey {
  const char* key;
  std::variant<std::string Cfg::*, int32_t Cfg::*, int64_t Cfg::*, bool Cfg::*> member;
  int64_t min = INT64_MIN;
  int64_t max = INT64_MAX;
};

const ConfigKey<BrokerConfig> kBrokerKeys[] = {
    {"brokerClusterName", &BrokerConfig::broker_cluster_name},
    {"brokerName", &BrokerConfig::broker_name},
    {"brokerId", &BrokerConfig::broker_id, 0},
    {"namesrvAddr", &BrokerConfig::namesrv_addr},
    {"listenPort", &BrokerConfig::listen_port, 1, 65535},
    {"brokerIP1", &BrokerConfig::broker_ip1},
    {"brokerIP2", &BrokerConfig::broker_ip2},
    {"haListenPort", &BrokerConfig::ha_listen_port, 1, 65535},
    {"storePathRootDir", &BrokerConfig::store_path_root_dir},
    {"storePathCommitLog", &BrokerConfig::store_path_commit_log},
    {"autoCreateTopicEnable", &BrokerConfig::auto_create_topic_enable},
    {"autoCreateSubscriptionGroup", &BrokerConfig::auto_create_subscription_group},
    {"defaultTopicQueueNums", &BrokerConfig::default_topic_queue_nums, 1, 1024},
    {"brokerPermission", &BrokerConfig::broker_permission, 0, 15},
    {"clusterTopicEnable", &BrokerConfig::cluster_topic_enable},
    {"brokerTopicEnable", &BrokerConfig::broker_topic_enable},
    {"traceTopicEnable", &BrokerConfig::trace_topic_enable},
    {"traceOn", &BrokerConfig::trace_on},
    {"msgTraceTopicName", &BrokerConfig::msg_trace_topic_name},
    {"transactionTimeOut", &BrokerConfig::transaction_time_out, 0, INT64_MAX},
    {"transactionCheckMax", &BrokerConfig::transaction_check_max, 0, INT32_MAX},
    {"transactionCheckInterval", &BrokerConfig::transaction_check_interval, 1, INT64_MAX},
    {"rejectTransactionMessage", &BrokerConfig::reject_transaction_message},
    {"storeReplyMessageEnable", &BrokerConfig::store_reply_message_enable},
    {"flushDiskType", &BrokerConfig::flush_disk_type},
    {"brokerRole", &BrokerConfig::broker_role},
    {"maxMessageSize", &BrokerConfig::max_message_size, 1, 1024 * 1024 * 1024},
    {"mappedFileSizeCommitLog", &BrokerConfig::mapped_file_size_commit_log, 4096, INT64_MAX},
    {"mappedFileSizeConsumeQueue", &BrokerConfig::mapped_file_size_consume_queue, 20, INT32_MAX},
    {"flushIntervalCommitLog", &BrokerConfig::flush_interval_commit_log, 1, INT32_MAX},
    {"flushCommitLogLeastPages", &BrokerConfig::flush_commit_log_least_pages, 0, INT32_MAX},
    {"flushIntervalConsumeQueue", &BrokerConfig::flush_interval_consume_queue, 1, INT32_MAX},
    {"syncFlushTimeout", &BrokerConfig::sync_flush_timeout, 1, INT64_MAX},
    {"longPollingEnable", &BrokerConfig::long_polling_enable},
    {"shortPollingTimeMills", &BrokerConfig::short_polling_time_mills, 0, INT64_MAX},
    {"registerNameServerPeriod", &BrokerConfig::register_name_server_period, 1000, INT32_MAX},
    {"compressedRegister", &BrokerConfig::compressed_register},
    {"enablePropertyFilter", &BrokerConfig::enable_property_filter},
    {"filterSupportRetry", &BrokerConfig::filter_support_retry},
    {"messageDelayLevel", &BrokerConfig::message_delay_level},
    {"timerWheelEnable", &BrokerConfig::timer_wheel_enable},
    {"timerMaxDelaySec", &BrokerConfig::timer_max_delay_sec, 1, INT64_MAX / 1000},
    {"timerPrecisionMs", &BrokerConfig::timer_precision_ms, 1, 3600 * 1000},
    {"fileReservedTime", &BrokerConfig::file_reserved_time, 0, INT32_MAX},
    {"deleteWhen", &BrokerConfig::delete_when},
    {"flushConsumerOffsetInterval", &BrokerConfig::flush_consumer_offset_interval, 100, INT32_MAX},
    {"diskMaxUsedSpaceRatio", &BrokerConfig::disk_max_used_space_ratio, 0, 100},
    {"cleanFileForciblyEnable", &BrokerConfig::clean_file_forcibly_enable},
    {"cleanResourceInterval", &BrokerConfig::clean_resource_interval, 1, INT32_MAX},
    {"maxFrameSize", &BrokerConfig::max_frame_size, 1024, INT32_MAX},
    {"serverChannelMaxIdleTimeSeconds", &BrokerConfig::server_channel_max_idle_time_seconds, 0, INT32_MAX},
    {"writeBufferHighWaterMark", &BrokerConfig::write_buffer_high_water_mark, 0, INT32_MAX},
    {"writeBufferLowWaterMark", &BrokerConfig::write_buffer_low_water_mark, 0, INT32_MAX},
    {"remotingMemoryLimit", &BrokerConfig::remoting_memory_limit, 1024 * 1024, INT64_MAX},
    {"frameReadTimeoutMillis", &BrokerConfig::frame_read_timeout_millis, 0, INT64_MAX},
    {"brokerFastFailureEnable", &BrokerConfig::broker_fast_failure_enable},
    {"waitTimeMillsInSendQueue", &BrokerConfig::wait_time_mills_in_send_queue, 0, INT64_MAX},
    {"osPageCacheBusyTimeOutMills", &BrokerConfig::os_page_cache_busy_time_out_mills, 0, INT32_MAX},
    {"sendThreadPoolQueueCapacity", &BrokerConfig::send_thread_pool_queue_capacity, 1, INT32_MAX},
    {"transientStorePoolEnable", &BrokerConfig::transient_store_pool_enable},
    {"transientStorePoolSize", &BrokerConfig::transient_store_pool_size, 1, 1024},
    {"commitIntervalCommitLog", &BrokerConfig::commit_interval_commit_log, 1, INT32_MAX},
    {"commitCommitLogLeastPages", &BrokerConfig::commit_commit_log_least_pages, 0, INT32_MAX},
    {"commitCommitLogThoroughInterval", &BrokerConfig::commit_commit_log_thorough_interval, 0, INT32_MAX},
    {"defaultQueryMaxNum", &BrokerConfig::default_query_max_num, 1, INT32_MAX},
    {"maxHashSlotNum", &BrokerConfig::max_hash_slot_num, 1, INT32_MAX},
    {"maxIndexNum", &BrokerConfig::max_index_num, 2, 100000000},
    {"regionId", &BrokerConfig::region_id},
    {"aclEnable", &BrokerConfig::acl_enable},
    {"rocketmqHome", &BrokerConfig::rocketmq_home},
    {"rocketmq.acl.plain.file", &BrokerConfig::acl_plain_file},
    {"namesrvListenPort", &BrokerConfig::namesrv_listen_port, 1, 65535},
};

const ConfigKey<NamesrvConfig> kNamesrvKeys[] = {
    {"listenPort", &NamesrvConfig::listen_port, 1, 65535},
    {"kvConfigPath", &NamesrvConfig::kv_config_path},
    {"orderMessageEnable", &NamesrvConfig::order_message_enable},
    {"scanNotActiveBrokerInterval", &NamesrvConfig::scan_not_active_broker_interval, 100, INT64_MAX},
    {"maxFrameSize", &NamesrvConfig::max_frame_size, 1024, INT32_MAX},
    {"serverChannelMaxIdleTimeSeconds", &NamesrvConfig::server_channel_max_idle_time_seconds, 0, INT32_MAX},
    {"writeBufferHighWaterMark", &NamesrvConfig::write_buffer_high_water_mark, 0, INT32_MAX},
    {"writeBufferLowWaterMark", &NamesrvConfig::write_buffer_low_water_mark, 0, INT32_MAX},
    {"remotingMemoryLimit", &NamesrvConfig::remoting_memory_limit, 1024 * 1024, INT64_MAX},
    {"frameReadTimeoutMillis", &NamesrvConfig::frame_read_timeout_millis, 0, INT64_MAX},
};

template <typename Cfg, size_t N>
Status Apply(const ConfigKey<Cfg> (&table)[N], const std::map<std::string, std::string>& props, Cfg* cfg,
             std::vector<std::string>* unknown) {
  for (const auto& kv : props) {
    // Named references, not a structured binding: clang before 16 (the fuzz build) cannot
    // capture a binding in the lambda below.
    const std::string& key = kv.first;
    const std::string& value = kv.second;
    const ConfigKey<Cfg>* row = nullptr;
    for (const auto& r : table)
      if (key == r.key) row = &r;
    if (row == nullptr) {
      if (unknown) unknown->push_back(key);
      continue;
    }
    auto bad = [&](const char* why) {
      return Status::InvalidArgument("config key " + key + "=" + value + ": " + why);
    };
    if (auto* s = std::get_if<std::string Cfg::*>(&row->member)) {
      cfg->*(*s) = value;
    } else if (auto* b = std::get_if<bool Cfg::*>(&row->member)) {
      if (value == "true" || value == "TRUE" || value == "True") cfg->*(*b) = true;
      else if (value == "false" || value == "FALSE" || value == "False") cfg->*(*b) = false;
      else return bad("expected true or false");
    } else {
      int64_t v;
      if (!protocol::ParseInt64(value, &v)) return bad("expected an integer");
      if (v < row->min || v > row->max) return bad("out of range");
      if (auto* i = std::get_if<int32_t Cfg::*>(&row->member)) {
        if (v < INT32_MIN || v > INT32_MAX) return bad("out of range");
        cfg->*(*i) = static_cast<int32_t>(v);
      } else {
        cfg->*(std::get<int64_t Cfg::*>(row->member)) = v;
      }
    }
  }
  return Status::OK();
}

}  // namespace

std::string BrokerConfig::StorePathRootDir() const {
  return store_path_root_dir.empty() ? Home() + "/store" : store_path_root_dir;
}

std::string BrokerConfig::RocketmqHome() const {
  if (!rocketmq_home.empty()) return rocketmq_home;
  const char* h = getenv("ROCKETMQ_HOME");  // Java: -Drocketmq.home.dir, else this variable
  return h ? h : "";
}

Status ParseProperties(const std::string& text, const std::string& origin, std::map<std::string, std::string>* out) {
  std::istringstream in(text);
  std::string line, logical;
  int lineno = 0;
  auto trim = [](std::string s) {
    size_t b = s.find_first_not_of(" \t\r\f");
    if (b == std::string::npos) return std::string();
    size_t e = s.find_last_not_of(" \t\r\f");
    return s.substr(b, e - b + 1);
  };
  while (std::getline(in, line)) {
    ++lineno;
    std::string t = trim(line);
    if (logical.empty() && (t.empty() || t[0] == '#' || t[0] == '!')) continue;
    if (!t.empty() && t.back() == '\\') {
      logical += t.substr(0, t.size() - 1);
      continue;
    }
    logical += t;
    if (logical.empty()) continue;
    size_t sep = logical.find_first_of("=: \t");
    std::string key = trim(logical.substr(0, sep));
    std::string value;
    if (sep != std::string::npos) {
      value = trim(logical.substr(sep + 1));
      if (!value.empty() && (value[0] == '=' || value[0] == ':') && logical[sep] != '=' && logical[sep] != ':') {
        value = trim(value.substr(1));
      }
    }
    if (key.empty()) return Status::InvalidArgument(origin + ":" + std::to_string(lineno) + ": no key");
    (*out)[key] = value;
    logical.clear();
  }
  return Status::OK();
}

Status ApplyBrokerConfig(const std::map<std::string, std::string>& props, BrokerConfig* cfg, std::vector<std::string>* unknown) {
  Status s = Apply(kBrokerKeys, props, cfg, unknown);
  if (!s.ok()) return s;
  if (cfg->flush_disk_type != "ASYNC_FLUSH" && cfg->flush_disk_type != "SYNC_FLUSH") {
    return Status::InvalidArgument("config key flushDiskType=" + cfg->flush_disk_type + ": expected ASYNC_FLUSH or SYNC_FLUSH");
  }
  if (cfg->broker_role != "ASYNC_MASTER" && cfg->broker_role != "SYNC_MASTER" && cfg->broker_role != "SLAVE") {
    return Status::InvalidArgument("config key brokerRole=" + cfg->broker_role + ": expected ASYNC_MASTER, SYNC_MASTER or SLAVE");
  }
  if (cfg->broker_ip2.empty()) cfg->broker_ip2 = cfg->broker_ip1;
  if (props.find("haListenPort") == props.end()) cfg->ha_listen_port = cfg->listen_port + 1;
  return Status::OK();
}

Status ApplyNamesrvConfig(const std::map<std::string, std::string>& props, NamesrvConfig* cfg, std::vector<std::string>* unknown) {
  Status s = Apply(kNamesrvKeys, props, cfg, unknown);
  if (!s.ok()) return s;
  if (cfg->kv_config_path.empty()) cfg->kv_config_path = Home() + "/namesrv/kvConfig.json";
  return Status::OK();
}

std::string BrokerConfigToProperties(const BrokerConfig& cfg) {
  std::string out;
  for (const auto& row : kBrokerKeys) {
    out += row.key;
    out += '=';
    std::visit([&](auto m) {
      using T = std::decay_t<decltype(cfg.*m)>;
      if constexpr (std::is_same_v<T, std::string>) out += cfg.*m;
      else if constexpr (std::is_same_v<T, bool>) out += (cfg.*m) ? "true" : "false";
      else out += std::to_string(cfg.*m);
    }, row.member);
    out += '\n';
  }
  return out;
}

Status ReadFileToString(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::IOError("cannot open " + path);
  std::ostringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return Status::OK();
}

namespace {
template <typename Cfg>
RemotingLimits LimitsOf(const Cfg& cfg) {
  RemotingLimits l;
  l.max_frame_size = static_cast<uint32_t>(cfg.max_frame_size);
  // Java's 0 for the water marks means "Netty's default"; rmqd's defaults stand in for it.
  if (cfg.write_buffer_high_water_mark > 0) l.write_high_water = static_cast<size_t>(cfg.write_buffer_high_water_mark);
  if (cfg.write_buffer_low_water_mark > 0) l.write_low_water = static_cast<size_t>(cfg.write_buffer_low_water_mark);
  l.memory_limit = static_cast<size_t>(cfg.remoting_memory_limit);
  l.max_idle_ms = static_cast<uint64_t>(cfg.server_channel_max_idle_time_seconds) * 1000;
  l.frame_timeout_ms = static_cast<uint64_t>(cfg.frame_read_timeout_millis);
  return l;
}
}  // namespace

RemotingLimits ToRemotingLimits(const BrokerConfig& cfg) { return LimitsOf(cfg); }
RemotingLimits ToRemotingLimits(const NamesrvConfig& cfg) { return LimitsOf(cfg); }

}  // namespace rmq::server
