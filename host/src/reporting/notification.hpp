// Notification: a run that has ended, as its observers are told of it, and the file that carries
// it to the loads-notify processes that call them. The runner (local runs) and the broker
// (distributed runs) fill one; loads-notify reads it back and hands each observer the ABI's
// loads_run_summary. The figures travel in the stats codec's exact form, so an observer sees
// the same percentiles as the run's summary.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "results/run_report.hpp"
#include "results/run_stats.hpp"

namespace loads::host {

struct Notification {
    std::string run_id;
    std::string fqn;
    std::string status;  ///< completed, interrupted, stopped, partial, failed.
    double started = 0;  ///< Epoch seconds.
    double ended = 0;
    RunStats total;
    std::vector<AgentReport> agents;                           ///< Sorted by id; empty for a local run.
    std::vector<std::pair<std::string, std::string>> options;  ///< The run's options, no observer's.
    std::string text;                                          ///< summary_sentence().
    std::string node;                                          ///< Host name of the sender.
    /// Where loads-notify looks for observers after the built-ins (the runner's module path,
    /// the broker's --observer-path).
    std::vector<std::filesystem::path> search;
    /// Every observer option given for the run, by long name (`observer-irc-server`).
    std::map<std::string, std::string> observer_values;
};

/// The seed's observer sentence with real figures: "Test over. Ran 300 tests in 3.21 s. 300 hits,
/// 93.45 RPS. 0 failures, 0 errors, p50 1.2 ms, p99 8.3 ms. Run <id>: completed." plus a
/// sentence for each agent that did not finish.
std::string summary_sentence(const RunStats& total, double seconds, const std::string& run_id,
                             const std::string& status, const std::vector<AgentReport>& agents);

/// The notification as the bytes of a request file: "LNT1", the JSON head's length (4 bytes,
/// little-endian), the JSON head, then the stats codec's bytes.
std::string encode_notification(const Notification& n);

/// @throws std::runtime_error (one line) when `bytes` is not a well-formed request.
Notification decode_notification(std::string_view bytes);

/// Whether a run option is an observer's (`observer`, `observer-*`): those are never shown to
/// observers or stored with the run, since they may hold passwords.
bool is_observer_option(std::string_view name);

}  // namespace loads::host
