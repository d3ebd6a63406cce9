// Broker: the cluster's coordinator (`loads-broker`). One thread, one ZeroMQ poll loop over the
// six sockets of protocol.hpp: it keeps the list of agents (registrations and heartbeats), starts
// runs on idle agents for runners, merges the figures agents' child runners push, republishes
// them to the run's runners once a second, notices agents that go silent, ends runs, stores
// everything in the run database and hands each finished run to the observers' call point.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "cluster/broker/finished_run.hpp"
#include "cluster/protocol.hpp"

namespace loads::host {

struct BrokerSettings {
    Endpoints endpoints;             ///< Where to bind.
    std::filesystem::path db_path;   ///< The SQLite run database (its directory is created).
    std::uint64_t db_max_bytes = 0;  ///< 0: no limit; else the oldest runs are pruned past it.
    int io_threads = 1;              ///< ZeroMQ I/O threads.
    std::uint64_t max_archive_bytes = std::uint64_t{256} << 20;  ///< Largest file archive a run may ship.
};

/// Called when a run ends, after it was stored: where observers are run.
using RunEndHandler = std::function<void(const FinishedRun&)>;

class Broker {
public:
    /// Opens the database and binds every socket. A broker already answering on the frontend is
    /// refused here, before anything is bound.
    /// @throws EnvironmentError with a one-line reason (already running, cannot bind, database).
    Broker(BrokerSettings settings, RunEndHandler on_run_end);
    ~Broker();
    Broker(const Broker&) = delete;
    Broker& operator=(const Broker&) = delete;

    /// Serves until `stop` becomes true; then the ipc socket files are removed.
    void serve(const std::atomic<bool>& stop);

private:
    struct State;
    std::unique_ptr<State> m_state;
};

}  // namespace loads::host
