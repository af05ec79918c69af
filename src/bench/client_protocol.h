// Client-side request builders and response readers for the load generator (tools/loadgen):
// what a Java 4.9.8 producer / consumer puts on the wire for a route query, a send, a pull and a
// topic creation, and the parsers for the route body and the stored records a pull returns.
// Pure bytes in, structs out: no sockets here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "protocol/remoting_command.h"

namespace rmq::bench {

// Mirrors TopicValidator.AUTO_CREATE_TOPIC_KEY_TOPIC and the client's default queue count.
inline constexpr const char* kDefaultTopic = "TBW102";
inline constexpr int32_t kDefaultTopicQueueNums = 4;
// Mirrors PermName.PERM_READ | PERM_WRITE.
inline constexpr int32_t kPermReadWrite = 6;
inline constexpr int32_t kPermWrite = 2;
inline constexpr int32_t kPermRead = 4;

// Marks a body written by the load generator: 4 magic bytes then the send time in microseconds
// since the Unix epoch (big-endian), so the consumer can measure born->consume in microseconds.
inline constexpr char kBodyMagic[4] = {'R', 'M', 'Q', 'B'};
inline constexpr size_t kBodyStampSize = 12;

// One write (or read) queue of a topic on one master broker.
struct QueueTarget {
  std::string broker_name;
  std::string broker_addr;  // host:port of brokerId 0
  int32_t queue_id = 0;
};

struct TopicRoute {
  struct Broker {
    std::string name;
    std::string cluster;
    std::string master_addr;  // empty when no brokerId 0
  };
  struct Queue {
    std::string broker_name;
    int32_t read_queue_nums = 0;
    int32_t write_queue_nums = 0;
    int32_t perm = 0;
  };
  std::vector<Broker> brokers;
  std::vector<Queue> queues;

  // Queues a producer may write: PERM_WRITE and a live master, as the Java client selects them.
  std::vector<QueueTarget> WriteQueues() const;
  // Queues a consumer may read: PERM_READ and a live master.
  std::vector<QueueTarget> ReadQueues() const;
};

// Parses a TopicRouteData body (standard JSON or fastjson's unquoted numeric keys).
Status ParseTopicRoute(std::string_view body, TopicRoute* route);

// GET_BROKER_CLUSTER_INFO body -> master addresses of every broker (brokerId 0).
Status ParseClusterMasters(std::string_view body, std::vector<std::string>* masters);

// Client message ids: Java's UNIQ_KEY shape (32 uppercase hex chars) made from a per-process
// prefix and a counter, unique within one run.
class UniqKeyGenerator {
 public:
  UniqKeyGenerator(uint32_t ip, uint16_t pid, uint32_t seed);
  std::string Next();

 private:
  std::string prefix_;  // 20 hex chars: ip, pid, seed
  uint64_t counter_ = 0;
};

// Body of `size` bytes; the first kBodyStampSize bytes carry the send time when size allows.
void StampBody(std::string* body, int64_t send_time_us);
// The send time stamped by StampBody, or false when the body is not ours.
bool ReadBodyStamp(std::string_view body, int64_t* send_time_us);

struct SendParams {
  std::string producer_group;
  std::string topic;
  std::string broker_name;
  int32_t queue_id = 0;
  int64_t born_timestamp_ms = 0;
  std::string uniq_key;
};
// SEND_MESSAGE_V2 with the header fields a 4.9.8 DefaultMQProducer sends (no tags/keys).
protocol::RemotingCommand MakeSendRequest(const SendParams& p, protocol::SerializeType type);

struct PullParams {
  std::string consumer_group;
  std::string topic;
  std::string broker_name;
  int32_t queue_id = 0;
  int64_t queue_offset = 0;
  int32_t max_msg_nums = 32;
  int64_t suspend_timeout_ms = 0;  // > 0: long polling (SUSPEND flag)
  int64_t sub_version = 0;
};
// PULL_MESSAGE carrying its own subscription ("*", TAG), so no heartbeat is needed.
protocol::RemotingCommand MakePullRequest(const PullParams& p, protocol::SerializeType type);

protocol::RemotingCommand MakeRouteRequest(std::string_view topic, protocol::SerializeType type);
protocol::RemotingCommand MakeClusterInfoRequest(protocol::SerializeType type);
protocol::RemotingCommand MakeCreateTopicRequest(std::string_view topic, int32_t queues, protocol::SerializeType type);
protocol::RemotingCommand MakeMaxOffsetRequest(std::string_view topic, int32_t queue_id, protocol::SerializeType type);

// The pull response header fields the consumer needs.
struct PullResult {
  int64_t next_begin_offset = 0;
  int64_t min_offset = 0;
  int64_t max_offset = 0;
};
Status ReadPullResult(const protocol::RemotingCommand& resp, PullResult* out);

// One message out of a pull body.
struct PulledMessage {
  int32_t queue_id = 0;
  int64_t queue_offset = 0;
  int64_t born_timestamp_ms = 0;
  int64_t store_timestamp_ms = 0;
  std::string_view body;
};
// Walks the concatenated stored records of a pull body, calling `fn` for each. Fails on a
// malformed record (after reporting the ones before it).
template <typename Fn>
Status ForEachPulledMessage(std::string_view body, Fn&& fn);
Status DecodePulledMessage(std::string_view data, PulledMessage* msg, size_t* record_size);

template <typename Fn>
Status ForEachPulledMessage(std::string_view body, Fn&& fn) {
  while (!body.empty()) {
    PulledMessage m;
    size_t n = 0;
    Status s = DecodePulledMessage(body, &m, &n);
    if (!s.ok()) return s;
    fn(m);
    body.remove_prefix(n);
  }
  return Status::OK();
}

}  // namespace rmq::bench
