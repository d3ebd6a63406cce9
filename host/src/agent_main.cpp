// loads-agent: a cluster node. It registers with the broker and runs the runs the broker gives
// it, each as a child loads-runner in a directory of its own. Exit status: 0 stopped by
// SIGINT/SIGTERM (its runs are stopped first), 2 bad options, 3 it cannot set up its sockets or
// log, 4 internal error.
#include <atomic>
#include <csignal>
#include <iostream>
#include <string>

#include <boost/program_options.hpp>

#include "cluster/agent.hpp"
#include "cluster/log.hpp"
#include "usage_error.hpp"

namespace {

using namespace loads::host;
namespace po = boost::program_options;

std::atomic<bool> g_stop{false};

extern "C" void on_signal(int) {
    g_stop.store(true);
}

int run(int argc, char** argv) {
    AgentSettings settings;
    std::string work_dir = settings.work_dir.string();
    std::string logfile = "stdout";
    double max_upload_mb = 256;
    bool debug = false;
    bool help = false;
    bool version = false;
    po::options_description options("Options");
    // clang-format off
    options.add_options()
        ("help,h", po::bool_switch(&help), "show this help and exit")
        ("version", po::bool_switch(&version), "print the version and exit")
        ("broker", po::value(&settings.frontend), "the broker's frontend; the other endpoints are asked from it (default ipc:///tmp/loads-front.ipc)")
        ("work-dir", po::value(&work_dir), "where runs without a --test-dir get their directories (default /tmp/loads-agent)")
        ("runner", po::value(&settings.runner), "the loads-runner to start for each run (default: the one beside loads-agent)")
        ("max-upload", po::value(&max_upload_mb), "MiB of files one run may ship to this agent (default 256)")
        ("timeout", po::value(&settings.stop_timeout), "seconds a stopped run's loads-runner gets before it is killed (default 5)")
        ("logfile", po::value(&logfile), "where the log goes: stdout or a file (default stdout)")
        ("debug", po::bool_switch(&debug), "log more");
    // clang-format on
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv)
                      .options(options)
                      .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
                      .run(),
                  vm);
        po::notify(vm);
    } catch (const po::error& err) {
        throw UsageError(err.what());
    }
    if (help) {
        std::cout << "Usage: loads-agent [options]\n\n" << options;
        return 0;
    }
    if (version) {
        std::cout << LOADS_VERSION << '\n';
        return 0;
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
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGPIPE, SIG_IGN);
    Agent agent(settings);
    agent.serve(g_stop);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const UsageError& e) {
        std::cerr << "loads-agent: error: " << e.what() << '\n';
        return 2;
    } catch (const EnvironmentError& e) {
        std::cerr << "loads-agent: error: " << e.what() << '\n';
        return 3;
    } catch (const std::exception& e) {
        std::cerr << "loads-agent: internal error: " << e.what() << '\n';
        return 4;
    }
}
