// The command line of loads-broker and loads-agent: their options plus --help and --version, long
// options spelled out in full (as loads-runner's), errors as one-line UsageErrors.
#pragma once

#include <optional>

#include <boost/program_options.hpp>

namespace loads::host {

/// Parses argv against `options` (to which --help and --version are added). @return 0 when
/// --help or --version was given and answered on stdout (the program exits now), nothing when it
/// should go on. @throws UsageError.
std::optional<int> parse_daemon_command_line(const char* program, int argc, char** argv,
                                             boost::program_options::options_description& options);

}  // namespace loads::host
