#include "bench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace rmq::bench {

namespace {
constexpr uint64_t kHalf = Histogram::kSubBuckets / 2;  // sub-buckets per power of two above the linear range
}  // namespace

// Layout: indices [0, kSubBuckets) hold the values themselves. Above that, a value with its top
// bit at position msb (msb >= kSubBucketBits) is shifted right by s = msb - (kSubBucketBits - 1),
// leaving a number in [kHalf, kSubBuckets); index = kSubBuckets + (s - 1) * kHalf + (that - kHalf).
size_t Histogram::IndexOf(uint64_t value) {
  if (value < kSubBuckets) return static_cast<size_t>(value);
  int msb = 63 - std::countl_zero(value);
  int shift = msb - (kSubBucketBits - 1);
  uint64_t top = value >> shift;
  return static_cast<size_t>(kSubBuckets + uint64_t(shift - 1) * kHalf + (top - kHalf));
}

uint64_t Histogram::LowestEquivalent(size_t index) {
  if (index < kSubBuckets) return index;
  uint64_t rel = index - kSubBuckets;
  int shift = static_cast<int>(rel / kHalf) + 1;
  uint64_t top = kHalf + rel % kHalf;
  return top << shift;
}

uint64_t Histogram::HighestEquivalent(size_t index) {
  if (index + 1 >= BucketCount()) return UINT64_MAX;
  return LowestEquivalent(index + 1) - 1;
}

size_t Histogram::BucketCount() { return IndexOf(UINT64_MAX) + 1; }

Histogram::Histogram() : counts_(BucketCount(), 0) {}

void Histogram::Record(uint64_t value, uint64_t count) {
  if (count == 0) return;
  counts_[IndexOf(value)] += count;
  count_ += count;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  uint64_t add = value * count;
  if (count != 0 && add / count != value) add = UINT64_MAX;
  sum_ = (UINT64_MAX - sum_ < add) ? UINT64_MAX : sum_ + add;
}

void Histogram::Merge(const Histogram& other) {
  if (other.count_ == 0) return;
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ = (UINT64_MAX - sum_ < other.sum_) ? UINT64_MAX : sum_ + other.sum_;
}

void Histogram::Reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
  sum_ = 0;
}

uint64_t Histogram::Percentile(double p) const {
  if (count_ == 0) return 0;
  if (p >= 100.0) return max_;
  if (p < 0.0) p = 0.0;
  uint64_t rank = static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  if (rank == 0) rank = 1;
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(HighestEquivalent(i), min_, max_);
  }
  return max_;
}

}  // namespace rmq::bench
