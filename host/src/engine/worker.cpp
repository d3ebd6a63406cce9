#include "engine/worker.hpp"

#include <cassert>
#include <cstdio>
#include <exception>

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/spawn.hpp>

#include "engine/crash_report.hpp"
#include "engine/host_api.hpp"
#include "engine/virtual_user.hpp"

namespace loads::host {
namespace asio = boost::asio;

namespace {
constexpr auto k_flush_period = std::chrono::milliseconds(500);
// How often request deadlines are checked: the precision of --timeout and --connect-timeout.
constexpr auto k_watchdog_period = std::chrono::milliseconds(20);
}  // namespace

Worker::Worker(const RunPlan& plan, CycleState& cycle, DnsCache& dns, Aggregator& aggregator, EventSink* sink)
    : m_plan(plan),
      m_cycle(cycle),
      m_dns(dns),
      m_aggregator(aggregator),
      m_sink(sink),
      m_event_mask(sink != nullptr ? sink->wanted_events() : 0),
      m_context{m_io,
                m_stats,
                m_events,
                m_event_mask,
                m_dns,
                m_lookups,
                m_steps,
                m_cycle,
                host_api(),
                m_finished,
                plan.open ? &m_pool : nullptr,
                m_active} {}

void Worker::hand_over() {
    m_aggregator.absorb(m_stats);
    if (m_sink != nullptr && !m_events.empty()) {
        auto batch = std::make_shared<EventBatch>();
        batch->events = std::move(m_events);
        batch->test = m_plan.fqn;
        m_events = EventBuffer{};
        m_sink->publish(std::move(batch));
    }
}

Worker::~Worker() {
    if (m_thread.joinable()) {
        cancel_all();
        m_thread.join();
    }
}

void Worker::add_user(std::uint32_t index, std::uint32_t cycle_users) {
    assert(!m_stacks);  // the pool is sized for the users added before map_stacks()
    m_users.push_back(std::make_unique<VirtualUser>(m_context, m_plan, index, cycle_users));
    m_cycle_users = cycle_users;
}

void Worker::share_arrivals(std::uint32_t worker, std::uint32_t workers, std::size_t max_users) {
    assert(!m_stacks && m_plan.open);
    m_worker_index = worker;
    m_workers = workers;
    m_max_users = max_users;
}

void Worker::map_stacks() {
    if (!m_stacks) {
        // An open-model pool may grow: every stack it may need is mapped now (address space
        // only), since mapping later would take the lock every running worker needs.
        m_stacks = std::make_unique<StackPool>(std::max(m_users.size(), m_max_users), m_plan.stack_size);
    }
}

void Worker::start() {
    map_stacks();
    m_thread = std::thread([this] { thread_main(); });
}

void Worker::join() {
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

void Worker::detach() {
    if (m_thread.joinable()) {
        m_thread.detach();
    }
}

void Worker::cancel_all() {
    asio::post(m_io, [this] {
        m_arrival_timer.cancel();  // no arrival after this (end_arrivals closes the pool)
        for (auto& user : m_users) {
            user->cancel();
        }
    });
}

void Worker::schedule_flush() {
    m_flush_timer.expires_after(k_flush_period);
    m_flush_timer.async_wait([this](const boost::system::error_code& ec) {
        hand_over();
        if (!ec && m_live > 0) {
            schedule_flush();
        }
    });
}

void Worker::schedule_watchdog() {
    m_watchdog.expires_after(k_watchdog_period);
    m_watchdog.async_wait([this](const boost::system::error_code& ec) {
        if (ec || m_live == 0) {
            return;
        }
        m_steps.check(std::chrono::steady_clock::now());
        schedule_watchdog();
    });
}

void Worker::participant_ended() {
    if (--m_live == 0) {
        m_flush_timer.cancel();
        m_watchdog.cancel();
    }
}

void Worker::spawn(std::size_t i) {
    VirtualUser* vu = m_users[i].get();
    asio::spawn(
        // A guard page under each stack turns an overflow into a clean fault (see crash_report)
        // rather than silent heap corruption; pages are committed only when touched.
        m_io.get_executor(), std::allocator_arg, PooledStack(m_stacks->stack(i)),
        [vu](Yield yield) { vu->run(yield); },
        [this](std::exception_ptr e) {
            if (e) {
                // VirtualUser::run catches everything; reaching here is a bug worth reporting.
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    std::fprintf(stderr, "loads-runner: internal error in a virtual user: %s\n", ex.what());
                } catch (...) {
                    std::fprintf(stderr, "loads-runner: internal error in a virtual user\n");
                }
            }
            participant_ended();
        });
}

// The users made before the run create their instances and park; once every worker's have, the
// engine sets the first arrival's time and the deadline and lets the workers go, so no arrival of
// the run's start finds its pool still being made.
void Worker::start_arrivals() {
    while (m_pool.idle() + 1 < m_live && !m_cycle.stop_new_tests.load(std::memory_order_relaxed)) {
        m_io.run_one_for(std::chrono::milliseconds(1));
    }
    m_cycle.workers_ready.fetch_add(1, std::memory_order_release);
    m_cycle.arrivals_go.wait(false, std::memory_order_acquire);
    // The run's schedule dealt out to agents, then to this agent's workers: worker w of W on agent
    // a of A takes arrivals a + A·w, a + A·(w + W), ...
    const std::uint32_t first = m_plan.share_index + m_plan.share_count * m_worker_index;
    const std::uint32_t stride = m_plan.share_count * m_workers;
    if (m_plan.open->stages) {
        m_schedule.emplace(*m_plan.open->stages, first, stride, m_cycle.arrivals_start, m_cycle.deadline);
    } else {
        m_schedule.emplace(m_plan.open->rate, first, stride, m_plan.open->arrivals, m_cycle.arrivals_start,
                           m_cycle.deadline);
    }
    schedule_arrival();
}

void Worker::schedule_arrival() {
    const auto next = m_schedule->next();
    if (m_cycle.stop_new_tests.load(std::memory_order_relaxed)) {
        end_arrivals();
        return;
    }
    if (!next) {
        // A timed run lasts its time even when its last arrival comes early (a rate ramping down
        // to nothing): the run's length, and the rate achieved over it, are the plan's.
        if (m_cycle.deadline != std::chrono::steady_clock::time_point::max() &&
            std::chrono::steady_clock::now() < m_cycle.deadline) {
            m_arrival_timer.expires_at(m_cycle.deadline);
            m_arrival_timer.async_wait([this](const boost::system::error_code&) { end_arrivals(); });
        } else {
            end_arrivals();
        }
        return;
    }
    m_arrival_timer.expires_at(*next);
    m_arrival_timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec) {
            end_arrivals();
            return;
        }
        // Every arrival already due (a timer fires late when the thread was busy) is taken now:
        // late, its lateness counted in the corrected latency, but never skipped or queued.
        const auto now = std::chrono::steady_clock::now();
        for (auto at = m_schedule->next(); at && *at <= now; at = m_schedule->next()) {
            take_arrival(*at);
            m_schedule->advance();
        }
        schedule_arrival();
    });
}

