// call_observers: tells a run's observers that it has ended. Each observer runs in a
// `loads-notify` process of its own, all at once, so one that crashes, hangs or waits on a dead
// server costs the others nothing and the caller at most `timeout`: past it, the process is
// killed and the observer reported as timed out. Used by loads-runner at the end of a local run
// and by loads-broker's observer threads when a distributed run ends.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "reporting/notification.hpp"

namespace loads::host {

struct ObserverResult {
    std::string name;
    bool delivered = false;
    std::string message;  ///< What the observer said it did, or why it failed (one line).
};

/// Calls each observer of `names` with `n` and waits for all of them, at most `timeout` (plus
/// a second to reap). `cancel`, when set, ends the wait early (the broker stopping): observers
/// still running are killed and reported as cancelled. Never throws for an observer's failure;
/// @throws std::runtime_error only when nothing can be started (no temporary directory).
std::vector<ObserverResult> call_observers(const Notification& n, const std::vector<std::string>& names,
                                           std::chrono::milliseconds timeout,
                                           const std::atomic<bool>* cancel = nullptr);

/// The line reporting `r`: "observer 'irc': sent to #loads on ..." or
/// "observer 'irc' failed: ...".
std::string observer_result_line(const ObserverResult& r);

/// Where loads-notify is: `<program dir>/../lib/loads/loads-notify`, or LOADS_NOTIFY when set.
std::filesystem::path notifier_program();

}  // namespace loads::host
