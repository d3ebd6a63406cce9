// StepWatchdog: the users of one worker whose HTTP step (lookup, connect, handshake, exchange) is
// in progress, for the worker's watchdog to check their deadlines without visiting every user.
// It knows what it watches only as a Watchable: anything with a deadline it can cut short.
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

/// What the watchdog watches (a user's HttpSession): a step in progress with a deadline.
class Watchable {
public:
    /// If the step in progress has passed its deadline at `now`, abort it (the step then reports
    /// a timeout). Must not remove itself from the watchdog: that happens when the step ends.
    virtual void check_deadline(std::chrono::steady_clock::time_point now) = 0;

protected:
    ~Watchable() = default;  // never owned through this interface
};

class StepWatchdog {
public:
    /// The slot of a session that is not watched.
    static constexpr std::size_t k_unwatched = std::numeric_limits<std::size_t>::max();

    /// Watches `watched` unless `slot` (its own) says it already is; `slot` is kept up to date
    /// until remove().
    void add(Watchable& watched, std::size_t& slot);
    /// Stops watching what `slot` belongs to, and sets it to k_unwatched; nothing if it was not.
    void remove(std::size_t& slot);
    /// Calls check_deadline(now) on everything watched. Nothing is removed from inside
    /// check_deadline (it aborts the step; the session disarms when its coroutine resumes), but
    /// the walk runs from the end so that even a removal of the current one would skip nothing.
    void check(std::chrono::steady_clock::time_point now);
    std::size_t size() const noexcept { return m_entries.size(); }

private:
    struct Entry {
        Watchable* watched;
        std::size_t* slot;
    };
    std::vector<Entry> m_entries;
};

}  // namespace loads::host