void Worker::take_arrival(std::chrono::steady_clock::time_point arrival) {
    if (VirtualUser* user = m_pool.take()) {
        user->assign(arrival);
        return;
    }
    if (m_users.size() < m_max_users) {
        const auto local = static_cast<std::uint32_t>(m_users.size());
        m_users.push_back(std::make_unique<VirtualUser>(m_context, m_plan, m_worker_index + local * m_workers,
                                                        m_cycle_users));
        m_users.back()->assign(arrival);
        ++m_live;
        spawn(m_users.size() - 1);
        return;
    }
    m_stats.record_dropped_arrival();
    m_finished.fetch_add(1, std::memory_order_relaxed);  // dealt with, for a --hits run's progress
}

void Worker::end_arrivals() {
    if (!m_schedule) {
        return;
    }
    m_schedule.reset();
    for (VirtualUser* user : m_pool.close()) {
        user->wake();
    }
    participant_ended();
}

// Every coroutine spawned here runs to its end: users are cancelled, never destroyed while
// suspended (io.run() only returns once all have finished). That matters because destroying a
// suspended Boost.Context fiber unwinds it with an exception that the SDK's catch-all trampolines
// would swallow.
void Worker::thread_main() {
    const CrashStack crash_stack;  // lets the crash report run even after a stack overflow
    // An open-model schedule counts as one more participant: it keeps the flush and watchdog
    // timers going, as a user would, even while no user is alive.
    m_live = m_users.size() + (m_plan.open ? 1 : 0);
    for (std::size_t i = 0; i < m_users.size(); ++i) {
        spawn(i);
    }
    if (m_live > 0) {
        schedule_flush();
        schedule_watchdog();
    }
    if (m_plan.open) {
        start_arrivals();
    }
    m_io.run();
    hand_over();
    m_done.store(true, std::memory_order_release);
}

}  // namespace loads::host
