// VirtualUser: one simulated user. It owns one instance of the test class for its whole life,
// runs the test as many times as the plan says (setUp / test / tearDown each time) and serves the
// host API calls the instance makes, suspending its coroutine on I/O and sleeps.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include <loads/abi.h>

#include "base/asio_types.hpp"
#include "engine/run_plan.hpp"
#include "engine/user_context.hpp"
#include "http/session.hpp"
#include "http/web_socket.hpp"
#include "results/recorder.hpp"
#include "results/run_stats.hpp"

namespace loads::host {

class VirtualUser {
public:
    /// `context` (the worker's) and `plan` outlive the user.
    VirtualUser(const UserContext& context, const RunPlan& plan, std::uint32_t index,
                std::uint32_t cycle_users);

    /// The user's whole life; runs on the worker's thread inside a coroutine.
    void run(Yield yield);
    /// Stops the user: no new test starts and pending I/O or sleeps end at once.
    void cancel();
    /// Open model, on the worker's thread: the user (taken from the pool, or not started yet)
    /// runs its next iteration for the arrival scheduled at `arrival`.
    void assign(std::chrono::steady_clock::time_point arrival);
    /// Open model: wakes a parked user so it sees the pool closed and ends.
    void wake() { m_sleep_timer.cancel(); }

    // Host services (see loads_host_api). Called from plugin code on this user's coroutine.
    int32_t http_request(const loads_http_request& request, loads_http_response& response);
    void incr_counter(std::string_view name, std::int64_t delta);
    int32_t sleep(double seconds);
    int32_t ws_connect(const loads_ws_request& request, loads_ws_reply& reply);
    int32_t ws_send(loads_ws* ws, std::string_view data, bool binary, loads_str& error);
    int32_t ws_receive(loads_ws* ws, bool wait, double timeout, loads_ws_message& out);
    int32_t ws_close(loads_ws* ws, std::uint16_t code, std::string_view reason);
    void ws_release(loads_ws* ws);

    loads_vu* handle() noexcept { return reinterpret_cast<loads_vu*>(this); }
    static VirtualUser* from(loads_vu* vu) noexcept { return reinterpret_cast<VirtualUser*>(vu); }

private:
    /// A new instance of the test class, or null (an error recorded) when the plugin could not
    /// make one.
    void* create_instance();
    /// Destroys `instance` and closes the web sockets its tests left open.
    void end_instance(void* instance);
    void run_one_test(void* instance);
    /// --stages: runs while the stages ask for this user, stopped (and started again) as they
    /// fall (and rise).
    void run_stages();
    /// --stages: waits until the stages ask for this user; false when they never will again (or
    /// the run is over).
    bool wait_until_active();
    bool active_now() const;
    double stage_seconds(std::chrono::steady_clock::time_point now) const;
    /// Open model: one iteration per arrival handed over, parked in the pool in between.
    void run_arrivals(void* instance);
    /// Parks in the pool until an arrival comes (true) or the pool closes or the user is
    /// cancelled (false).
    bool wait_for_arrival();
    void run_and_share_thread(void* instance, std::uint32_t series, std::uint32_t hit);
    bool may_start_test() const;
    void note_test_finished() noexcept { m_context.finished_tests.fetch_add(1, std::memory_order_relaxed); }
    /// The socket behind a handle, or null for a handle this user does not hold (released, or
    /// another user's): a plugin bug reported as an error rather than a crash.
    WebSocket* find_socket(loads_ws* ws);
    void close_sockets();

    const UserContext& m_context;
    const RunPlan& m_plan;
    std::uint32_t m_index;
    std::uint32_t m_cycle_users;
    Recorder m_recorder;
    HttpSession m_http;
    SteadyTimer m_sleep_timer;
    Yield* m_yield = nullptr;
    bool m_cancelled = false;
    std::uint64_t m_sleeps = 0;
    std::vector<std::shared_ptr<WebSocket>> m_sockets;
    std::string m_ws_error;
    std::chrono::steady_clock::time_point m_arrival{};  ///< Open model: the iteration's scheduled start.
    bool m_arrival_pending = false;
};

}  // namespace loads::host
