// RunStore on the SQLite C API. The broker repeats the same few statements every second, so each
// call site's SQL is prepared once and kept for the life of the connection; a statement in use is
// reset when its use ends (so no read lock outlives it), and a transaction rolls back unless it
// reaches its commit.
#include "cluster/broker/run_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "results/stats_codec.hpp"

namespace loads::host {

namespace {

constexpr std::int64_t k_schema_version = 1;
constexpr int k_busy_timeout_ms = 5000;
constexpr std::string_view k_broker_stopped = "the broker stopped";

// Version 1 of the schema (see run_store.hpp), created in one transaction with the version that
// marks it, so a file either has all of it or none.
constexpr const char* k_schema =
    "CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, fqn TEXT NOT NULL, options_json TEXT NOT NULL,"
    " observers TEXT NOT NULL, started REAL NOT NULL, ended REAL, status TEXT NOT NULL, total BLOB);"
    "CREATE TABLE IF NOT EXISTS run_agents (run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
    " agent_id TEXT NOT NULL, hostname TEXT NOT NULL, pid INTEGER NOT NULL, state TEXT NOT NULL,"
    " changed_at REAL NOT NULL, message TEXT NOT NULL, PRIMARY KEY (run_id, agent_id));"
    "CREATE TABLE IF NOT EXISTS intervals (id INTEGER PRIMARY KEY,"
    " run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE, agent_id TEXT NOT NULL,"
    " seq INTEGER NOT NULL, received_at REAL NOT NULL, elapsed REAL NOT NULL, stats BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS intervals_by_run ON intervals(run_id);"
    "CREATE TABLE IF NOT EXISTS counters (run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
    " name TEXT NOT NULL, value INTEGER NOT NULL, PRIMARY KEY (run_id, name));"
    "CREATE TABLE IF NOT EXISTS problem_groups ("
    " run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE, kind TEXT NOT NULL, type TEXT NOT NULL,"
    " message TEXT NOT NULL, location TEXT NOT NULL, count INTEGER NOT NULL,"
    " PRIMARY KEY (run_id, kind, type, message, location));"
    "PRAGMA user_version = 1;";

/// StoreError promises one line, whatever the path or SQLite's reason holds.
StoreError store_error(std::string text) {
    std::replace(text.begin(), text.end(), '\n', ' ');
    std::replace(text.begin(), text.end(), '\r', ' ');
    return StoreError(text);
}

class Statement;

/// An open SQLite connection and the statements prepared on it.
class Connection {
public:
    explicit Connection(const std::filesystem::path& path) : m_file(path.string()) {
        // NOMUTEX: the store is used from one thread, so SQLite's own locking would be pure cost.
        const int rc = sqlite3_open_v2(
            m_file.c_str(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
        if (rc != SQLITE_OK) {
            // A failed open still allocates a handle (it holds the reason), which must be closed.
            const std::string reason = m_db != nullptr ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
            sqlite3_close(m_db);
            throw store_error(m_file + ": cannot open: " + reason);
        }
    }
    ~Connection() {
        for (const auto& [sql, stmt] : m_statements) {
            sqlite3_finalize(stmt);
        }
        sqlite3_close(m_db);
    }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    sqlite3* handle() const noexcept { return m_db; }
    const std::string& file() const noexcept { return m_file; }

    [[noreturn]] void fail(std::string_view what) const {
        throw store_error(m_file + ": " + std::string(what) + ": " + sqlite3_errmsg(m_db));
    }
    /// Runs SQL that binds no values: schema, pragmas, transaction control.
    void exec(const char* sql, std::string_view what) {
        if (sqlite3_exec(m_db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
            fail(what);
        }
    }
    /// The statement for `sql`, a string literal: prepared on first use, then reused. One use of a
    /// given literal at a time (a second would reset the first); different ones may interleave.
    Statement statement(const char* sql);
    /// The first column of the first row of `sql` (a pragma or a count).
    std::int64_t integer(const char* sql);

private:
    std::string m_file;
    sqlite3* m_db = nullptr;
    std::unordered_map<const char*, sqlite3_stmt*> m_statements;  // keyed by the literal's address
};

/// A prepared statement in use: bind, step, read. Reset with its bindings cleared when it goes out
/// of scope, so the next use starts clean.
class Statement {
public:
    Statement(const Connection& db, sqlite3_stmt* stmt) noexcept : m_db(db), m_stmt(stmt) {}
    ~Statement() {
        sqlite3_reset(m_stmt);
        sqlite3_clear_bindings(m_stmt);
    }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // SQLITE_TRANSIENT copies the value: callers may bind temporaries, and the copies are small
    // next to the write itself. An empty view may have a null data(), which SQLite would take as NULL.
    Statement& text(int index, std::string_view value) {
        return check(sqlite3_bind_text64(m_stmt, index, value.empty() ? "" : value.data(), value.size(),
                                         SQLITE_TRANSIENT, SQLITE_UTF8));
    }
    Statement& blob(int index, std::string_view value) {
        return check(sqlite3_bind_blob64(m_stmt, index, value.empty() ? "" : value.data(), value.size(),
                                         SQLITE_TRANSIENT));
    }
    Statement& real(int index, double value) { return check(sqlite3_bind_double(m_stmt, index, value)); }
    Statement& real(int index, std::optional<double> value) {
        return value ? real(index, *value) : check(sqlite3_bind_null(m_stmt, index));
    }
    Statement& integer(int index, std::int64_t value) {
        return check(sqlite3_bind_int64(m_stmt, index, value));
    }

    /// Steps once. @return true when a row is ready to read.
    bool next() {
        const int rc = sqlite3_step(m_stmt);
        if (rc == SQLITE_ROW) {
            return true;
        }
        if (rc != SQLITE_DONE) {
            fail();
        }
        return false;
    }
    /// Runs a statement that returns no rows.
    void run() {
        while (next()) {
        }
    }

    bool is_null(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }
    std::string text_at(int column) const {
        // The pointer first, then the size: the documented order (the size is of the converted value).
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
        return p != nullptr ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column)))
                            : std::string();
    }
    /// Valid until the next step: decoding reads it in place rather than copying a blob.
    std::string_view blob_at(int column) const {
        const auto* p = static_cast<const char*>(sqlite3_column_blob(m_stmt, column));
        return p != nullptr
                   ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column)))
                   : std::string_view();
    }
    double real_at(int column) const { return sqlite3_column_double(m_stmt, column); }
    std::int64_t integer_at(int column) const { return sqlite3_column_int64(m_stmt, column); }

