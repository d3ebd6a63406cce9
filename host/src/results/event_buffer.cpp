#include "results/event_buffer.hpp"

#include <algorithm>
#include <chrono>
#include <limits>

namespace loads::host {

EventRecord& EventBuffer::add(std::int32_t kind, std::int64_t time_us, const EventPlace& place) {
    EventRecord& r = m_records.emplace_back();
    r.kind = kind;
    r.time_us = time_us;
    r.place = place;
    return r;
}

ArenaText EventBuffer::store(std::string_view s) {
    // Offsets are 32-bit; a worker hands its buffer over every 500 ms, long before 4 GiB.
    constexpr std::size_t k_limit = std::numeric_limits<std::uint32_t>::max();
    const std::size_t length = std::min(s.size(), std::size_t{1} << 20);  // one event's text: 1 MiB at most
    if (m_arena.size() + length > k_limit) {
        return {};
    }
    ArenaText t{static_cast<std::uint32_t>(m_arena.size()), static_cast<std::uint32_t>(length)};
    m_arena.append(s.data(), length);
    return t;
}

namespace {
loads_str slice(const EventBuffer& b, ArenaText t) noexcept {
    const std::string_view s = b.text(t);
    return {s.data(), s.size()};
}
}  // namespace

loads_event EventBatch::view(std::size_t i) const noexcept {
    const EventRecord& r = events.records()[i];
    loads_event e{};
    e.struct_size = sizeof(e);
    e.kind = r.kind;
    e.time_us = r.time_us;
    e.test = {test.data(), test.size()};
    e.agent = agent;
    e.cycle = r.place.cycle;
    e.users = r.place.users;
    e.series = r.place.series;
    e.hit = r.place.hit;
    e.user = r.place.user;
    e.method = slice(events, r.method);
    e.url = slice(events, r.url);
    e.status = r.status;
    e.elapsed_us = r.elapsed_us;
    e.error_type = slice(events, r.error_type);
    e.message = slice(events, r.message);
    e.file = slice(events, r.file);
    e.line = r.line;
    e.name = slice(events, r.name);
    e.value = r.value;
    e.bytes = r.bytes;
    return e;
}

std::int64_t epoch_micros() noexcept {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace loads::host
