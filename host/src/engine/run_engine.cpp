#include "engine/run_engine.hpp"

#include <algorithm>
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

RunReport RunEngine::run(const RunPlan& plan, RunListener& listener, const std::atomic<bool>& interrupt) {
    RunReport report;
    report.started = std::chrono::system_clock::now();
    const auto run_start = clock::now();
    const std::uint64_t total = plan.total_tests();
    std::uint64_t finished_before = 0;
    auto next_refresh = run_start + k_refresh_period;
    ProgressInfo info;

    for (std::size_t c = 0; c < plan.users.size() && !report.interrupted; ++c) {
        const std::uint32_t users = plan.users[c];
        // On the heap: if a worker has to be abandoned, the state it reads must outlive this scope.
        auto state_owner = std::make_unique<CycleState>();
        CycleState& state = *state_owner;
        state.index = static_cast<std::uint32_t>(c);
        info.cycle = state.index;
        info.users = users;
        const auto cycle_start = clock::now();
        if (plan.duration) {
            state.deadline = cycle_start + *plan.duration;
        }
        const std::size_t nworkers =
            plan.thread_per_user ? users : std::min<std::size_t>(plan.threads, users);
        std::vector<std::unique_ptr<Worker>> workers;
        for (std::size_t w = 0; w < nworkers; ++w) {
            workers.push_back(std::make_unique<Worker>(plan, state, m_dns, m_aggregator, &listener));
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

        // The cycle's users stop starting tests at the deadline; those still busy when the grace
        // period is over are cancelled, so no cycle's users outlive it.
        const auto cancel_at = plan.duration ? state.deadline + plan.grace : clock::time_point::max();
        bool cancelled = false;
        auto abandon_at = clock::time_point::max();
        auto next_progress = clock::now();
        auto finished_now = [&] {
            std::uint64_t n = 0;
            for (auto& w : workers) {
                n += w->finished_tests();
            }
            return n;
        };
        while (!std::all_of(workers.begin(), workers.end(), [](const auto& w) { return w->done(); })) {
            std::this_thread::sleep_for(k_poll);
            const auto now = clock::now();
            report.interrupted = report.interrupted || interrupt.load();
            if (!cancelled && (report.interrupted || now >= cancel_at)) {
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
                double fraction = 0;
                if (plan.duration) {
                    const double per_cycle = std::chrono::duration<double>(*plan.duration).count();
                    const double in_cycle =
                        std::min(std::chrono::duration<double>(now - cycle_start).count(), per_cycle);
                    fraction = (double(c) * per_cycle + in_cycle) / (double(plan.users.size()) * per_cycle);
                } else if (total > 0) {
                    fraction = double(finished_before + finished_now()) / double(total);
                }
                info.fraction = std::min(fraction, 1.0);
                info.elapsed = std::chrono::duration<double>(now - run_start).count();
                listener.on_progress(info);
            }
            if (now >= next_refresh) {
                next_refresh = now + k_refresh_period;
                info.elapsed = std::chrono::duration<double>(now - run_start).count();
                RunStats interval = collect();
                listener.on_refresh(m_total, std::move(interval), info);
            }
        }
        finished_before += finished_now();
        report.interrupted = report.interrupted || interrupt.load();  // no next cycle after Ctrl-C
        for (auto& w : workers) {
            if (w->done()) {
                w->join();
            } else {
                // Still running a test that ignores cancellation: it may touch the worker (and the
                // aggregator) until the process exits, so the worker is deliberately never freed.
                ++report.abandoned_workers;
                w->detach();
                (void)w.release();
            }
        }
        if (report.abandoned_workers > 0) {
            (void)state_owner.release();
            break;
        }
    }
    report.duration_seconds = std::chrono::duration<double>(clock::now() - run_start).count();
    m_last_interval = collect();
    report.stats = m_total;
    if (!report.interrupted) {
        info.fraction = 1.0;
        info.elapsed = report.duration_seconds;
        listener.on_progress(info);
    }
    report.progress = info.fraction;
    return report;
}

}  // namespace loads::host
