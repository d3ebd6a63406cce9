// UserPool: an open-model worker's idle virtual users, waiting for arrivals.
//
// A user that has nothing to do parks here and suspends; the worker's arrival timer takes the
// most recently parked one (its stack and connection are the warmest) and hands it the arrival.
// When the schedule is over the worker closes the pool: parked users are woken to end, busy ones
// end after their iteration. Used by the worker's thread only.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace loads::host {

class VirtualUser;

class UserPool {
public:
    void park(VirtualUser* user) { m_idle.push_back(user); }
    /// An idle user, taken out of the pool, or null when every user is busy.
    VirtualUser* take() noexcept {
        if (m_idle.empty()) {
            return nullptr;
        }
        VirtualUser* user = m_idle.back();
        m_idle.pop_back();
        return user;
    }
    /// No arrival comes any more: returns the idle users (to be woken) and parks none after.
    std::vector<VirtualUser*> close() {
        m_closed = true;
        return std::exchange(m_idle, {});
    }
    bool closed() const noexcept { return m_closed; }
    std::size_t idle() const noexcept { return m_idle.size(); }

private:
    std::vector<VirtualUser*> m_idle;
    bool m_closed = false;
};

}  // namespace loads::host
