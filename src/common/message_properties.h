// Message properties: the `name\x01value\x02...` string every RocketMQ message carries, the
// well-known keys (Java's MessageConst), and Java's way of re-serializing it.
//
// Who uses it: protocol (send/batch decoding), server (send, reply, send-back, transaction,
// schedule and timer paths through server/broker/message_builder.h), filter (SQL92 lookups)
// and, at the lead's merge, store (delay parking, recovery, index keys: FindProperty needs no
// allocation). It lives in common because store must not depend on protocol.
//
// Java keeps properties in a java.util.HashMap<String, String> and writes them back with
// MessageDecoder.messageProperties2String, so a re-serialized string is in HashMap iteration
// order, with \x02 between pairs and none after the last. PropertyMap reproduces that order:
// bucket = (h ^ h >>> 16) & (capacity - 1) with h = String.hashCode(name); capacity starts at
// 16 on the first put and doubles when the size passes 0.75 * capacity (or when a bucket's list
// would reach 9 entries below capacity 64, Java's treeifyBin); within a bucket, insertion order.
// Not reproduced: the order inside a treeified bucket (9+ names in one bucket at capacity >= 64,
// which no client sends). Cost: Put/Get O(1), Remove O(n), Encode O(n log n), so a hostile
// properties string (the header is not length-checked before it is parsed) costs linear time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rmq {

inline constexpr char kNameValueSeparator = '\x01';
inline constexpr char kPropertySeparator = '\x02';

// Every property key the broker reads or writes, once (MessageConst.PROPERTY_*).
inline constexpr const char* kPropertyKeys = "KEYS";
inline constexpr const char* kPropertyTags = "TAGS";
inline constexpr const char* kPropertyWaitStoreMsgOk = "WAIT";
inline constexpr const char* kPropertyDelayTimeLevel = "DELAY";
inline constexpr const char* kPropertyRetryTopic = "RETRY_TOPIC";
inline constexpr const char* kPropertyOriginMessageId = "ORIGIN_MESSAGE_ID";
inline constexpr const char* kPropertyRealTopic = "REAL_TOPIC";
inline constexpr const char* kPropertyRealQueueId = "REAL_QID";
inline constexpr const char* kPropertyTransactionPrepared = "TRAN_MSG";
inline constexpr const char* kPropertyProducerGroup = "PGROUP";
inline constexpr const char* kPropertyUniqClientMessageIdKeyidx = "UNIQ_KEY";
inline constexpr const char* kPropertyMaxReconsumeTimes = "MAX_RECONSUME_TIMES";
inline constexpr const char* kPropertyCluster = "CLUSTER";
inline constexpr const char* kPropertyMsgRegion = "MSG_REGION";
inline constexpr const char* kPropertyTraceSwitch = "TRACE_ON";
inline constexpr const char* kPropertyReplyToClient = "REPLY_TO_CLIENT";
inline constexpr const char* kPropertyPushReplyTime = "PUSH_REPLY_TIME";
inline constexpr const char* kPropertyTransactionCheckTimes = "TRANSACTION_CHECK_TIMES";
inline constexpr const char* kPropertyCheckImmunityTimeInSeconds = "CHECK_IMMUNITY_TIME_IN_SECONDS";
inline constexpr const char* kPropertyTransactionPreparedQueueOffset = "TRAN_PREPARED_QUEUE_OFFSET";
// 5.x timer messages (TimerMessageStore / MessageConst).
inline constexpr const char* kPropertyTimerDeliverMs = "TIMER_DELIVER_MS";
inline constexpr const char* kPropertyTimerDelaySec = "TIMER_DELAY_SEC";
inline constexpr const char* kPropertyTimerDelayMs = "TIMER_DELAY_MS";
inline constexpr const char* kPropertyTimerOutMs = "TIMER_OUT_MS";
inline constexpr const char* kPropertyTimerEnqueueMs = "TIMER_ENQUEUE_MS";
inline constexpr const char* kPropertyTimerDequeueMs = "TIMER_DEQUEUE_MS";
inline constexpr const char* kPropertyTimerDelUniqKey = "TIMER_DEL_UNIQKEY";

// The first pair named `name` in `properties`; false when absent. Items are split at \x02 and
// then at their first \x01; an item shorter than "a\x01b" or with an empty name or value is
// skipped (string2messageProperties' rules). No allocation.
bool FindProperty(std::string_view properties, std::string_view name, std::string_view* value);

// The value Java's decoded HashMap holds for `name`: the last well-formed pair of that name
// (used where Java reads the decoded map, e.g. SQL92 filtering). No allocation.
bool FindLastProperty(std::string_view properties, std::string_view name, std::string_view* value);

// A non-owning view of a properties string (FindProperty as a member).
class PropertiesView {
 public:
  explicit PropertiesView(std::string_view s) : s_(s) {}
  bool Get(std::string_view name, std::string_view* value) const { return FindProperty(s_, name, value); }

 private:
  std::string_view s_;
};

// Appends one pair, with a \x02 before it when `props` does not end in one and a \x02 after it
// (the client's encoding, kept where Java appends to a string it does not re-serialize).
void AppendProperty(std::string* props, std::string_view name, std::string_view value);

// String edits in the client's encoding (every pair followed by \x02), for the paths Java edits
// without re-serializing (5.x timer properties): replaces every `name` pair (or appends one) /
// removes every `name` pair. Malformed items (string2messageProperties' rules) are dropped.
std::string SetPropertyValue(std::string_view properties, std::string_view name, std::string_view value);
std::string RemoveProperty(std::string_view properties, std::string_view name);

// Java's HashMap<String, String> of message properties (see the header comment).
class PropertyMap {
 public:
  PropertyMap() = default;
  // MessageDecoder.string2messageProperties into a new HashMap(): pairs put in string order (a
  // repeated name keeps its first place and takes the last value).
  static PropertyMap Parse(std::string_view properties);

  bool Get(std::string_view name, std::string_view* value) const;
  bool Contains(std::string_view name) const;
  size_t size() const { return entries_.size(); }
  // HashMap.put: a present name keeps its place and takes `value`; a new one goes last.
  void Put(std::string_view name, std::string_view value);
  // HashMap.remove: true when `name` was present. The capacity never shrinks.
  bool Remove(std::string_view name);
  // MessageDecoder.messageProperties2String: HashMap iteration order, no trailing \x02.
  // `without`, when not empty, is left out: the same bytes as a copy with Remove(without) then
  // Encode (a removal never moves the others), without the copy.
  std::string Encode(std::string_view without = {}) const;

 private:
  struct Entry {
    std::string name;
    std::string value;
    uint32_t spread = 0;  // h ^ (h >>> 16)
  };
  size_t Find(std::string_view name) const;
  void Grow();  // doubles the capacity and recounts the bucket lengths

  std::vector<Entry> entries_;  // insertion order
  std::unordered_map<std::string, size_t> index_;  // name -> index in entries_, past 16 names
  std::vector<uint32_t> bucket_len_;  // entries per bucket, size capacity_
  uint32_t capacity_ = 0;             // 0 until the first put, as Java allocates the table lazily
};

// PropertyMap::Parse(properties).Encode(): what Java stores after a decode/encode round trip.
std::string ReserializeProperties(std::string_view properties);

}  // namespace rmq
