// StepWatchdog: the users of one worker whose HTTP step (lookup, connect, handshake, exchange) is
// in progress, for the worker's watchdog to check their deadlines without visiting every user.
//
// Why: users who think between requests are idle most of the time. With 10,000 users sleeping a
// second between GETs, a few dozen are in a step at any moment, and visiting all 10,000 fifty
// times a second took ~4% of the run's CPU, the more the more users. Arming and disarming a step
// costs O(1) here (a session knows its slot; the last entry takes a removed one's place).
//
// One thread uses it: the worker's, which runs the sessions and the watchdog.
#pragma once

#include <chrono>
#include <cstddef>
#include <limits>
#include <vector>

namespace loads::host {

class HttpSession;

class StepWatchdog {
public:
    /// The slot of a session that is not watched.
    static constexpr std::size_t k_unwatched = std::numeric_limits<std::size_t>::max();

    /// Watches `session` unless `slot` (the session's own) says it already is; `slot` is kept up
    /// to date until remove().
    void add(HttpSession& session, std::size_t& slot);
    /// Stops watching the session of `slot`, which becomes k_unwatched; nothing if it was not.
    void remove(std::size_t& slot);
    /// Calls check_deadline(now) on every watched session. A session is not removed from inside
    /// check_deadline (it aborts the step; the session disarms when its coroutine resumes), but
    /// the walk runs from the end so that even a removal of the current one would skip nothing.
    void check(std::chrono::steady_clock::time_point now);
    std::size_t size() const noexcept { return m_entries.size(); }

private:
    struct Entry {
        HttpSession* session;
        std::size_t* slot;
    };
    std::vector<Entry> m_entries;
};

}  // namespace loads::host
