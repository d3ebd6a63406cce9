// Open-files limit: every virtual user holds at least one socket, so the soft limit is raised to
// the hard limit before a run.
#pragma once

#include <cstdint>

namespace loads::host {

/// Raises RLIMIT_NOFILE's soft limit to its hard limit and checks that `users` connections plus
/// a reserve fit. @throws EnvironmentError naming the limit and how to raise it.
void ensure_fd_limit(std::uint64_t users);

}  // namespace loads::host
