// UsageError: bad input from the user (options, FQN, config, plugin). main() prints its message on
// one line and exits with status 2; nothing else in the host turns input mistakes into crashes.
#pragma once

#include <stdexcept>
#include <string>

namespace loads::host {

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The environment cannot support the run (e.g. too few file descriptors): exit status 3.
class EnvironmentError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The cluster could not do what was asked (the broker does not answer, too few agents, no such
/// run, an agent lost during the run): exit status 6.
class ClusterError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The broker did not answer in time (rather than answering with an error).
class BrokerUnreachable : public ClusterError {
public:
    using ClusterError::ClusterError;
};

/// The user interrupted (Ctrl-C, SIGTERM) while the program waited: exit status 130.
class Interrupted : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace loads::host
