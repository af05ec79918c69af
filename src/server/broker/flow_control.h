// Flow control for sends: when rmqd answers SYSTEM_BUSY (2) instead of taking more work, with
// Java 4.9's remarks (BrokerFastFailure, NettyRemotingAbstract, SendMessageProcessor).
//
// Java queues sends for a thread pool; rmqd handles them on its one event loop, so the honest
// equivalents are:
//  - Java's queue wait ([TIMEOUT_CLEAN_QUEUE], waitTimeMillsInSendQueue): how long the frame
//    waited inside rmqd, from the moment the loop's poll returned its bytes to the moment its
//    handler is about to run (the loop was busy with requests ahead of it). "size of queue" is
//    the number of requests the loop handled before it in that turn.
//  - Java's page-cache-busy drain ([PCBUSY_CLEAN_QUEUE]): the store reports busy
//    (MessageStore::IsOSPageCacheBusy: a SYNC_FLUSH sync has been waited for longer than
//    osPageCacheBusyTimeOutMills). Both need brokerFastFailureEnable, as in Java.
//  - Java's full send queue ([OVERLOAD], sendThreadPoolQueueCapacity): sends rmqd holds in
//    memory are the ones stored and waiting for their SYNC_FLUSH; at the capacity, new sends
//    are refused before they are stored.
//  - The store's own refusal (OS_PAGECACHE_BUSY -> [PC_SYNCHRONIZED]) stays in the send handler.
// Which codes are subject to it (Java's send executor: SEND_MESSAGE, SEND_MESSAGE_V2,
// SEND_BATCH_MESSAGE, CONSUMER_SEND_MSG_BACK) is the flow_controlled column of the request
// table (server/request_table.cc); Dispatcher::Dispatch fills SendFlowState and asks here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "protocol/remoting_command.h"

namespace rmq::server {

inline constexpr const char* kPcSynchronizedRemark = "[PC_SYNCHRONIZED]broker busy, start flow control for a while";
inline constexpr const char* kOverloadRemark = "[OVERLOAD]system busy, start flow control for a while";

struct SendFlowState {
  // Config (BrokerConfig).
  bool broker_fast_failure_enable = true;
  int64_t wait_time_mills_in_send_queue = 200;
  int32_t send_thread_pool_queue_capacity = 10000;
  // Now.
  bool store_busy = false;       // MessageStore::IsOSPageCacheBusy()
  size_t sends_in_flight = 0;    // stored sends waiting for their SYNC_FLUSH
  uint64_t waited_ms = 0;        // time the frame waited in rmqd before its handler
  size_t queue_size = 0;         // requests handled before it in the same loop turn
};

// The SYSTEM_BUSY response a send gets, or nothing when it may run. Checks in Java's order:
// queue full, page cache busy, waited too long.
std::optional<protocol::RemotingCommand> CheckSendFlowControl(const SendFlowState& s);

}  // namespace rmq::server
