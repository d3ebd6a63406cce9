// Options: loads-runner's command line (and --config file), parsed and validated into one struct.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "run_plan.hpp"

namespace loads::host {

struct Options {
    std::string fqn;
    std::string users = "1";
    std::optional<std::string> hits;
    std::optional<double> duration;
    std::string server_url;
    std::string config;
    std::string list_module;
    std::string test_dir;
    std::string ca_file;
    unsigned threads = 0;  ///< 0: one per core.
    unsigned stack_kib = 1024;
    double grace = 5;
    double timeout = 30;
    double connect_timeout = 10;
    bool quiet = false;
    bool no_patching = false;
    bool insecure = false;
    bool version = false;
    bool help = false;
};

/// Parses argv, then the --config file if one is named (the command line wins).
/// @throws UsageError for anything malformed, with a one-line message.
Options parse_options(const std::vector<std::string>& args);

/// The --help text.
std::string usage_text();

/// Turns validated options into the plan's numbers (cycles, durations, threads).
/// @throws UsageError (bad cycle, --hits with --duration, out-of-range values).
RunPlan make_plan(const Options& options);

}  // namespace loads::host
