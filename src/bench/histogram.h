// Histogram: an HDR-style log-bucketed latency histogram for the load generator (tools/loadgen).
// Values are non-negative integers (the load generator records microseconds). Each power of two
// is split into kSubBuckets/2 linear sub-buckets, so a reported percentile is within
// 1/64 (~1.6%) of the true value, in constant memory (~30 KiB), with O(1) Record().
// Not thread-safe; one per thread, combined with Merge().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rmq::bench {

class Histogram {
 public:
  // Values below kSubBuckets are recorded exactly.
  static constexpr int kSubBucketBits = 7;
  static constexpr uint64_t kSubBuckets = uint64_t(1) << kSubBucketBits;  // 128

  Histogram();

  void Record(uint64_t value, uint64_t count = 1);
  void Merge(const Histogram& other);
  void Reset();

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  double Mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }

  // The value at percentile `p` (0..100): the highest value equivalent to the bucket holding the
  // ceil(p% * count)-th smallest sample, clamped to [min, max]. 0 when empty. p >= 100 gives max().
  uint64_t Percentile(double p) const;

  // Bucket arithmetic, exposed for tests.
  static size_t IndexOf(uint64_t value);
  static uint64_t LowestEquivalent(size_t index);
  static uint64_t HighestEquivalent(size_t index);
  static size_t BucketCount();

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  // Sum saturates rather than wrapping (2^64 us is far beyond any run).
  uint64_t sum_ = 0;
};

}  // namespace rmq::bench
