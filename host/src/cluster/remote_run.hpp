// The runner's distributed modes: `--agents N` (start a run on the cluster and follow it),
// `--health-check` (the built-in empty test on every idle agent) and `--attach` (follow a run
// already going, or show one that ended). The run's figures reach the same outputs as a local
// run's, from the broker's merged aggregates. Ctrl-C prints the summary so far, then asks
// whether to stop the run or detach from it.
#pragma once

#include <atomic>
#include <iosfwd>

#include "cli/options.hpp"
#include "reporting/output_hub.hpp"

namespace loads::host {

/// Runs whichever of those modes `options` asks for, with the outputs of `hub` (created, not
/// started). `in`/`out`: where the Ctrl-C and attach questions are asked and answered.
/// @return the runner's exit status: 0, 1 (tests failed), 5 (an output failed), 6 (the run
/// could not be completed by the cluster: agents lost or failed, broker lost), 130 (stopped).
/// @throws UsageError, ClusterError (the broker does not answer, too few agents, no such run).
/// `interrupt` is raised by SIGINT and SIGTERM, `signal` says which: Ctrl-C asks whether to stop
/// or detach, SIGTERM leaves the run going without asking.
int run_on_cluster(const Options& options, OutputHub& hub, std::atomic<bool>& interrupt,
                   const std::atomic<int>& signal, std::istream& in, std::ostream& out);

}  // namespace loads::host
