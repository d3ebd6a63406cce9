// Worker: one OS thread with its own io_context, running a share of a cycle's virtual users as
// stackful coroutines. Users never move between workers, so everything a user touches (its
// session, this worker's RunStats) is used by one thread only; the stats reach the Aggregator on
// a timer and when the worker finishes.
//
// In an open-model run (--rate) the worker also owns its share of the arrival schedule and of the
// user pool: its users park in the pool between iterations, its arrival timer hands each due
// arrival to a parked user, makes a new user while the share of --max-users allows, or counts the
// arrival as dropped.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "base/asio_types.hpp"
#include "engine/arrival_schedule.hpp"
#include "engine/cycle_state.hpp"
#include "engine/run_plan.hpp"
#include "engine/stack_pool.hpp"
#include "engine/user_context.hpp"
#include "engine/user_pool.hpp"
#include "http/dns_cache.hpp"
#include "http/dns_lookups.hpp"
#include "http/step_watchdog.hpp"
#include "results/aggregator.hpp"
#include "results/event_sink.hpp"
#include "results/run_stats.hpp"

namespace loads::host {

class VirtualUser;

class Worker {
public:
    /// `sink` (may be null) receives the events some output asked for.
    Worker(const RunPlan& plan, CycleState& cycle, DnsCache& dns, Aggregator& aggregator, EventSink* sink);
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    /// Adds a user before start().
    void add_user(std::uint32_t index, std::uint32_t cycle_users);
    /// Open model, before map_stacks(): this is worker `worker` of `workers`, its pool may grow to
    /// `max_users` users (its share of --max-users).
    void share_arrivals(std::uint32_t worker, std::uint32_t workers, std::size_t max_users);
    /// Maps the users' stacks (after the last add_user). Call it for every worker before starting
    /// any: mapping takes the lock a running worker needs for every page it touches (StackPool).
    /// Throws EnvironmentError when they do not fit.
    void map_stacks();
    /// Starts the thread (mapping the stacks first if map_stacks() was not called).
    void start();
    void join();
    /// Lets the thread run on unjoined (only for a worker that is being abandoned).
    void detach();
    /// Thread-safe: stops every user of this worker (cancels their I/O and sleeps).
    void cancel_all();

    bool done() const noexcept { return m_done.load(std::memory_order_acquire); }
    /// Tests finished so far on this worker (for the progress bar; relaxed).
    std::uint64_t finished_tests() const noexcept { return m_finished.load(std::memory_order_relaxed); }
    /// --stages: users of this worker running now (relaxed).
    std::uint32_t active_users() const noexcept { return m_active.load(std::memory_order_relaxed); }

private:
    void thread_main();
    void schedule_flush();
    /// Hands what was measured since the last time to the aggregator and the event sink.
    void hand_over();
    void schedule_watchdog();
    /// Runs user `i` of m_users on its stack, as a coroutine.
    void spawn(std::size_t i);
    /// A user's coroutine ended (or the arrival schedule did): the timers stop with the last.
    void participant_ended();
    // Open model: the start handshake with the engine, then the timer that deals out arrivals.
    void start_arrivals();
    void schedule_arrival();
    void take_arrival(std::chrono::steady_clock::time_point arrival);
    void end_arrivals();

    const RunPlan& m_plan;
    CycleState& m_cycle;
    DnsCache& m_dns;
    Aggregator& m_aggregator;
    EventSink* m_sink;
    std::uint32_t m_event_mask;
    // One thread runs this io_context and every socket of it is used from that thread only, so the
    // reactor's I/O locking can go (posting from the engine thread stays safe).
    boost::asio::io_context m_io{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
    SteadyTimer m_flush_timer{m_io};
    SteadyTimer m_watchdog{m_io};
    SteadyTimer m_arrival_timer{m_io};
    RunStats m_stats;
    EventBuffer m_events;
    DnsLookups m_lookups;
    StepWatchdog m_steps;  // declared before the users, whose sessions it lists
    alignas(64) std::atomic<std::uint64_t> m_finished{0};
    std::atomic<std::uint32_t> m_active{0};
    UserPool m_pool;
    UserContext m_context;  // what the users see of this worker
    std::vector<std::unique_ptr<VirtualUser>> m_users;
    std::unique_ptr<StackPool> m_stacks;  // outlives the users' coroutines: freed after the join
    std::size_t m_live = 0;               ///< User coroutines running, plus one for an open-model schedule.
    std::optional<ArrivalSchedule> m_schedule;
    std::uint32_t m_worker_index = 0;
    std::uint32_t m_workers = 1;
    std::size_t m_max_users = 0;  ///< Open model: this worker's share of the pool's cap.
    std::uint32_t m_cycle_users = 0;
    std::thread m_thread;
    std::atomic<bool> m_done{false};
};

}  // namespace loads::host
