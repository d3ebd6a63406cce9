// loads-broker: the cluster's coordinator. Agents register with it, runners send it runs, and it
// merges and republishes the figures, stores every run and ends runs whose agents are done or
// gone. Exit status: 0 stopped by SIGINT/SIGTERM (or --check), 2 bad options, 3 the broker cannot
// start (another broker on the frontend, an endpoint that cannot be bound, the database), 4
// internal error.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "base/log.hpp"
#include "base/program_main.hpp"
#include "base/stop_signals.hpp"
#include "base/usage_error.hpp"
#include "cli/daemon_command_line.hpp"
#include "cluster/broker/broker.hpp"
#include "cluster/broker/observer_dispatch.hpp"
#include "cluster/broker_client.hpp"
#include "plugins/module_finder.hpp"

namespace {

using namespace loads::host;
namespace po = boost::program_options;

// Where the broker looks for observers after its built-in ones: --observer-path, then LOADS_PATH.
std::vector<std::filesystem::path> observer_search(const std::string& given) {
    std::vector<std::filesystem::path> dirs = split_path_list(given);
    for (auto& dir : loads_path()) {
        dirs.push_back(std::move(dir));
    }
    return dirs;
}

int check(const std::string& frontend) {
    BrokerClient client(dialable_endpoint(frontend, frontend), std::chrono::milliseconds(1000));
    try {
        if (auto reply = client.try_call({{"command", JsonValue("PING")}})) {
            std::cout << "A broker is running. PID: " << reply->result.int_at("pid").value_or(0) << '\n';
            return 0;
        }
    } catch (const ClusterError& e) {
        std::cout << "Something answered on " << frontend << " but not as a broker: " << e.what() << '\n';
        return 0;
    }
    std::cout << "There seem to be no broker on this endpoint\n";
    return 0;
}

int run(int argc, char** argv) {
    BrokerSettings settings;
    Endpoints& e = settings.endpoints;
    std::string db = "sqlite";
    std::string db_path = "/tmp/loads/loads.sqlite";
    double db_max_gb = -1;
    std::string logfile = "stdout";
    bool debug = false;
    bool check_only = false;
    double max_archive_mb = 256;
    std::string observer_path;
    po::options_description options("Options");
    // clang-format off
    options.add_options()
        ("frontend", po::value(&e.frontend), "ROUTER socket where runners send their requests (default ipc:///tmp/loads-front.ipc)")
        ("backend", po::value(&e.backend), "ROUTER socket agents connect to (default ipc:///tmp/loads-back.ipc)")
        ("register", po::value(&e.register_), "PULL socket for agents' registrations and heartbeats (default ipc:///tmp/loads-reg.ipc)")
        ("receiver", po::value(&e.receiver), "PULL socket where agents' runners push their figures (default ipc:///tmp/loads-broker-receiver.ipc)")
        ("publisher", po::value(&e.publisher), "PUB socket that republishes each run's figures to its runners (default ipc:///tmp/loads-publisher.ipc)")
        ("heartbeat", po::value(&e.heartbeat), "PUB socket for the broker's heartbeat (default ipc:///tmp/loads-beat.ipc)")
        ("io-threads", po::value(&settings.io_threads), "ZeroMQ I/O threads (default 1)")
        ("db", po::value(&db), "run database backend: sqlite (the only one)")
        ("db-sqlite-path", po::value(&db_path), "the SQLite file runs are stored in (default /tmp/loads/loads.sqlite)")
        ("db-sqlite-max-size", po::value(&db_max_gb), "GB the database may take before the oldest runs are deleted; -1: no limit (default -1)")
        ("max-upload", po::value(&max_archive_mb), "MiB of files (--include-file) one run may ship (default 256)")
        ("observer-path", po::value(&observer_path), "directories (separated by ':') searched for observer plugins after the built-in ones, before LOADS_PATH")
        ("check", po::bool_switch(&check_only), "say whether a broker answers on the frontend, and exit")
        ("logfile", po::value(&logfile), "where the log goes: stdout or a file (default stdout)")
        ("debug", po::bool_switch(&debug), "log more");
    // clang-format on
    if (const auto done = parse_daemon_command_line("loads-broker", argc, argv, options)) {
        return *done;
    }
    if (db != "sqlite") {
        throw UsageError("--db " + db + ": this loads stores runs in SQLite only (--db sqlite)");
    }
    if (!(db_max_gb == -1 || (db_max_gb > 0 && db_max_gb < 1e6))) {
        throw UsageError("--db-sqlite-max-size must be a number of GB > 0, or -1 for no limit");
    }
    if (!(max_archive_mb > 0 && max_archive_mb <= 4096)) {
        throw UsageError("--max-upload must be a number of MiB from 0 to 4096");
    }
    if (settings.io_threads < 1 || settings.io_threads > 64) {
        throw UsageError("--io-threads must be between 1 and 64");
    }
    if (check_only) {
        return check(e.frontend);
    }
    settings.db_path = db_path;
    settings.db_max_bytes = db_max_gb < 0 ? 0 : static_cast<std::uint64_t>(std::llround(db_max_gb * 1e9));
    settings.max_archive_bytes = static_cast<std::uint64_t>(max_archive_mb * 1024 * 1024);
    open_log(logfile, debug);
    // Declared first, destroyed last: the broker may still end runs while it stops.
    ObserverDispatch observers(observer_search(observer_path));
    Broker broker(settings, [&](const FinishedRun& run) {
        if (!run.run.observers.empty()) {
            const auto timeout = std::chrono::milliseconds(std::llround(run.run.observer_timeout * 1000));
            observers.post(notification_of(run), run.run.observers, timeout);
        }
    });
    broker.serve(stop_on_signals());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return loads::host::run_program("loads-broker", [&] { return run(argc, argv); });
}
