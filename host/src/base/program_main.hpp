// The frame of every loads program's main(): what went wrong becomes one line on stderr and the
// exit status it stands for, the same way in loads-runner, loads-broker and loads-agent.
#pragma once

#include <functional>

namespace loads::host {

/// Runs `body` and returns its status; an exception becomes `<program>: error: <what>` and
/// 2 (UsageError), 3 (EnvironmentError), 6 (ClusterError), `interrupted` and 130 (Interrupted),
/// or `internal error` and 4.
int run_program(const char* program, const std::function<int()>& body);

}  // namespace loads::host
