#include "engine/fd_limit.hpp"

#include <string>

#include <sys/resource.h>

#include "base/usage_error.hpp"

namespace loads::host {

void ensure_fd_limit(std::uint64_t users) {
    // Reserve for stdio, plugins, the DNS resolver, epoll and the runner's own files.
    constexpr std::uint64_t k_reserve = 64;
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
        return;
    }
    if (lim.rlim_cur < lim.rlim_max) {
        rlimit raised = lim;
        raised.rlim_cur = lim.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
            lim = raised;
        }
    }
    if (lim.rlim_cur != RLIM_INFINITY && users + k_reserve > lim.rlim_cur) {
        throw EnvironmentError("open-files limit is " + std::to_string(lim.rlim_cur) + " but " +
                               std::to_string(users) + " users need at least " +
                               std::to_string(users + k_reserve) +
                               "; raise it (ulimit -n, or the hard limit in /etc/security/limits.conf)");
    }
}

}  // namespace loads::host
