#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "results/histogram.hpp"

using loads::host::LatencyHistogram;

namespace {

constexpr std::uint64_t k_max = LatencyHistogram::k_max_value_us;

// Every value 0..5000, then a geometric grid up to 1 h with 2000 points per decade, plus the
// values around each power of two (where the bucket width changes) and 1 h itself.
std::vector<std::uint64_t> sweep_values() {
    std::vector<std::uint64_t> v;
    for (std::uint64_t x = 0; x <= 5000; ++x) {
        v.push_back(x);
    }
    const double step = std::pow(10.0, 1.0 / 2000.0);
    for (double x = 5000; x <= double(k_max); x *= step) {
        v.push_back(static_cast<std::uint64_t>(x));
    }
    for (unsigned bit = 11; bit < 32; ++bit) {
        const std::uint64_t p = std::uint64_t{1} << bit;
        for (std::uint64_t x : {p - 1, p, p + 1}) {
            if (x <= k_max) {
                v.push_back(x);
            }
        }
    }
    v.push_back(k_max - 1);
    v.push_back(k_max);
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

// Exact nearest-rank percentile of sorted samples (the definition value_at_percentile follows).
std::uint64_t exact_percentile(const std::vector<std::uint64_t>& sorted, double p) {
    const auto n = static_cast<double>(sorted.size());
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * n));
    rank = std::clamp<std::size_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

void check_percentiles(const std::vector<std::uint64_t>& samples) {
    LatencyHistogram h;
    std::uint64_t sum = 0;
    for (std::uint64_t s : samples) {
        h.record(s);
        sum += s;
    }
    std::vector<std::uint64_t> sorted = samples;
    std::sort(sorted.begin(), sorted.end());

    CHECK(h.count() == samples.size());
    CHECK(h.min() == sorted.front());
    CHECK(h.max() == sorted.back());
    CHECK(h.sum() == sum);
    CHECK(h.mean() == doctest::Approx(double(sum) / double(samples.size())).epsilon(1e-12));
    CHECK(h.value_at_percentile(0) == sorted.front());
    CHECK(h.value_at_percentile(100) == sorted.back());

    for (double p : {50.0, 90.0, 95.0, 99.0, 99.9}) {
        const std::uint64_t exact = exact_percentile(sorted, p);
        const std::uint64_t got = h.value_at_percentile(p);
        CAPTURE(p);
        CAPTURE(exact);
        CAPTURE(got);
        const double error = std::fabs(double(got) - double(exact));
        CHECK(error <= double(exact) / 1000.0);
    }
}

}  // namespace

TEST_CASE("histogram buckets hold their values within 0.1%") {
    const std::vector<std::uint64_t> values = sweep_values();
    REQUIRE(values.size() > 15000);
    std::size_t previous = 0;
    std::size_t bad_range = 0;
    std::size_t bad_width = 0;
    std::size_t bad_order = 0;
    std::size_t bad_index = 0;
    for (std::uint64_t v : values) {
        const std::size_t i = LatencyHistogram::index_of(v);
        const std::uint64_t lo = LatencyHistogram::lowest_in_bucket(i);
        const std::uint64_t hi = LatencyHistogram::highest_in_bucket(i);
        if (i >= LatencyHistogram::bucket_count()) {
            ++bad_index;
            continue;
        }
        if (v < lo || v > hi) {
            ++bad_range;
            MESSAGE("value " << v << " in bucket " << i << " = [" << lo << ", " << hi << "]");
        }
        if ((hi - lo) * 1000 > lo) {
            ++bad_width;
            MESSAGE("bucket " << i << " = [" << lo << ", " << hi << "] is wider than 0.1%");
        }
        if (i < previous) {
            ++bad_order;
        }
        previous = i;
    }
    CHECK(bad_index == 0);
    CHECK(bad_range == 0);
    CHECK(bad_width == 0);
    CHECK(bad_order == 0);
    // Values below 2048 µs are exact.
    for (std::uint64_t v : {0ULL, 1ULL, 999ULL, 2047ULL}) {
        CHECK(LatencyHistogram::index_of(v) == v);
    }
    CHECK(LatencyHistogram::index_of(k_max) < LatencyHistogram::bucket_count());
}

TEST_CASE("histogram buckets tile the range without gaps or overlaps") {
    const std::size_t n = LatencyHistogram::bucket_count();
    REQUIRE(n > 0);
    CHECK(LatencyHistogram::lowest_in_bucket(0) == 0);
    std::size_t bad = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t lo = LatencyHistogram::lowest_in_bucket(i);
        const std::uint64_t hi = LatencyHistogram::highest_in_bucket(i);
        bad += (lo > hi) ? 1 : 0;
        bad += (LatencyHistogram::index_of(lo) != i) ? 1 : 0;
        bad += (LatencyHistogram::index_of(hi) != i) ? 1 : 0;
        if (i + 1 < n) {
            bad += (LatencyHistogram::lowest_in_bucket(i + 1) != hi + 1) ? 1 : 0;
        }
    }
    CHECK(bad == 0);
    // The last bucket reaches 1 h: nothing recordable falls outside.
    CHECK(LatencyHistogram::highest_in_bucket(n - 1) >= k_max);
}

