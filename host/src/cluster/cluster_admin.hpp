// The runner's broker commands that run nothing: --ping-broker and --purge-broker, printing
// what the original Loads printed (its exact lines, so scripts reading them keep working).
#pragma once

#include <ostream>

#include "cli/options.hpp"

namespace loads::host {

/// `Broker running on pid N`, the agents, the endpoints and the active runs. @return 0.
/// @throws ClusterError when the broker does not answer.
int ping_broker(const Options& options, std::ostream& out);

/// Stops every active run: `Nothing to purge.` or `We have N run(s) right now:` then `Purged.`.
/// @return 0. @throws ClusterError.
int purge_broker(const Options& options, std::ostream& out);

}  // namespace loads::host
