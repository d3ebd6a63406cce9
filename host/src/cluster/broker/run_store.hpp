// RunStore: the broker's record of every distributed run — its options, start and end, its agents
// and what became of each, the per-second aggregates the agents sent, the final figures and the
// final status — kept in an embedded SQLite database.
//
// Why SQLite: the whole history is one file that survives a broker restart, needs no server, and
// can be read while the broker runs (WAL) with nothing but the sqlite3 CLI, e.g.
//
//     sqlite3 runs.db "SELECT run_id, status, datetime(started, 'unixepoch') FROM runs ORDER BY started"
//
// Schema (user_version 1; every child row belongs to one run and goes with it, ON DELETE CASCADE):
//
//     runs           (run_id PK, fqn, options_json, observers, started, ended NULL, status, total BLOB NULL)
//     run_agents     (run_id, agent_id, hostname, pid, state, changed_at, message; PK (run_id, agent_id))
//     intervals      (id PK = arrival order, run_id, agent_id, seq, received_at, elapsed, stats BLOB)
//                    indexed on run_id
//     counters       (run_id, name, value; PK (run_id, name))
//     problem_groups (run_id, kind, type, message, location, count; PK: all but count)
//
// Times are epoch seconds (REAL). `stats` and `total` are stats_codec blobs; counters and
// problem_groups repeat the final total's counters and error groups as rows so that tools without
// the codec can query them. `observers` is a JSON array of the names (any string round-trips; the
// CLI lists them with `SELECT run_id, value FROM runs, json_each(runs.observers)`).
//
// Speed: the broker calls this from its single loop thread, so the database runs in WAL mode with
// synchronous=NORMAL — a commit (an agent's per-second interval) appends to the WAL without an
// fsync; only checkpoints sync. A power cut may lose the last commits, never corrupt the file.
// auto_vacuum=INCREMENTAL lets prune() give freed space back to the file system.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "results/run_stats.hpp"

namespace loads::host {

/// The database could not be opened, read or written: one line naming the file and SQLite's reason.
class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct StoredAgent {
    std::string agent_id;
    std::string hostname;
    std::int64_t pid = 0;
    std::string state;      ///< "running", "finished", "failed", "lost" or "stopped".
    double changed_at = 0;  ///< Epoch seconds of the last change of state.
    std::string message;    ///< Why it failed or was lost; may be empty.
};

struct StoredRun {
    std::string run_id;
    std::string fqn;
    std::string options_json;            ///< The run's options as a JSON object text, stored as is.
    std::vector<std::string> observers;  ///< Observer names, in order.
    double started = 0;                  ///< Epoch seconds.
    std::optional<double> ended;
    /// "running" while active; then e.g. "completed", "failed", "stopped", "partial",
    /// "broker-restarted".
    std::string status;
    std::vector<StoredAgent> agents;  ///< Sorted by agent_id.
};

struct StoredInterval {
    std::string agent_id;
    std::uint64_t seq = 0;
    double received_at = 0;  ///< Epoch seconds.
    double elapsed = 0;      ///< Seconds since the agent's run started.
    std::string encoded_stats;
};

/// Threading: one thread only. A RunStore is not thread-safe (its connection is opened without
/// SQLite's mutexes); other processes, such as the sqlite3 CLI, may read the file meanwhile.
/// Every method throws StoreError when SQLite fails (disk full, file removed, unknown run_id for
/// a method that writes into a run, ...). Writes are transactions: a method that throws has
/// written nothing (except prune() when only its closing checkpoint fails).
class RunStore {
public:
    /// Opens `path`, creating the file and schema when missing (the parent directory must exist).
    /// `max_bytes`: 0 for no limit, else the size prune() keeps the database under.
    /// @throws StoreError: unreadable or unwritable file, not an SQLite database, a database
    /// holding other tables, a schema version newer than this code knows.
    RunStore(const std::filesystem::path& path, std::uint64_t max_bytes);
    ~RunStore();
    RunStore(const RunStore&) = delete;
    RunStore& operator=(const RunStore&) = delete;

    /// Inserts the run (its status as given, normally "running") and its agents.
    /// @throws StoreError also when the run_id exists already.
    void begin_run(const StoredRun& run);
    /// Inserts or replaces that agent of the run: how the broker records each change of state.
    void set_agent(const std::string& run_id, const StoredAgent& agent);
    /// Appends one per-second aggregate. One small commit, no fsync: cheap enough to do for every
    /// agent every second.
    void add_interval(const std::string& run_id, const StoredInterval& interval);
    /// Ends the run: status, end time, the final total (encoded blob), its counters and problem
    /// groups as rows. Calling it again replaces all of these.
    void end_run(const std::string& run_id, double ended, const std::string& status, const RunStats& total);

    std::vector<StoredRun> list_runs() const;  ///< Oldest first (by started, then run_id).
    std::optional<StoredRun> find_run(const std::string& run_id) const;
    /// The run's figures: the stored final total of an ended run; for a run that never ended (or
    /// was closed by close_unfinished()), the merge of its intervals. nullopt for an unknown run.
    /// @throws StoreError also when a stored blob does not decode.
    std::optional<RunStats> total(const std::string& run_id) const;
    std::vector<StoredInterval> intervals(const std::string& run_id) const;  ///< In arrival order.
    /// The run's final counters as stored rows, by name (for tools reading the database without
    /// the codec, and so tests can check them). Empty until end_run().
    std::vector<std::pair<std::string, std::int64_t>> counters(const std::string& run_id) const;

    struct ProblemGroup {
        std::string kind;  ///< "failure" or "error".
        std::string type;
        std::string message;
        std::string location;
        std::uint64_t count = 0;
    };
    /// The run's final problem groups as stored rows: most frequent first, ties in key order.
    std::vector<ProblemGroup> problem_groups(const std::string& run_id) const;

    /// Runs with no end (the broker stopped during them) get `status` and `ended`, and their
    /// agents still "running" become "lost" (changed at `ended`) with message "the broker
    /// stopped". Meant for the broker's start. @return their ids, oldest first.
    std::vector<std::string> close_unfinished(const std::string& status, double ended);
    /// Bytes the data takes: (page_count - freelist_count) * page_size.
    std::uint64_t size_bytes() const;
    /// While size_bytes() > max_bytes, deletes the oldest ENDED run (never an active one) with
    /// everything it owns, then gives the space back (incremental vacuum, WAL checkpoint) so the
    /// file shrinks. The checkpoint syncs the file: call it when a run ends, not every second.
    /// @return the ids deleted, oldest first. No-op without a limit.
    std::vector<std::string> prune();

private:
    class Database;  ///< The SQLite connection and its prepared statements (run_store.cpp).

    std::unique_ptr<Database> m_db;
    std::uint64_t m_max_bytes;
};

}  // namespace loads::host
