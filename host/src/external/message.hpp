// The messages of an external runner (--test-runner): one JSON object per ZeroMQ frame, checked
// against the protocol of the original Loads (see docs: external runners) and read into a reused
// ExternalMessage. A frame that does not follow the protocol is refused with a one-line reason;
// the caller counts it and carries on. simdjson stays out of this header (it is large).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace loads::host {

enum class ExternalType : std::uint8_t {
    start_test,
    stop_test,
    add_success,
    add_failure,
    add_error,
    add_hit,
    socket_open,
    socket_close,
    socket_message,
    incr_counter,
    start_test_run,
    stop_test_run
};

/// The `data_type` that names `type` on the wire ("startTest", "add_hit", ...).
std::string_view data_type_name(ExternalType type);

/// `loads_status`: [hits, users, current_hit, current_user], current_user 1-based.
struct ExternalStatus {
    std::uint64_t hits = 0, users = 0, hit = 0, user = 0;
    bool given = false;
};

/// One message. Reused between parses: parse() resets every field, and the strings keep their
/// capacity, so a steady stream of messages allocates nothing.
struct ExternalMessage {
    ExternalType type{};
    /// A string run_id was sent (it may be empty); comparing it with this run's is the caller's.
    bool has_run_id = false;
    std::string run_id;
    ExternalStatus status;
    std::string test;                                  ///< Tests' and incr_counter's, empty when not sent.
    std::string exc_type, exc_message, exc_traceback;  ///< addFailure/addError; a null is empty.
    std::string url, method;                           ///< add_hit; method "GET" when not sent.
    int status_code = 0;                               ///< add_hit, 0..999.
    bool has_started = false;                          ///< add_hit sent a `started` date.
    std::int64_t started_us = 0;                       ///< Microseconds since the Unix epoch.
    std::uint64_t elapsed_us = 0;                      ///< add_hit's elapsed, rounded.
    std::uint64_t size = 0;                            ///< socket_message
    std::string name;                                  ///< incr_counter
};

/// Reads frames one after another with one simdjson parser and one padded buffer. Not
/// thread-safe: one per receiving thread.
///
/// Rules: extra keys are ignored everywhere (and `agent_id` is never read); a JSON null counts as
/// a missing key; when a key is repeated, its first value counts (the later ones are extra keys).
class ExternalMessageParser {
public:
    ExternalMessageParser();
    ~ExternalMessageParser();
    ExternalMessageParser(const ExternalMessageParser&) = delete;
    ExternalMessageParser& operator=(const ExternalMessageParser&) = delete;

    /// Frames larger than this are malformed without being parsed: no runner of ours sends more
    /// than a traceback, and it bounds what the parser keeps allocated.
    static constexpr std::size_t k_max_frame = 1 << 20;

    /// true with `out` filled (and `why` cleared), or false with `why` = one printable line
    /// (<= 200 bytes, control characters and invalid UTF-8 replaced) saying what was wrong, e.g.
    /// "not JSON", "not a JSON object", "no data_type", "unknown data_type 'foo'",
    /// "add_hit: 'status' is not an integer", "add_hit without 'url'", "'loads_status' is not 4
    /// non-negative integers", "'run_id' is not a string", "a frame of 2000000 bytes".
    bool parse(std::string_view frame, ExternalMessage& out, std::string& why);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// `text` fit for one line of a terminal: control characters (C0, DEL, C1) and invalid UTF-8
/// become '?', and past `max` bytes it is cut on a character boundary and ends with "...".
std::string printable_line(std::string_view text, std::size_t max);

/// The exception class as people know it: "<class 'AssertionError'>" -> "AssertionError",
/// "<type 'exceptions.ValueError'>" -> "ValueError", "<class 'mod.MyError'>" -> "mod.MyError";
/// anything else unchanged but for the blanks around it.
std::string exception_name(std::string_view cls);

/// Where a Python traceback ends: its last `File "path", line N` as "path:N"; empty when there is
/// none.
std::string traceback_location(std::string_view traceback);

}  // namespace loads::host
