#include "server/broker/queue_picker.h"

#include <random>

namespace rmq::server {

int32_t PickQueueId(int32_t requested, int32_t queue_nums) {
  if (requested >= 0) return requested;
  if (queue_nums <= 1) return 0;
  thread_local std::minstd_rand rng(std::random_device{}());
  return static_cast<int32_t>(rng() % static_cast<uint32_t>(queue_nums));
}

}  // namespace rmq::server
