#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>

#include "bench/histogram.h"

using rmq::bench::Histogram;

TEST_CASE("Histogram: empty reports zeros") {
  Histogram h;
  CHECK(h.count() == 0);
  CHECK(h.min() == 0);
  CHECK(h.max() == 0);
  CHECK(h.Percentile(50) == 0);
  CHECK(h.Percentile(100) == 0);
  CHECK(h.Mean() == 0.0);
}

TEST_CASE("Histogram: small values are exact") {
  Histogram h;
  for (uint64_t v = 1; v <= 100; ++v) h.Record(v);
  CHECK(h.count() == 100);
  CHECK(h.min() == 1);
  CHECK(h.max() == 100);
  CHECK(h.Percentile(50) == 50);
  CHECK(h.Percentile(99) == 99);
  CHECK(h.Percentile(99.9) == 100);
  CHECK(h.Percentile(100) == 100);
  CHECK(h.Percentile(0) == 1);
  CHECK(h.Mean() == doctest::Approx(50.5));
}

TEST_CASE("Histogram: bucket bounds are contiguous and contain their values") {
  for (size_t i = 0; i + 1 < Histogram::BucketCount(); ++i) {
    REQUIRE(Histogram::HighestEquivalent(i) + 1 == Histogram::LowestEquivalent(i + 1));
    REQUIRE(Histogram::IndexOf(Histogram::LowestEquivalent(i)) == i);
    REQUIRE(Histogram::IndexOf(Histogram::HighestEquivalent(i)) == i);
  }
  CHECK(Histogram::IndexOf(UINT64_MAX) == Histogram::BucketCount() - 1);
  CHECK(Histogram::IndexOf(0) == 0);
  CHECK(Histogram::IndexOf(127) == 127);
  CHECK(Histogram::IndexOf(128) == 128);
}

TEST_CASE("Histogram: relative error stays under 1/64 for large values") {
  for (uint64_t v : {129ull, 1000ull, 12345ull, 999999ull, 123456789ull, 1ull << 40, (1ull << 62) + 12345}) {
    size_t i = Histogram::IndexOf(v);
    uint64_t lo = Histogram::LowestEquivalent(i), hi = Histogram::HighestEquivalent(i);
    CHECK(lo <= v);
    CHECK(v <= hi);
    CHECK(static_cast<double>(hi - lo) / static_cast<double>(lo) <= 1.0 / 64);
  }
}

TEST_CASE("Histogram: percentiles of a uniform 1..1,000,000 distribution") {
  Histogram h;
  for (uint64_t v = 1; v <= 1000000; ++v) h.Record(v);
  auto near = [](uint64_t got, double want) { return std::fabs(static_cast<double>(got) - want) / want <= 1.0 / 64; };
  CHECK(near(h.Percentile(50), 500000));
  CHECK(near(h.Percentile(99), 990000));
  CHECK(near(h.Percentile(99.9), 999000));
  CHECK(h.Percentile(100) == 1000000);
  CHECK(h.Percentile(99.9999) <= 1000000);  // clamped to max
}

TEST_CASE("Histogram: one outlier shows at max and p99.9 only when it is frequent enough") {
  Histogram h;
  h.Record(100, 9999);
  h.Record(1000000);
  CHECK(h.count() == 10000);
  CHECK(h.Percentile(50) == 100);
  CHECK(h.Percentile(99.9) == 100);
  CHECK(h.Percentile(99.99) == 100);
  CHECK(h.Percentile(99.995) >= 1000000 - 1000000 / 64);
  CHECK(h.max() == 1000000);
}

TEST_CASE("Histogram: Merge equals recording into one") {
  Histogram a, b, all;
  for (uint64_t v = 0; v < 5000; ++v) {
    (v % 3 ? a : b).Record(v * 37);
    all.Record(v * 37);
  }
  a.Merge(b);
  CHECK(a.count() == all.count());
  CHECK(a.min() == all.min());
  CHECK(a.max() == all.max());
  CHECK(a.Mean() == doctest::Approx(all.Mean()));
  for (double p : {1.0, 50.0, 90.0, 99.0, 99.9}) CHECK(a.Percentile(p) == all.Percentile(p));
}

TEST_CASE("Histogram: Record with a count and Reset") {
  Histogram h;
  h.Record(7, 0);
  CHECK(h.count() == 0);
  h.Record(7, 3);
  CHECK(h.count() == 3);
  CHECK(h.Percentile(50) == 7);
  h.Reset();
  CHECK(h.count() == 0);
  CHECK(h.max() == 0);
}

TEST_CASE("Histogram: huge values do not overflow the mean") {
  Histogram h;
  h.Record(UINT64_MAX);
  h.Record(UINT64_MAX);
  CHECK(h.max() == UINT64_MAX);
  CHECK(h.Percentile(50) == UINT64_MAX);
  CHECK(h.Mean() > 0);
}
