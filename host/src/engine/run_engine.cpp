#include "engine/run_engine.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <thread>
#include <vector>

#include "engine/worker.hpp"

namespace loads::host {
namespace {
using clock = std::chrono::steady_clock;
constexpr auto k_poll = std::chrono::milliseconds(5);
constexpr auto k_progress_period = std::chrono::milliseconds(100);
constexpr auto k_refresh_period = std::chrono::seconds(1);
// Cancelled users stop within microseconds unless a test keeps running regardless; past this, the
// run is reported without them rather than hanging.
constexpr auto k_stop_timeout = std::chrono::seconds(5);
}  // namespace

RunStats RunEngine::collect() {
    RunStats interval = m_aggregator.take();
    m_total.merge(interval);
    return interval;
}

namespace {

using Workers = std::vector<std::unique_ptr<Worker>>;

std::uint64_t finished_tests(const Workers& workers) {
    std::uint64_t n = 0;
    for (const auto& w : workers) {
        n += w->finished_tests();
    }
    return n;
}

bool all_done(const Workers& workers) {
    return std::all_of(workers.begin(), workers.end(), [](const auto& w) { return w->done(); });
}

// Joins the workers that are done. One still running a test that ignores cancellation may touch
// its worker (and the aggregator) until the process exits, so it is deliberately never freed.
// @return how many were abandoned.
std::uint32_t join_or_abandon(Workers& workers) {
    std::uint32_t abandoned = 0;
    for (auto& w : workers) {
        if (w->done()) {
            w->join();
        } else {
            ++abandoned;
            w->detach();
            (void)w.release();
        }
    }
    return abandoned;
}

// Where the stages are at `since_start`, and (--stages) how many users run.
void note_stage(const RunPlan& plan, const LoadProfile& stages, const Workers& workers,
                clock::duration since_start, ProgressInfo& info) {
    const double t = std::chrono::duration<double>(since_start).count();
    if (t >= stages.length() && info.stage != 0) {
        return;
    }
    const LoadProfile::Position at = stages.position(t);
    info.stage = at.stage;
    info.stage_count = at.stage_count;
    info.target = at.level;
    if (plan.user_stages && t < stages.length()) {     // past the end: the figures of the end stay
        info.target = std::floor(info.target + 1e-9);  // whole users, as the users count themselves
        std::uint32_t active = 0;
        for (const auto& w : workers) {
            active += w->active_users();
        }
        info.users = active;
    }
}

// A distributed run's shared start on this machine's steady clock (the conversion is as good as
// the machines' wall clocks agree: NTP keeps them within milliseconds).
clock::time_point steady_time_of(std::chrono::system_clock::time_point at) {
    return clock::now() + std::chrono::duration_cast<clock::duration>(at - std::chrono::system_clock::now());
}

// Sleeps until `at` (at once if it has passed), or until an interrupt.
void wait_until(clock::time_point at, const std::atomic<bool>& interrupt) {
    while (clock::now() < at && !interrupt.load()) {
        std::this_thread::sleep_for(
            std::min<clock::duration>(at - clock::now(), std::chrono::milliseconds(5)));
    }
}

}  // namespace

// Where the run stands, across its cycles: what progress and refreshes report.
struct RunEngine::Progress {
    clock::time_point run_start = clock::now();
    clock::time_point cycle_start = run_start;
    clock::time_point next_refresh = run_start + k_refresh_period;
    std::uint64_t total = 0;            ///< Tests of a hits-mode run; 0 in duration mode.
    std::uint64_t finished_before = 0;  ///< Tests finished in the cycles before this one.
    ProgressInfo info;
};

std::vector<std::unique_ptr<Worker>> RunEngine::start_workers(const RunPlan& plan, CycleState& state,
                                                              std::uint32_t users, RunListener& listener) {
    const std::size_t pool = plan.open ? plan.open->max_users : users;
    const std::size_t nworkers = plan.thread_per_user ? users : std::min<std::size_t>(plan.threads, pool);
    Workers workers;
    for (std::size_t w = 0; w < nworkers; ++w) {
        workers.push_back(std::make_unique<Worker>(plan, state, m_dns, m_aggregator, &listener));
        if (plan.open) {  // the pool's cap dealt out as the users are: the first ones get one more
            workers.back()->share_arrivals(static_cast<std::uint32_t>(w),
                                           static_cast<std::uint32_t>(nworkers),
                                           pool / nworkers + (w < pool % nworkers ? 1 : 0));
        }
    }
    for (std::uint32_t u = 0; u < users; ++u) {
        workers[u % nworkers]->add_user(u, users);
    }
    for (auto& w : workers) {
        w->map_stacks();  // all before any worker runs (see StackPool)
    }
    for (auto& w : workers) {
        w->start();
    }
    return workers;
}

// The workers' users made, the clock starts: the first arrival is now and the duration counts
// from it. An interrupt meanwhile releases the workers too (they then schedule nothing).
void RunEngine::release_arrivals(const RunPlan& plan, CycleState& state, std::size_t workers,
                                 const std::atomic<bool>& interrupt) {
    while (state.workers_ready.load(std::memory_order_acquire) < workers) {
        if (interrupt.load()) {
            state.stop_new_tests = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    state.arrivals_start = clock::now();
    if (plan.start_at) {
        // Every agent's schedule counts from the same instant, so their shares interleave. An agent
        // whose pool was made late starts late: its overdue arrivals are taken at once, late.
        state.arrivals_start = steady_time_of(*plan.start_at);
        wait_until(state.arrivals_start, interrupt);
    }
    if (plan.duration) {
        state.deadline = state.arrivals_start + *plan.duration;
    }
    state.arrivals_go.store(true, std::memory_order_release);
    state.arrivals_go.notify_all();
}

void RunEngine::report_progress(const RunPlan& plan, const Workers& workers, Clock::time_point now,
                                Progress& progress, RunListener& listener) {
    double fraction = 0;
    if (plan.duration) {
        const double per_cycle = std::chrono::duration<double>(*plan.duration).count();
        const double in_cycle =
            std::min(std::chrono::duration<double>(now - progress.cycle_start).count(), per_cycle);
        fraction =
            (double(progress.info.cycle) * per_cycle + in_cycle) / (double(plan.users.size()) * per_cycle);
    } else if (progress.total > 0) {
        fraction = double(progress.finished_before + finished_tests(workers)) / double(progress.total);
    }
    progress.info.fraction = std::min(fraction, 1.0);
    progress.info.elapsed = std::chrono::duration<double>(now - progress.run_start).count();
    if (const LoadProfile* stages = plan.stages()) {
        note_stage(plan, *stages, workers, now - progress.cycle_start, progress.info);
    }
    listener.on_progress(progress.info);
}

// The cycle's users stop starting tests at the deadline; those still busy when the grace period is
// over (or at an interrupt) are cancelled, so no cycle's users outlive it; workers that do not stop
// within k_stop_timeout are left to join_or_abandon.
void RunEngine::wait_for_cycle(const RunPlan& plan, CycleState& state, Workers& workers, Progress& progress,
                               RunListener& listener, const std::atomic<bool>& interrupt, bool& interrupted) {
    const auto cancel_at = plan.duration ? state.deadline + plan.grace : clock::time_point::max();
    bool cancelled = false;
    auto abandon_at = clock::time_point::max();
    auto next_progress = clock::now();
    while (!all_done(workers)) {
        std::this_thread::sleep_for(k_poll);
        const auto now = clock::now();
        interrupted = interrupted || interrupt.load();
        if (!cancelled && (interrupted || now >= cancel_at)) {
            state.stop_new_tests = true;
            for (auto& w : workers) {
                w->cancel_all();
            }
            cancelled = true;
            abandon_at = now + k_stop_timeout;
        }
        if (now >= abandon_at) {
            break;
        }
        if (now >= next_progress) {
            next_progress = now + k_progress_period;
            report_progress(plan, workers, now, progress, listener);
        }
        if (now >= progress.next_refresh) {
            progress.next_refresh = now + k_refresh_period;
            progress.info.elapsed = std::chrono::duration<double>(now - progress.run_start).count();
            RunStats interval = collect();
            // The open model's live figures travel with every progress report: no output needs
            // a snapshot (built only for those that override refresh) to show them.
            progress.info.arrivals = m_total.arrivals();
            progress.info.dropped_arrivals = m_total.dropped_arrivals();
            listener.on_refresh(m_total, std::move(interval), progress.info);
        }
    }
}

RunReport RunEngine::run(const RunPlan& plan, RunListener& listener, const std::atomic<bool>& interrupt) {
    RunReport report;
    report.started = std::chrono::system_clock::now();
    Progress progress;
    progress.total = plan.total_tests();

    for (std::size_t c = 0; c < plan.users.size() && !report.interrupted; ++c) {
        const std::uint32_t users = plan.users[c];
        // On the heap: if a worker has to be abandoned, the state it reads must outlive this scope.
        auto state = std::make_unique<CycleState>();
        state->index = static_cast<std::uint32_t>(c);
        progress.info.cycle = state->index;
        progress.info.users = users;
        progress.cycle_start = clock::now();
        if (plan.start_at && !plan.open && c == 0) {  // every agent follows the stages from there
            progress.cycle_start = steady_time_of(*plan.start_at);
            wait_until(progress.cycle_start, interrupt);
        }
        state->start = progress.cycle_start;
        if (plan.duration) {
            state->deadline = progress.cycle_start + *plan.duration;
        }
        Workers workers = start_workers(plan, *state, users, listener);
        if (plan.open) {
            release_arrivals(plan, *state, workers.size(), interrupt);
            progress.cycle_start = state->arrivals_start;
        }
        wait_for_cycle(plan, *state, workers, progress, listener, interrupt, report.interrupted);
        progress.finished_before += finished_tests(workers);
        report.interrupted = report.interrupted || interrupt.load();  // no next cycle after Ctrl-C
        report.abandoned_workers += join_or_abandon(workers);
        if (report.abandoned_workers > 0) {
            (void)state.release();
            break;
        }
    }
    report.duration_seconds = std::chrono::duration<double>(clock::now() - progress.run_start).count();
    m_last_interval = collect();
    report.stats = m_total;
    if (!report.interrupted) {
        progress.info.fraction = 1.0;
        progress.info.elapsed = report.duration_seconds;
        listener.on_progress(progress.info);
    }
    report.progress = progress.info.fraction;
    return report;
}

}  // namespace loads::host
