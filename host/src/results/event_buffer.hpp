// EventBuffer: the events one worker thread records for the outputs that asked for them (a hit,
// a test's start and end, a counter...), kept as fixed-size records plus one string arena, so
// recording an event costs an append and no allocation of its own. The worker hands the buffer
// over as an EventBatch on its stats timer; outputs read the batch on their own threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <loads/abi.h>

namespace loads::host {

/// A string stored in the arena: offset and length.
struct ArenaText {
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
};

/// Where an event stands in the run: the seed's loads_status plus the cycle index.
struct EventPlace {
    std::uint32_t cycle = 0;
    std::uint32_t users = 0;
    std::uint32_t series = 0;
    std::uint32_t hit = 0;
    std::uint32_t user = 0;
};

struct EventRecord {
    std::int32_t kind = 0;
    std::int32_t status = 0;
    std::int64_t time_us = 0;
    EventPlace place;
    std::uint32_t line = 0;
    std::uint64_t elapsed_us = 0;
    std::int64_t value = 0;
    std::uint64_t bytes = 0;
    ArenaText method, url, error_type, message, file, name;
};

class EventBuffer {
public:
    /// Appends a record; returns it for the caller to fill.
    EventRecord& add(std::int32_t kind, std::int64_t time_us, const EventPlace& place);
    /// Copies `s` into the arena.
    ArenaText store(std::string_view s);

    std::string_view text(ArenaText t) const noexcept { return {m_arena.data() + t.offset, t.length}; }
    const std::vector<EventRecord>& records() const noexcept { return m_records; }
    bool empty() const noexcept { return m_records.empty(); }
    /// Bytes held, for the outputs' queue limit.
    std::size_t footprint() const noexcept { return m_records.size() * sizeof(EventRecord) + m_arena.size(); }

private:
    std::vector<EventRecord> m_records;
    std::string m_arena;
};

/// A handed-over buffer, read-only from then on, with what all its events share.
struct EventBatch {
    EventBuffer events;
    std::string test;         ///< module.Class.test
    std::uint32_t agent = 0;  ///< 0 locally.

    /// The ABI view of record `i` (its strings point into this batch).
    loads_event view(std::size_t i) const noexcept;
};

/// Microseconds since the Unix epoch, now.
std::int64_t epoch_micros() noexcept;

}  // namespace loads::host
