#include <doctest/doctest.h>

#include <algorithm>

#include "server/config.h"

using namespace rmq;
using namespace rmq::server;

namespace {

using Props = std::map<std::string, std::string>;

Props Parse(const std::string& text) {
  Props p;
  Status s = ParseProperties(text, "broker.conf", &p);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return p;
}

bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

// ---- ParseProperties ------------------------------------------------------------------------

TEST_CASE("properties: key=value, key: value and key value") {
  Props p = Parse("a=1\nb: 2\nc 3\nd\t4\n");
  CHECK(p.size() == 4);
  CHECK(p["a"] == "1");
  CHECK(p["b"] == "2");
  CHECK(p["c"] == "3");
  CHECK(p["d"] == "4");
}

TEST_CASE("properties: comments with # and ! and blank lines") {
  Props p = Parse("# comment\n! also a comment\n\n   \n  # indented comment\nk=v\n");
  CHECK(p.size() == 1);
  CHECK(p["k"] == "v");
}

TEST_CASE("properties: spaces around key, separator and value are trimmed") {
  Props p = Parse("   brokerName   =   broker-b   \n  listenPort :  10921\n x   =   y z  \n");
  CHECK(p["brokerName"] == "broker-b");
  CHECK(p["listenPort"] == "10921");
  CHECK(p["x"] == "y z");
}

TEST_CASE("properties: only the first separator splits") {
  Props p = Parse("namesrvAddr=127.0.0.1:9876;127.0.0.2:9876\nurl = a=b\n");
  CHECK(p["namesrvAddr"] == "127.0.0.1:9876;127.0.0.2:9876");
  CHECK(p["url"] == "a=b");
}

TEST_CASE("properties: key without value") {
  Props p = Parse("empty=\nbare\n");
  CHECK(p.count("empty") == 1);
  CHECK(p["empty"].empty());
  CHECK(p.count("bare") == 1);
  CHECK(p["bare"].empty());
}

TEST_CASE("properties: backslash continues a line") {
  Props p = Parse("messageDelayLevel=1s 5s \\\n    10s 30s\nnext=1\n");
  CHECK(p["messageDelayLevel"] == "1s 5s 10s 30s");
  CHECK(p["next"] == "1");
}

TEST_CASE("properties: continuation over several lines, comment char inside") {
  Props p = Parse("a=x\\\n#not-a-comment\\\ny\n");
  CHECK(p["a"] == "x#not-a-commenty");
}

TEST_CASE("properties: CRLF line endings") {
  Props p = Parse("brokerName=b1\r\nlistenPort=10911\r\n# c\r\nmulti=a \\\r\n b\r\n");
  CHECK(p["brokerName"] == "b1");
  CHECK(p["listenPort"] == "10911");
  CHECK(p["multi"] == "a b");
}

TEST_CASE("properties: no trailing newline and last duplicate wins") {
  Props p = Parse("k=1\nk=2");
  CHECK(p["k"] == "2");
}

TEST_CASE("properties: a line with only a separator has no key") {
  Props p;
  Status s = ParseProperties("ok=1\n=value\n", "x.conf", &p);
  CHECK(s.IsInvalidArgument());
  CHECK(Contains(s.message(), "x.conf:2"));
}

// ---- ApplyBrokerConfig ----------------------------------------------------------------------

TEST_CASE("broker config: defaults are Java's") {
  BrokerConfig c;
  std::vector<std::string> unknown;
  REQUIRE(ApplyBrokerConfig({}, &c, &unknown).ok());
  CHECK(unknown.empty());
  CHECK(c.broker_cluster_name == "DefaultCluster");
  CHECK(c.broker_name == "broker-a");
  CHECK(c.broker_id == 0);
  CHECK(c.listen_port == 10911);
  CHECK(c.ha_listen_port == 10912);
  CHECK(c.broker_ip2 == c.broker_ip1);
  CHECK(c.flush_disk_type == "ASYNC_FLUSH");
  CHECK(c.broker_role == "ASYNC_MASTER");
  CHECK(c.auto_create_topic_enable);
  CHECK(c.default_topic_queue_nums == 8);
  CHECK(c.broker_permission == 6);
  CHECK(c.max_message_size == 4 * 1024 * 1024);
  CHECK(c.mapped_file_size_commit_log == 1024LL * 1024 * 1024);
  CHECK(c.mapped_file_size_consume_queue == 300000 * 20);
  CHECK(c.flush_interval_commit_log == 500);
  CHECK(c.file_reserved_time == 72);
  CHECK(c.delete_when == "04");
  CHECK(c.message_delay_level == "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h");
}

TEST_CASE("broker config: values of every type are applied") {
  BrokerConfig c;
  Props p = Parse(
      "brokerClusterName=C1\nbrokerName=b2\nbrokerId=1\nlistenPort=20911\nautoCreateTopicEnable=false\n"
      "mappedFileSizeCommitLog=10485760\nflushDiskType=SYNC_FLUSH\nbrokerRole=SLAVE\nbrokerIP1=10.0.0.5\n");
  REQUIRE(ApplyBrokerConfig(p, &c, nullptr).ok());
  CHECK(c.broker_cluster_name == "C1");
  CHECK(c.broker_name == "b2");
  CHECK(c.broker_id == 1);
  CHECK(c.listen_port == 20911);
  CHECK_FALSE(c.auto_create_topic_enable);
  CHECK(c.mapped_file_size_commit_log == 10485760);
  CHECK(c.flush_disk_type == "SYNC_FLUSH");
  CHECK(c.broker_role == "SLAVE");
  CHECK(c.broker_ip2 == "10.0.0.5");
}

TEST_CASE("broker config: traceOn (the SEND_MESSAGE response's TRACE_ON) defaults to true, apart from traceTopicEnable") {
  BrokerConfig c;
  REQUIRE(ApplyBrokerConfig({{"traceTopicEnable", "false"}}, &c, nullptr).ok());
  CHECK(c.trace_on);
  CHECK_FALSE(c.trace_topic_enable);
  BrokerConfig d;
  REQUIRE(ApplyBrokerConfig({{"traceOn", "false"}, {"traceTopicEnable", "true"}}, &d, nullptr).ok());
  CHECK_FALSE(d.trace_on);
  CHECK(d.trace_topic_enable);
}

TEST_CASE("broker config: haListenPort defaults to listenPort+1") {
  BrokerConfig c;
  REQUIRE(ApplyBrokerConfig({{"listenPort", "30911"}}, &c, nullptr).ok());
  CHECK(c.ha_listen_port == 30912);
}

TEST_CASE("broker config: an explicit haListenPort is kept") {
  BrokerConfig c;
  REQUIRE(ApplyBrokerConfig({{"listenPort", "30911"}, {"haListenPort", "40000"}}, &c, nullptr).ok());
  CHECK(c.ha_listen_port == 40000);
}

TEST_CASE("broker config: explicit brokerIP2 is kept") {
  BrokerConfig c;
  REQUIRE(ApplyBrokerConfig({{"brokerIP1", "10.0.0.1"}, {"brokerIP2", "10.0.0.2"}}, &c, nullptr).ok());
  CHECK(c.broker_ip2 == "10.0.0.2");
}

TEST_CASE("broker config: unknown keys are collected, not errors") {
  BrokerConfig c;
  std::vector<std::string> unknown;
  REQUIRE(ApplyBrokerConfig({{"noSuchKey", "1"}, {"brokerName", "x"}, {"alsoUnknown", ""}}, &c, &unknown).ok());
  std::sort(unknown.begin(), unknown.end());
  CHECK(unknown == std::vector<std::string>{"alsoUnknown", "noSuchKey"});
  CHECK(c.broker_name == "x");
}

TEST_CASE("broker config: unknown keys with a null collector are ignored") {
  BrokerConfig c;
  CHECK(ApplyBrokerConfig({{"noSuchKey", "1"}}, &c, nullptr).ok());
}

TEST_CASE("broker config: keys are case-sensitive") {
  BrokerConfig c;
  std::vector<std::string> unknown;
  REQUIRE(ApplyBrokerConfig({{"brokername", "x"}}, &c, &unknown).ok());
  CHECK(unknown.size() == 1);
  CHECK(c.broker_name == "broker-a");
}

TEST_CASE("broker config: malformed integer names the key") {
  BrokerConfig c;
  Status s = ApplyBrokerConfig({{"listenPort", "10911x"}}, &c, nullptr);
  CHECK(s.IsInvalidArgument());
  CHECK(Contains(s.message(), "listenPort"));
  CHECK(Contains(s.message(), "10911x"));
}

TEST_CASE("broker config: empty integer is malformed") {
  BrokerConfig c;
  Status s = ApplyBrokerConfig({{"defaultTopicQueueNums", ""}}, &c, nullptr);
  CHECK(s.IsInvalidArgument());
  CHECK(Contains(s.message(), "defaultTopicQueueNums"));
}

TEST_CASE("broker config: malformed bool names the key") {
  BrokerConfig c;
  Status s = ApplyBrokerConfig({{"autoCreateTopicEnable", "yes"}}, &c, nullptr);
  CHECK(s.IsInvalidArgument());
  CHECK(Contains(s.message(), "autoCreateTopicEnable"));
}

TEST_CASE("broker config: bool spellings") {
  BrokerConfig c;
  REQUIRE(ApplyBrokerConfig({{"aclEnable", "TRUE"}, {"longPollingEnable", "False"}}, &c, nullptr).ok());
  CHECK(c.acl_enable);
  CHECK_FALSE(c.long_polling_enable);
}

TEST_CASE("broker config: out of range ports") {
  for (const char* v : {"0", "65536", "-1", "99999999999"}) {
    BrokerConfig c;
    Status s = ApplyBrokerConfig({{"listenPort", v}}, &c, nullptr);
    INFO("listenPort=", v);
    CHECK(s.IsInvalidArgument());
    CHECK(Contains(s.message(), "listenPort"));
  }
  BrokerConfig c;
  CHECK(ApplyBrokerConfig({{"listenPort", "65535"}}, &c, nullptr).ok());
  CHECK(ApplyBrokerConfig({{"listenPort", "1"}}, &c, nullptr).ok());
}

TEST_CASE("broker config: int32 key rejects values beyond int32") {
  BrokerConfig c;
  Status s = ApplyBrokerConfig({{"flushIntervalCommitLog", "2147483648"}}, &c, nullptr);
  CHECK(s.IsInvalidArgument());
  CHECK(c.flush_interval_commit_log == 500);
}

TEST_CASE("broker config: negative brokerId is out of range") {
  BrokerConfig c;
  CHECK(ApplyBrokerConfig({{"brokerId", "-1"}}, &c, nullptr).IsInvalidArgument());
}

TEST_CASE("broker config: flushDiskType must be ASYNC_FLUSH or SYNC_FLUSH") {
  BrokerConfig c;
  Status s = ApplyBrokerConfig({{"flushDiskType", "sync_flush"}}, &c, nullptr);
  CHECK(s.IsInvalidArgument());
  CHECK(Contains(s.message(), "flushDiskType"));
}

TEST_CASE("broker config: brokerRole is validated") {
  BrokerConfig c;
  Status s = ApplyBrokerConfig({{"brokerRole", "MASTER"}}, &c, nullptr);
  CHECK(s.IsInvalidArgument());
  CHECK(Contains(s.message(), "brokerRole"));
}

TEST_CASE("broker config: from a parsed file end to end") {
  Props p = Parse(
      "# broker-a.properties\r\n"
      "brokerClusterName = DefaultCluster\r\n"
      "brokerName = broker-a\r\n"
      "brokerId = 0\r\n"
      "deleteWhen = 04\r\n"
      "fileReservedTime = 48\r\n"
      "brokerRole = ASYNC_MASTER\r\n"
      "flushDiskType = ASYNC_FLUSH\r\n");
  BrokerConfig c;
  std::vector<std::string> unknown;
  REQUIRE(ApplyBrokerConfig(p, &c, &unknown).ok());
  CHECK(unknown.empty());
  CHECK(c.file_reserved_time == 48);
}

TEST_CASE("broker config: StorePathRootDir defaults under HOME") {
  BrokerConfig c;
  CHECK(c.StorePathRootDir().size() > 6);
  CHECK(c.StorePathRootDir().substr(c.StorePathRootDir().size() - 6) == "/store");
  c.store_path_root_dir = "/data/rmq";
  CHECK(c.StorePathRootDir() == "/data/rmq");
}

// ---- ApplyNamesrvConfig ---------------------------------------------------------------------

TEST_CASE("namesrv config: defaults and kvConfigPath") {
  NamesrvConfig c;
  REQUIRE(ApplyNamesrvConfig({}, &c, nullptr).ok());
  CHECK(c.listen_port == 9876);
  CHECK_FALSE(c.order_message_enable);
  CHECK(c.scan_not_active_broker_interval == 10000);
  CHECK(c.broker_channel_expired_time == 120000);
  CHECK(Contains(c.kv_config_path, "/namesrv/kvConfig.json"));
}

TEST_CASE("namesrv config: values, unknown keys and errors") {
  NamesrvConfig c;
  std::vector<std::string> unknown;
  REQUIRE(ApplyNamesrvConfig({{"listenPort", "9877"}, {"kvConfigPath", "/tmp/kv.json"}, {"orderMessageEnable", "true"},
                              {"brokerName", "x"}},
                             &c, &unknown)
              .ok());
  CHECK(c.listen_port == 9877);
  CHECK(c.kv_config_path == "/tmp/kv.json");
  CHECK(c.order_message_enable);
  CHECK(unknown == std::vector<std::string>{"brokerName"});

  NamesrvConfig d;
  Status s = ApplyNamesrvConfig({{"listenPort", "70000"}}, &d, nullptr);
  CHECK(s.IsInvalidArgument());
  CHECK(Contains(s.message(), "listenPort"));
  CHECK(ApplyNamesrvConfig({{"scanNotActiveBrokerInterval", "10"}}, &d, nullptr).IsInvalidArgument());
}

// ---- BrokerConfigToProperties ---------------------------------------------------------------

TEST_CASE("BrokerConfigToProperties lists every key once") {
  BrokerConfig c;
  REQUIRE(ApplyBrokerConfig({}, &c, nullptr).ok());
  std::string text = BrokerConfigToProperties(c);
  Props p = Parse(text);
  for (const char* key :
       {"brokerClusterName", "brokerName", "brokerId", "namesrvAddr", "listenPort", "brokerIP1", "brokerIP2",
        "haListenPort", "storePathRootDir", "storePathCommitLog", "autoCreateTopicEnable",
        "autoCreateSubscriptionGroup", "defaultTopicQueueNums", "brokerPermission", "clusterTopicEnable",
        "brokerTopicEnable", "traceTopicEnable", "msgTraceTopicName", "flushDiskType", "brokerRole",
        "maxMessageSize", "mappedFileSizeCommitLog", "mappedFileSizeConsumeQueue", "flushIntervalCommitLog",
        "flushCommitLogLeastPages", "flushIntervalConsumeQueue", "syncFlushTimeout", "longPollingEnable",
        "shortPollingTimeMills", "registerNameServerPeriod", "compressedRegister", "enablePropertyFilter", "messageDelayLevel",
        "fileReservedTime", "deleteWhen", "maxFrameSize", "defaultQueryMaxNum", "regionId", "aclEnable",
        "namesrvListenPort"}) {
    INFO("key: ", key);
    CHECK(p.count(key) == 1);
    size_t lines = 0;
    std::string prefix = std::string(key) + "=";
    for (size_t pos = 0; pos < text.size();) {
      size_t end = text.find('\n', pos);
      if (text.compare(pos, prefix.size(), prefix) == 0) ++lines;
      pos = end == std::string::npos ? text.size() : end + 1;
    }
    CHECK(lines == 1);
  }
  CHECK(p["listenPort"] == "10911");
  CHECK(p["autoCreateTopicEnable"] == "true");
  CHECK(p["messageDelayLevel"] == c.message_delay_level);
}

TEST_CASE("BrokerConfigToProperties output applies back to the same config") {
  BrokerConfig a;
  REQUIRE(ApplyBrokerConfig({{"brokerName", "b9"}, {"listenPort", "12345"}, {"aclEnable", "true"},
                             {"storePathRootDir", "/x"}},
                            &a, nullptr)
              .ok());
  Props p = Parse(BrokerConfigToProperties(a));
  BrokerConfig b;
  std::vector<std::string> unknown;
  REQUIRE(ApplyBrokerConfig(p, &b, &unknown).ok());
  CHECK(unknown.empty());
  CHECK(BrokerConfigToProperties(a) == BrokerConfigToProperties(b));
}
