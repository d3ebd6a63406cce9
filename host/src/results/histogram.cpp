#include "results/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace loads::host {
namespace {

constexpr unsigned k_sub_bits = 10;                   // 1024 sub-buckets per power of two
constexpr std::uint64_t k_half = 1ULL << k_sub_bits;  // 1024
constexpr std::uint64_t k_linear = k_half * 2;        // values below 2048 are exact
constexpr unsigned k_top_bit = 63 - std::countl_zero(LatencyHistogram::k_max_value_us);  // 31
constexpr std::size_t k_buckets = (k_top_bit - k_sub_bits + 1) * k_half + k_half;        // 23552

}  // namespace

static_assert(LatencyHistogram::k_chunks * LatencyHistogram::k_chunk_size == k_buckets);

LatencyHistogram::LatencyHistogram(const LatencyHistogram& other)
    : m_count(other.m_count), m_sum(other.m_sum), m_min(other.m_min), m_max(other.m_max) {
    for (std::size_t c = 0; c < k_chunks; ++c) {
        if (other.m_chunks[c]) {
            m_chunks[c] = std::make_unique<std::uint64_t[]>(k_chunk_size);
            std::copy_n(other.m_chunks[c].get(), k_chunk_size, m_chunks[c].get());
        }
    }
}

LatencyHistogram& LatencyHistogram::operator=(const LatencyHistogram& other) {
    if (this != &other) {
        LatencyHistogram copy(other);
        *this = std::move(copy);
    }
    return *this;
}

std::uint64_t* LatencyHistogram::chunk_for(std::size_t index) {
    auto& chunk = m_chunks[index / k_chunk_size];
    if (!chunk) {
        chunk = std::make_unique<std::uint64_t[]>(k_chunk_size);  // value-initialised: zeros
    }
    return chunk.get();
}

std::size_t LatencyHistogram::bucket_count() noexcept {
    return k_buckets;
}

std::size_t LatencyHistogram::index_of(std::uint64_t v) noexcept {
    if (v < k_linear) {
        return static_cast<std::size_t>(v);
    }
    const unsigned msb = 63 - std::countl_zero(v);  // >= 11
    const unsigned shift = msb - k_sub_bits;        // >= 1; v >> shift is in [1024, 2047]
    return static_cast<std::size_t>((shift + 1) * k_half + ((v >> shift) - k_half));
}

std::uint64_t LatencyHistogram::lowest_in_bucket(std::size_t index) noexcept {
    if (index < k_linear) {
        return index;
    }
    const std::uint64_t shift = index / k_half - 1;
    const std::uint64_t sub = index % k_half + k_half;
    return sub << shift;
}

std::uint64_t LatencyHistogram::highest_in_bucket(std::size_t index) noexcept {
    if (index < k_linear) {
        return index;
    }
    const std::uint64_t shift = index / k_half - 1;
    return lowest_in_bucket(index) + (std::uint64_t{1} << shift) - 1;
}

void LatencyHistogram::record(std::uint64_t micros) noexcept {
    const std::uint64_t clamped = std::min(micros, k_max_value_us);
    const std::size_t index = index_of(clamped);
    ++chunk_for(index)[index % k_chunk_size];
    ++m_count;
    m_sum += micros;
    m_min = std::min(m_min, micros);
    m_max = std::max(m_max, micros);
}

void LatencyHistogram::merge(const LatencyHistogram& other) noexcept {
    if (other.m_count == 0) {
        return;
    }
    for (std::size_t c = 0; c < k_chunks; ++c) {
        if (const std::uint64_t* from = other.m_chunks[c].get()) {
            std::uint64_t* to = chunk_for(c * k_chunk_size);
            for (std::size_t i = 0; i < k_chunk_size; ++i) {
                to[i] += from[i];
            }
        }
    }
    m_count += other.m_count;
    m_sum += other.m_sum;
    m_min = std::min(m_min, other.m_min);
    m_max = std::max(m_max, other.m_max);
}

bool LatencyHistogram::add_to_bucket(std::size_t index, std::uint64_t count) {
    if (index >= k_buckets) {
        return false;
    }
    chunk_for(index)[index % k_chunk_size] += count;
    m_count += count;
    return true;
}

void LatencyHistogram::add_summary(std::uint64_t sum, std::uint64_t min, std::uint64_t max) noexcept {
    m_sum += sum;
    m_min = std::min(m_min, min);
    m_max = std::max(m_max, max);
}

void LatencyHistogram::reset() noexcept {
    // Chunks stay allocated: a worker's histogram is reset every hand-over and refills the same ones.
    for (auto& chunk : m_chunks) {
        if (chunk) {
            std::fill_n(chunk.get(), k_chunk_size, 0);
        }
    }
    m_count = m_sum = m_max = 0;
    m_min = ~std::uint64_t{0};
}

std::uint64_t LatencyHistogram::value_at_percentile(double percentile) const noexcept {
    if (m_count == 0) {
        return 0;
    }
    if (percentile <= 0) {
        return m_min;
    }
    if (percentile >= 100) {
        return m_max;
    }
    // Rank of the value at or below which `percentile`% of the values fall (nearest-rank method).
    const auto rank = static_cast<std::uint64_t>(std::ceil(percentile / 100.0 * double(m_count)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < k_buckets; ++i) {
        const auto& chunk = m_chunks[i / k_chunk_size];
        if (!chunk) {
            i += k_chunk_size - 1;  // skip the whole empty chunk
            continue;
        }
        seen += chunk[i % k_chunk_size];
        if (seen >= std::max<std::uint64_t>(rank, 1)) {
            // Midpoint of the bucket keeps the error symmetric; never report outside [min, max].
            const std::uint64_t lo = lowest_in_bucket(i);
            const std::uint64_t mid = lo + (highest_in_bucket(i) - lo) / 2;
            return std::clamp(mid, m_min, m_max);
        }
    }
    return m_max;
}

}  // namespace loads::host
