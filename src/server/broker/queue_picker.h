// PickQueueId: the one queue picker of the write paths that choose a queue for the sender
// (send and batch without a queue id, reply, send-back's retry and DLQ queues). Java uses
// ThreadLocalRandom in each processor; rmqd keeps one generator for the loop thread here, so
// a future picker (POP's revive queue, a slave-aware choice) changes one function.
#pragma once

#include <cstdint>

namespace rmq::server {

// `requested` when it is >= 0, else a uniformly random queue in [0, queue_nums) (queue 0 when
// queue_nums <= 0).
int32_t PickQueueId(int32_t requested, int32_t queue_nums);

}  // namespace rmq::server
