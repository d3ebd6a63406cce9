#include "results/recorder.hpp"

namespace loads::host {

void Recorder::begin_test(std::uint32_t series, std::uint32_t hit) {
    m_place.series = series;
    m_place.hit = hit;
    // The start is only needed for these two events; a clock read per test is worth saving
    // when no output asked for them (the default).
    m_test_started_us = wants(LOADS_EVENT_TEST_START) || wants(LOADS_EVENT_TEST_STOP) ? epoch_micros() : 0;
    if (wants(LOADS_EVENT_TEST_START)) {
        m_events->add(LOADS_EVENT_TEST_START, m_test_started_us, m_place);
    }
}

void Recorder::hit(std::string_view method, std::string_view url, int status, std::uint64_t elapsed_us) {
    // The request was sent `elapsed` ago: one clock read per hit instead of two, and only when an
    // output wants the event.
    hit(method, url, status, elapsed_us, 0);
}

void Recorder::hit(std::string_view method, std::string_view url, int status, std::uint64_t elapsed_us,
                   std::int64_t started_us) {
    if (m_open) {
        m_stats.record_hit(url, status, elapsed_us + m_lag_us, elapsed_us);
    } else {
        m_stats.record_hit(url, status, elapsed_us);
    }
    if (wants(LOADS_EVENT_HIT)) {
        const std::int64_t at =
            started_us != 0 ? started_us : epoch_micros() - static_cast<std::int64_t>(elapsed_us);
        EventRecord& r = m_events->add(LOADS_EVENT_HIT, at, m_place);
        r.method = m_events->store(method);
        r.url = m_events->store(url);
        r.status = status;
        r.elapsed_us = elapsed_us;
    }
}

void Recorder::success() {
    m_stats.record_success();
    if (wants(LOADS_EVENT_SUCCESS)) {
        m_events->add(LOADS_EVENT_SUCCESS, epoch_micros(), m_place);
    }
}

void Recorder::problem(ProblemKind kind, std::string_view type, std::string_view message,
                       std::string_view file, std::uint32_t line) {
    m_stats.record_problem(kind, type, message, file, line);
    const std::int32_t event = kind == ProblemKind::failure ? LOADS_EVENT_FAILURE : LOADS_EVENT_ERROR;
    if (wants(event)) {
        EventRecord& r = m_events->add(event, epoch_micros(), m_place);
        r.error_type = m_events->store(type);
        r.message = m_events->store(message);
        r.file = m_events->store(file);
        r.line = line;
    }
}

void Recorder::end_test(std::int32_t status) {
    if (status == LOADS_STATUS_CANCELLED) {
        m_stats.record_cancelled();
    } else {
        m_stats.record_test_finished();
    }
    if (wants(LOADS_EVENT_TEST_STOP)) {
        const std::int64_t now = epoch_micros();
        EventRecord& r = m_events->add(LOADS_EVENT_TEST_STOP, now, m_place);
        r.status = status;
        // No begin_test (an external runner's stopTest alone): no duration rather than 56 years.
        r.elapsed_us = m_test_started_us != 0 && now > m_test_started_us
                           ? static_cast<std::uint64_t>(now - m_test_started_us)
                           : 0;
    }
}

void Recorder::counter(std::string_view name, std::int64_t delta) {
    m_stats.incr_counter(name, delta);
    if (wants(LOADS_EVENT_COUNTER)) {
        EventRecord& r = m_events->add(LOADS_EVENT_COUNTER, epoch_micros(), m_place);
        r.name = m_events->store(name);
        r.value = delta;
    }
}

void Recorder::socket_opened(std::string_view url) {
    m_stats.record_socket_opened();
    if (wants(LOADS_EVENT_SOCKET_OPEN)) {
        m_events->add(LOADS_EVENT_SOCKET_OPEN, epoch_micros(), m_place).url = m_events->store(url);
    }
}

void Recorder::socket_closed(std::string_view url) {
    m_stats.record_socket_closed();
    if (wants(LOADS_EVENT_SOCKET_CLOSE)) {
        m_events->add(LOADS_EVENT_SOCKET_CLOSE, epoch_micros(), m_place).url = m_events->store(url);
    }
}

void Recorder::socket_message(std::string_view url, std::uint64_t bytes) {
    m_stats.record_socket_bytes(bytes);
    if (wants(LOADS_EVENT_SOCKET_MESSAGE)) {
        EventRecord& r = m_events->add(LOADS_EVENT_SOCKET_MESSAGE, epoch_micros(), m_place);
        r.url = m_events->store(url);
        r.bytes = bytes;
    }
}

}  // namespace loads::host
