// RunPlan: what one run executes, fully decided before the first user starts.
#pragma once

#include <chrono>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <loads/abi.h>

#include "engine/cycles.hpp"
#include "engine/load_profile.hpp"
#include "http/settings.hpp"

namespace loads::host {

/// An open-model run (--rate): iterations start on a schedule, whatever the earlier ones are
/// doing, each on a free user of a pool that starts at `users.front()` users and may grow.
struct OpenModel {
    double rate = 0;              ///< Arrivals per second, > 0.
    std::uint32_t max_users = 0;  ///< The pool's cap (>= the users made before the run).
    std::uint64_t arrivals = 0;   ///< --hits: arrivals to schedule in all; 0 with --duration.
    /// --rate-stages: the rate ramps as these say (`rate` is then their mean, `duration` their
    /// length).
    std::optional<LoadProfile> stages;
};

/// A profile's length as a run's duration.
inline std::chrono::milliseconds length_of(const LoadProfile& p) {
    return std::chrono::milliseconds(std::llround(p.length() * 1000));
}

struct RunPlan {
    const loads_test_v1* test = nullptr;
    std::string fqn;  ///< module.Class.test, as events name it.
    Cycle users{1};
    Cycle hits{1};                                      ///< Used when duration is not set.
    std::optional<std::chrono::milliseconds> duration;  ///< --duration: per user cycle.
    std::chrono::milliseconds grace{5'000};             ///< --grace: how long in-flight tests may finish.
    unsigned threads = 1;                               ///< --threads: worker threads per cycle.
    bool thread_per_user = false;                       ///< --no-patching: one OS thread per user.
    std::string server_url;                             ///< --server-url (empty: the class default).
    std::size_t stack_size = 1024 * 1024;               ///< --stack-size: each user's coroutine stack.
    HttpSettings http;
    std::optional<OpenModel> open;  ///< Set for --rate; `users` then holds the initial pool alone.
    /// --stages: the number of users ramps as these say; `users` holds their peak and `duration`
    /// their length. User u runs while the level is above u (see VirtualUser::run_stages).
    std::optional<LoadProfile> user_stages;
    /// A share of a distributed run (agent mode): this agent takes the open model's arrivals
    /// share_index, share_index + share_count, ... of the whole run's schedule.
    std::uint32_t share_index = 0;
    std::uint32_t share_count = 1;
    /// The distributed run's shared start: a run with stages or an arrival schedule counts its
    /// time from here (waiting for it), so that every agent follows the same clock.
    std::optional<std::chrono::system_clock::time_point> start_at;

    /// The stages the run follows, users or rate, if any.
    const LoadProfile* stages() const {
        return user_stages ? &*user_stages : open && open->stages ? &*open->stages : nullptr;
    }

    /// --stages: the stages' peak of users for their length.
    void follow_user_stages(std::vector<Stage> stages) {
        LoadProfile profile(std::move(stages));
        users = Cycle{static_cast<std::uint32_t>(profile.peak())};
        duration = length_of(profile);
        user_stages.emplace(std::move(profile));
    }
    /// --rate-stages, for `model`'s pool: the rate is the stages' mean, the run their length.
    void follow_rate_stages(OpenModel model, std::vector<Stage> stages) {
        model.stages.emplace(std::move(stages));
        model.rate = model.stages->arrivals_by(model.stages->length()) / model.stages->length();
        duration = length_of(*model.stages);
        open = std::move(model);
    }

    /// Tests a hits-mode run executes (0 in duration mode); an open-model run's arrivals.
    std::uint64_t total_tests() const {
        if (duration) {
            return 0;
        }
        if (!open) {
            return loads::host::total_tests(users, hits);
        }
        // A distributed run's agent takes arrivals share_index, share_index + share_count, ...
        return open->arrivals > share_index ? (open->arrivals - share_index - 1) / share_count + 1 : 0;
    }
};

}  // namespace loads::host
