// VirtualUser: one simulated user. It owns one instance of the test class for its whole life,
// runs the test as many times as the plan says (setUp / test / tearDown each time) and serves the
// host API calls the instance makes, suspending its coroutine on I/O and sleeps.
#pragma once

#include <chrono>
#include <cstdint>

#include <loads/abi.h>

#include "asio_types.hpp"
#include "http_session.hpp"
#include "run_plan.hpp"
#include "run_stats.hpp"

namespace loads::host {

class Worker;

class VirtualUser {
public:
    VirtualUser(Worker& worker, const RunPlan& plan, std::uint32_t index, std::uint32_t cycle_users);

    /// The user's whole life; runs on the worker's thread inside a coroutine.
    void run(Yield yield);
    /// Stops the user: no new test starts and pending I/O or sleeps end at once.
    void cancel();
    /// Watchdog hook: times out the HTTP exchange in progress if it is overdue.
    void check_deadline(std::chrono::steady_clock::time_point now) { m_http.check_deadline(now); }

    // Host services (see loads_host_api). Called from plugin code on this user's coroutine.
    int32_t http_request(const loads_http_request& request, loads_http_response& response);
    void incr_counter(std::string_view name, std::int64_t delta);
    int32_t sleep(double seconds);

    loads_vu* handle() noexcept { return reinterpret_cast<loads_vu*>(this); }
    static VirtualUser* from(loads_vu* vu) noexcept { return reinterpret_cast<VirtualUser*>(vu); }

private:
    void run_one_test(void* instance);
    void run_and_share_thread(void* instance);
    bool may_start_test() const;

    Worker& m_worker;
    const RunPlan& m_plan;
    std::uint32_t m_index;
    std::uint32_t m_cycle_users;
    HttpSession m_http;
    SteadyTimer m_sleep_timer;
    Yield* m_yield = nullptr;
    bool m_cancelled = false;
    std::uint64_t m_sleeps = 0;
};

}  // namespace loads::host
