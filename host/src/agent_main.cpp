// loads-agent: a cluster node. It registers with the broker and runs the runs the broker gives
// it, each as a child loads-runner in a directory of its own. Exit status: 0 stopped by
// SIGINT/SIGTERM (its runs are stopped first), 2 bad options, 3 it cannot set up its sockets or
// log, 4 internal error.
#include <iostream>
#include <string>

#include <boost/program_options.hpp>

#include "base/log.hpp"
#include "base/program_main.hpp"
#include "base/stop_signals.hpp"
#include "base/usage_error.hpp"
#include "cli/daemon_command_line.hpp"
#include "cluster/agent.hpp"

namespace {

using namespace loads::host;
namespace po = boost::program_options;

int run(int argc, char** argv) {
    AgentSettings settings;
    std::string work_dir = settings.work_dir.string();
    std::string logfile = "stdout";
    double max_upload_mb = 256;
    bool debug = false;
    po::options_description options("Options");
    // clang-format off
    options.add_options()
        ("broker", po::value(&settings.frontend), "the broker's frontend; the other endpoints are asked from it (default ipc:///tmp/loads-front.ipc)")
        ("work-dir", po::value(&work_dir), "where runs without a --test-dir get their directories (default /tmp/loads-agent)")
        ("runner", po::value(&settings.runner), "the loads-runner to start for each run (default: the one beside loads-agent)")
        ("max-upload", po::value(&max_upload_mb), "MiB of files one run may ship to this agent (default 256)")
        ("timeout", po::value(&settings.stop_timeout), "seconds a stopped run's loads-runner gets before it is killed (default 5)")
        ("keep-runs", po::value(&settings.keep_runs), "directories of ended runs kept, with their logs (default 10)")
        ("logfile", po::value(&logfile), "where the log goes: stdout or a file (default stdout)")
        ("debug", po::bool_switch(&debug), "log more");
    // clang-format on
    if (const auto done = parse_daemon_command_line("loads-agent", argc, argv, options)) {
        return *done;
    }
    if (!(max_upload_mb > 0 && max_upload_mb <= 4096)) {
        throw UsageError("--max-upload must be a number of MiB from 0 to 4096");
    }
    if (!(settings.stop_timeout >= 0 && settings.stop_timeout <= 3600)) {
        throw UsageError("--timeout must be a number of seconds from 0 to 3600");
    }
    settings.work_dir = work_dir;
    settings.max_upload_bytes = static_cast<std::uint64_t>(max_upload_mb * 1024 * 1024);
    open_log(logfile, debug);
    Agent agent(settings);
    agent.serve(stop_on_signals());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return loads::host::run_program("loads-agent", [&] { return run(argc, argv); });
}