private:
    Statement& check(int rc) {
        if (rc != SQLITE_OK) {
            fail();
        }
        return *this;
    }
    [[noreturn]] void fail() const {
        // The statement's opening words say which operation failed without flooding the line.
        std::string_view sql = sqlite3_sql(m_stmt);
        m_db.fail("cannot run \"" + std::string(sql.substr(0, 40)) + (sql.size() > 40 ? "...\"" : "\""));
    }

    const Connection& m_db;
    sqlite3_stmt* m_stmt;
};

Statement Connection::statement(const char* sql) {
    const auto [it, fresh] = m_statements.try_emplace(sql, nullptr);
    if (fresh) {
        if (sqlite3_prepare_v3(m_db, sql, -1, SQLITE_PREPARE_PERSISTENT, &it->second, nullptr) != SQLITE_OK) {
            m_statements.erase(it);
            fail("cannot prepare \"" + std::string(std::string_view(sql).substr(0, 40)) + "\"");
        }
    }
    return Statement(*this, it->second);
}

std::int64_t Connection::integer(const char* sql) {
    Statement s = statement(sql);
    if (!s.next()) {
        throw store_error(m_file + ": \"" + sql + "\" returned no row");
    }
    return s.integer_at(0);
}

/// BEGIN IMMEDIATE takes the write lock up front, so a database busy with another writer fails at
/// the start rather than halfway through. Rolled back unless commit() is reached.
class Transaction {
public:
    explicit Transaction(Connection& db) : m_db(db) {
        db.exec("BEGIN IMMEDIATE", "cannot begin a transaction");
    }
    ~Transaction() {
        if (!m_committed) {
            sqlite3_exec(m_db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
        }
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    void commit() {
        m_db.exec("COMMIT", "cannot commit");
        m_committed = true;
    }

private:
    Connection& m_db;
    bool m_committed = false;
};

// Observers are kept as a JSON array, made and read by SQLite's own JSON functions: any name
// round-trips, and the CLI can list them with json_each().
std::string observers_json(Connection& db, const std::vector<std::string>& names) {
    std::string json = "[]";
    for (const std::string& name : names) {
        Statement s = db.statement("SELECT json_insert(?1, '$[#]', ?2)");
        s.text(1, json).text(2, name);
        if (s.next()) {
            json = s.text_at(0);
        }
    }
    return json;
}

std::vector<std::string> observer_names(Connection& db, const std::string& json) {
    Statement s = db.statement("SELECT value FROM json_each(?1) ORDER BY key");
    s.text(1, json);
    std::vector<std::string> names;
    while (s.next()) {
        names.push_back(s.text_at(0));
    }
    return names;
}

void write_agent(Connection& db, const std::string& run_id, const StoredAgent& agent) {
    db.statement(
          "INSERT OR REPLACE INTO run_agents (run_id, agent_id, hostname, pid, state, changed_at, message)"
          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
        .text(1, run_id)
        .text(2, agent.agent_id)
        .text(3, agent.hostname)
        .integer(4, agent.pid)
        .text(5, agent.state)
        .real(6, agent.changed_at)
        .text(7, agent.message)
        .run();
}

std::vector<StoredAgent> read_agents(Connection& db, const std::string& run_id) {
    Statement s = db.statement(
        "SELECT agent_id, hostname, pid, state, changed_at, message FROM run_agents WHERE run_id = ?1"
        " ORDER BY agent_id");
    s.text(1, run_id);
    std::vector<StoredAgent> agents;
    while (s.next()) {
        agents.push_back(StoredAgent{s.text_at(0), s.text_at(1), s.integer_at(2), s.text_at(3), s.real_at(4),
                                     s.text_at(5)});
    }
    return agents;
}

/// A row of "SELECT run_id, fqn, options_json, observers, started, ended, status FROM runs", with
/// its observers and agents (SQLite runs those queries while the row's statement stays open).
StoredRun read_run(Connection& db, const Statement& s) {
    StoredRun run;
    run.run_id = s.text_at(0);
    run.fqn = s.text_at(1);
    run.options_json = s.text_at(2);
    run.observers = observer_names(db, s.text_at(3));
    run.started = s.real_at(4);
    if (!s.is_null(5)) {
        run.ended = s.real_at(5);
    }
    run.status = s.text_at(6);
    run.agents = read_agents(db, run.run_id);
    return run;
}

void decode_into(const Connection& db, std::string_view bytes, const std::string& what, RunStats& into) {
    if (const std::string error = decode_stats(bytes, into); !error.empty()) {
        throw store_error(db.file() + ": " + what + " does not decode: " + error);
    }
}

}  // namespace

class RunStore::Database : public Connection {
public:
    using Connection::Connection;
};

RunStore::RunStore(const std::filesystem::path& path, std::uint64_t max_bytes)
    : m_db(std::make_unique<Database>(path)), m_max_bytes(max_bytes) {
    Database& db = *m_db;
    // SQLite falls back to read-only on a write-protected file; the broker must be able to write.
    if (sqlite3_db_readonly(db.handle(), "main") == 1) {
        throw store_error(db.file() + ": cannot open for writing: the file is read-only");
    }
    sqlite3_busy_timeout(db.handle(), k_busy_timeout_ms);
    // The first read of the file: one that is not a database fails here.
    const std::int64_t version = db.integer("PRAGMA user_version");
    if (version > k_schema_version) {
        throw store_error(db.file() + ": the database has schema version " + std::to_string(version) +
                          ", this loads knows versions up to " + std::to_string(k_schema_version));
    }
    if (version == 0 && db.integer("SELECT count(*) FROM sqlite_schema") != 0) {
        throw store_error(db.file() + ": not a loads run store: it holds tables but no schema version");
    }
    // auto_vacuum only takes effect before the first table exists (and before the WAL switch
    // writes the header of a new file), so it comes first; on an existing file it changes nothing.
    db.exec("PRAGMA auto_vacuum = INCREMENTAL", "cannot set auto_vacuum");
    {
        Statement mode = db.statement("PRAGMA journal_mode = WAL");
        if (!mode.next() || mode.text_at(0) != "wal") {
            throw store_error(db.file() + ": cannot switch to a WAL journal");
        }
    }
    db.exec("PRAGMA synchronous = NORMAL", "cannot set synchronous");
    db.exec("PRAGMA foreign_keys = ON", "cannot enable foreign keys");
    if (version == 0) {
        Transaction tx(db);
        db.exec(k_schema, "cannot create the schema");
        tx.commit();
    }
}

RunStore::~RunStore() = default;

void RunStore::begin_run(const StoredRun& run) {
    Transaction tx(*m_db);
    const std::string observers = observers_json(*m_db, run.observers);
    m_db->statement(
            "INSERT INTO runs (run_id, fqn, options_json, observers, started, ended, status)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
        .text(1, run.run_id)
        .text(2, run.fqn)
        .text(3, run.options_json)
        .text(4, observers)
        .real(5, run.started)
        .real(6, run.ended)
        .text(7, run.status)
        .run();
    for (const StoredAgent& agent : run.agents) {
        write_agent(*m_db, run.run_id, agent);
    }
    tx.commit();
}

void RunStore::set_agent(const std::string& run_id, const StoredAgent& agent) {
    write_agent(*m_db, run_id, agent);
}

void RunStore::add_interval(const std::string& run_id, const StoredInterval& interval) {
    m_db->statement(
            "INSERT INTO intervals (run_id, agent_id, seq, received_at, elapsed, stats)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .text(1, run_id)
        .text(2, interval.agent_id)
        .integer(3, static_cast<std::int64_t>(interval.seq))
        .real(4, interval.received_at)
        .real(5, interval.elapsed)
        .blob(6, interval.encoded_stats)
        .run();
}

void RunStore::end_run(const std::string& run_id, double ended, const std::string& status,
                       const RunStats& total) {
    Database& db = *m_db;
    const std::string blob = encode_stats(total);
    Transaction tx(db);
    db.statement("UPDATE runs SET ended = ?2, status = ?3, total = ?4 WHERE run_id = ?1")
        .text(1, run_id)
        .real(2, ended)
        .text(3, status)
        .blob(4, blob)
        .run();
    if (sqlite3_changes(db.handle()) == 0) {
        throw store_error(db.file() + ": cannot end run \"" + run_id + "\": no such run");
    }
    // A second end_run replaces the figures of the first rather than colliding with them.
    db.statement("DELETE FROM counters WHERE run_id = ?1").text(1, run_id).run();
    db.statement("DELETE FROM problem_groups WHERE run_id = ?1").text(1, run_id).run();
    for (const auto& [name, value] : total.counters()) {
        db.statement("INSERT INTO counters (run_id, name, value) VALUES (?1, ?2, ?3)")
            .text(1, run_id)
            .text(2, name)
            .integer(3, value)
            .run();
    }
    for (const auto& [key, count] : total.problems()) {
        db.statement(
              "INSERT INTO problem_groups (run_id, kind, type, message, location, count)"
              " VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .text(1, run_id)
            .text(2, key.kind == ProblemKind::failure ? "failure" : "error")
            .text(3, key.type)
            .text(4, key.message)
            .text(5, key.location)
            .integer(6, static_cast<std::int64_t>(count))
            .run();
    }
    tx.commit();
}

std::vector<StoredRun> RunStore::list_runs() const {
    Statement s = m_db->statement(
        "SELECT run_id, fqn, options_json, observers, started, ended, status FROM runs ORDER BY started, "
        "run_id");
    std::vector<StoredRun> runs;
    while (s.next()) {
        runs.push_back(read_run(*m_db, s));
    }
    return runs;
}

std::optional<StoredRun> RunStore::find_run(const std::string& run_id) const {
    Statement s = m_db->statement(
        "SELECT run_id, fqn, options_json, observers, started, ended, status FROM runs WHERE run_id = ?1");
    s.text(1, run_id);
    if (!s.next()) {
        return std::nullopt;
    }
    return read_run(*m_db, s);
}

std::optional<RunStats> RunStore::total(const std::string& run_id) const {
    Database& db = *m_db;
    RunStats stats;
    {
        Statement s = db.statement("SELECT total FROM runs WHERE run_id = ?1");
        s.text(1, run_id);
        if (!s.next()) {
            return std::nullopt;
        }
        if (!s.is_null(0)) {
            decode_into(db, s.blob_at(0), "the total of run \"" + run_id + "\"", stats);
            return stats;
        }
    }
    // Intervals are deltas (what changed since the agent's previous one), so their sum is the run.
    Statement s = db.statement("SELECT agent_id, seq, stats FROM intervals WHERE run_id = ?1 ORDER BY id");
    s.text(1, run_id);
    while (s.next()) {
        decode_into(db, s.blob_at(2),
                    "interval " + std::to_string(s.integer_at(1)) + " of agent \"" + s.text_at(0) +
                        "\" of run \"" + run_id + "\"",
                    stats);
    }
    return stats;
}

std::vector<StoredInterval> RunStore::intervals(const std::string& run_id) const {
    Statement s = m_db->statement(
        "SELECT agent_id, seq, received_at, elapsed, stats FROM intervals WHERE run_id = ?1 ORDER BY id");
    s.text(1, run_id);
    std::vector<StoredInterval> result;
    while (s.next()) {
        result.push_back(StoredInterval{s.text_at(0), static_cast<std::uint64_t>(s.integer_at(1)),
                                        s.real_at(2), s.real_at(3), std::string(s.blob_at(4))});
    }
    return result;
}

std::vector<std::pair<std::string, std::int64_t>> RunStore::counters(const std::string& run_id) const {
    Statement s = m_db->statement("SELECT name, value FROM counters WHERE run_id = ?1 ORDER BY name");
    s.text(1, run_id);
    std::vector<std::pair<std::string, std::int64_t>> result;
    while (s.next()) {
        result.emplace_back(s.text_at(0), s.integer_at(1));
    }
    return result;
}

std::vector<RunStore::ProblemGroup> RunStore::problem_groups(const std::string& run_id) const {
    Statement s = m_db->statement(
        "SELECT kind, type, message, location, count FROM problem_groups WHERE run_id = ?1"
        " ORDER BY count DESC, kind, type, message, location");
    s.text(1, run_id);
    std::vector<ProblemGroup> result;
    while (s.next()) {
        result.push_back(ProblemGroup{s.text_at(0), s.text_at(1), s.text_at(2), s.text_at(3),
                                      static_cast<std::uint64_t>(s.integer_at(4))});
    }
    return result;
}

std::vector<std::string> RunStore::close_unfinished(const std::string& status, double ended) {
    Database& db = *m_db;
    Transaction tx(db);
    std::vector<std::string> ids;
    {
        Statement s = db.statement("SELECT run_id FROM runs WHERE ended IS NULL ORDER BY started, run_id");
        while (s.next()) {
            ids.push_back(s.text_at(0));
        }
    }
    // The agents first: which runs are unfinished is known only until the runs get their end.
    db.statement(
          "UPDATE run_agents SET state = 'lost', changed_at = ?1, message = ?2"
          " WHERE state = 'running' AND run_id IN (SELECT run_id FROM runs WHERE ended IS NULL)")
        .real(1, ended)
        .text(2, k_broker_stopped)
        .run();
    db.statement("UPDATE runs SET status = ?1, ended = ?2 WHERE ended IS NULL")
        .text(1, status)
        .real(2, ended)
        .run();
    tx.commit();
    return ids;
}

std::uint64_t RunStore::size_bytes() const {
    const std::int64_t used = m_db->integer("PRAGMA page_count") - m_db->integer("PRAGMA freelist_count");
    return static_cast<std::uint64_t>(std::max<std::int64_t>(used, 0) * m_db->integer("PRAGMA page_size"));
}

std::vector<std::string> RunStore::prune() {
    std::vector<std::string> deleted;
    if (m_max_bytes == 0) {
        return deleted;
    }
    Database& db = *m_db;
    {
        Transaction tx(db);
        // Deleted pages join the freelist at once, so size_bytes() sees each deletion.
        while (size_bytes() > m_max_bytes) {
            std::string oldest;
            {
                Statement s = db.statement(
                    "SELECT run_id FROM runs WHERE ended IS NOT NULL ORDER BY started, run_id LIMIT 1");
                if (!s.next()) {
                    break;
                }
                oldest = s.text_at(0);
            }
            db.statement("DELETE FROM runs WHERE run_id = ?1").text(1, oldest).run();
            deleted.push_back(std::move(oldest));
        }
        if (deleted.empty()) {
            return deleted;
        }
        // Moves the free pages to the end of the file and truncates them away (in the WAL).
        db.exec("PRAGMA incremental_vacuum", "cannot vacuum");
        tx.commit();
    }
    // The file itself shrinks only when the WAL is copied back; TRUNCATE also empties the WAL file.
    // A reader holding an old snapshot (the sqlite3 CLI) makes it busy: the next checkpoint will do.
    const int rc =
        sqlite3_wal_checkpoint_v2(db.handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
        db.fail("cannot checkpoint");
    }
    return deleted;
}

}  // namespace loads::host
