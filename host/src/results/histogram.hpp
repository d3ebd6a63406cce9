// LatencyHistogram: a mergeable log-linear histogram of durations in microseconds, after
// HdrHistogram. Values from 1 µs to 1 h are kept with 3 significant digits (relative error below
// 0.1%): the first 2048 µs one bucket per µs, then 1024 buckets per power of two. Recording is an
// index computation and an increment, so it can sit on the per-request path; merging is a sum.
// The counts live in chunks of 512 buckets allocated on first use: a distribution covers a few
// chunks, so one histogram per URL stays a few KiB instead of 184 KiB.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

namespace loads::host {

class LatencyHistogram {
public:
    static constexpr std::uint64_t k_max_value_us = 3'600'000'000ULL;  ///< 1 hour; larger values clamp.

    LatencyHistogram() = default;
    LatencyHistogram(const LatencyHistogram& other);
    LatencyHistogram& operator=(const LatencyHistogram& other);
    LatencyHistogram(LatencyHistogram&&) noexcept = default;
    LatencyHistogram& operator=(LatencyHistogram&&) noexcept = default;

    void record(std::uint64_t micros) noexcept;
    void merge(const LatencyHistogram& other) noexcept;
    void reset() noexcept;

    std::uint64_t count() const noexcept { return m_count; }
    std::uint64_t min() const noexcept { return m_count ? m_min : 0; }
    std::uint64_t max() const noexcept { return m_max; }
    double mean() const noexcept { return m_count ? double(m_sum) / double(m_count) : 0.0; }
    std::uint64_t sum() const noexcept { return m_sum; }

    /// The value at `percentile` (0–100): the value below or at which that share of the recorded
    /// values fall, within 0.1%. Exact min/max are returned at 0 and 100.
    std::uint64_t value_at_percentile(double percentile) const noexcept;

    /// Adds `count` values to bucket `index` and the given summary figures, as merge() would for
    /// a histogram holding them: how a histogram sent over the wire bucket by bucket is rebuilt.
    /// Call add_summary once with the sender's figures after its buckets.
    /// @return false (and changes nothing) when `index` is not a bucket.
    bool add_to_bucket(std::size_t index, std::uint64_t count);
    void add_summary(std::uint64_t sum, std::uint64_t min, std::uint64_t max) noexcept;

    /// Calls `fn(index, count)` for every non-empty bucket, in ascending order.
    template <class F>
    void for_each_bucket(F&& fn) const {
        for (std::size_t c = 0; c < k_chunks; ++c) {
            if (!m_chunks[c]) {
                continue;
            }
            for (std::size_t i = 0; i < k_chunk_size; ++i) {
                if (const std::uint64_t n = m_chunks[c][i]; n != 0) {
                    fn(c * k_chunk_size + i, n);
                }
            }
        }
    }

    /// Bucket index of a value, and the range of values a bucket holds (for tests).
    static std::size_t index_of(std::uint64_t micros) noexcept;
    static std::uint64_t lowest_in_bucket(std::size_t index) noexcept;
    static std::uint64_t highest_in_bucket(std::size_t index) noexcept;
    static std::size_t bucket_count() noexcept;

    static constexpr std::size_t k_chunk_size = 512;
    static constexpr std::size_t k_chunks = 46;  ///< bucket_count() / k_chunk_size

private:
    std::uint64_t* chunk_for(std::size_t index);

    std::array<std::unique_ptr<std::uint64_t[]>, k_chunks> m_chunks;
    std::uint64_t m_count = 0;
    std::uint64_t m_sum = 0;
    std::uint64_t m_min = ~std::uint64_t{0};
    std::uint64_t m_max = 0;
};

}  // namespace loads::host