TEST_CASE("empty histogram") {
    LatencyHistogram h;
    CHECK(h.count() == 0);
    CHECK(h.min() == 0);
    CHECK(h.max() == 0);
    CHECK(h.sum() == 0);
    CHECK(h.mean() == 0.0);
    CHECK(h.value_at_percentile(50) == 0);
}

TEST_CASE("percentiles of a uniform distribution 1..100000 us") {
    std::vector<std::uint64_t> samples;
    for (std::uint64_t v = 1; v <= 100000; ++v) {
        samples.push_back(v);
    }
    // Recording order must not matter.
    std::mt19937_64 rng(7);
    std::shuffle(samples.begin(), samples.end(), rng);
    check_percentiles(samples);

    LatencyHistogram h;
    for (std::uint64_t v : samples) {
        h.record(v);
    }
    CHECK(h.mean() == doctest::Approx(50000.5));
    CHECK(h.value_at_percentile(50) == doctest::Approx(50000).epsilon(0.001));
    CHECK(h.value_at_percentile(99.9) == doctest::Approx(99900).epsilon(0.001));
}

TEST_CASE("percentiles of a log-normal distribution") {
    std::mt19937_64 rng(20240611);
    std::lognormal_distribution<double> dist(std::log(20000.0), 1.2);  // median 20 ms, long tail
    std::vector<std::uint64_t> samples;
    samples.reserve(200000);
    for (int i = 0; i < 200000; ++i) {
        const double x = dist(rng);
        samples.push_back(std::clamp<std::uint64_t>(static_cast<std::uint64_t>(x), 1, k_max));
    }
    check_percentiles(samples);
}

TEST_CASE("percentiles of a small exact set") {
    LatencyHistogram h;
    for (std::uint64_t v : {3000ULL, 1000ULL, 2000ULL}) {
        h.record(v);
    }
    CHECK(h.value_at_percentile(50) == 2000);  // nearest rank: ceil(1.5) = 2nd value
    CHECK(h.value_at_percentile(33) == 1000);
    CHECK(h.value_at_percentile(34) == 2000);
    CHECK(h.value_at_percentile(90) == 3000);
    CHECK(h.mean() == 2000.0);
}

TEST_CASE("values above 1 h are clamped in the buckets but min/max/sum stay exact") {
    LatencyHistogram h;
    const std::uint64_t two_hours = 2 * k_max;
    h.record(10);
    h.record(two_hours);
    h.record(k_max + 1);
    CHECK(h.count() == 3);
    CHECK(h.min() == 10);
    CHECK(h.max() == two_hours);
    CHECK(h.sum() == 10 + two_hours + k_max + 1);
    CHECK(h.value_at_percentile(100) == two_hours);
    CHECK(h.value_at_percentile(10) == 10);
    // Both large values sit in the 1 h bucket.
    const double p90 = double(h.value_at_percentile(90));
    CHECK(std::fabs(p90 - double(k_max)) <= double(k_max) / 1000.0);

    LatencyHistogram only_huge;
    only_huge.record(5 * k_max);
    CHECK(only_huge.min() == 5 * k_max);
    CHECK(only_huge.max() == 5 * k_max);
    CHECK(only_huge.value_at_percentile(50) == 5 * k_max);  // never outside [min, max]
}

TEST_CASE("merging histograms equals recording everything in one") {
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> dist(std::log(5000.0), 1.0);
    LatencyHistogram a;
    LatencyHistogram b;
    LatencyHistogram all;
    for (int i = 0; i < 50000; ++i) {
        const auto v = static_cast<std::uint64_t>(dist(rng)) + 1;
        (i % 3 == 0 ? a : b).record(v);
        all.record(v);
    }
    all.record(9 * k_max);
    b.record(9 * k_max);
    REQUIRE(a.count() > 0);
    REQUIRE(b.count() > 0);

    LatencyHistogram merged;
    merged.merge(a);
    merged.merge(b);
    CHECK(merged.count() == all.count());
    CHECK(merged.count() == a.count() + b.count());
    CHECK(merged.min() == all.min());
    CHECK(merged.max() == all.max());
    CHECK(merged.sum() == all.sum());
    for (double p : {0.0, 1.0, 50.0, 90.0, 95.0, 99.0, 99.9, 99.999, 100.0}) {
        CAPTURE(p);
        CHECK(merged.value_at_percentile(p) == all.value_at_percentile(p));
    }

    // Merging an empty histogram changes nothing; merging into an empty one copies.
    LatencyHistogram copy;
    copy.merge(a);
    copy.merge(LatencyHistogram{});
    CHECK(copy.count() == a.count());
    CHECK(copy.min() == a.min());
    CHECK(copy.max() == a.max());
    CHECK(copy.sum() == a.sum());
    CHECK(copy.value_at_percentile(50) == a.value_at_percentile(50));
}

TEST_CASE("reset empties a histogram") {
    LatencyHistogram h;
    for (std::uint64_t v = 100; v < 200; ++v) {
        h.record(v);
    }
    h.reset();
    CHECK(h.count() == 0);
    CHECK(h.min() == 0);
    CHECK(h.max() == 0);
    CHECK(h.sum() == 0);
    CHECK(h.value_at_percentile(50) == 0);
    // Recording again starts from scratch: the old min (100) and buckets are gone.
    h.record(500);
    CHECK(h.count() == 1);
    CHECK(h.min() == 500);
    CHECK(h.max() == 500);
    CHECK(h.value_at_percentile(1) == 500);
}
