#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "base/usage_error.hpp"
#include "cli/config_file.hpp"
#include "cli/options.hpp"

using loads::host::check_options;
using loads::host::Cycle;
using loads::host::make_plan;
using loads::host::Options;
using loads::host::parse_options;
using loads::host::read_config_file;
using loads::host::RunPlan;
using loads::host::UsageError;
using namespace std::chrono_literals;

namespace {

/// A uniquely named file in the temporary directory, removed when it goes out of scope.
class TempFile {
public:
    explicit TempFile(const std::string& content) {
        static std::atomic<int> counter{0};
        m_path = std::filesystem::temp_directory_path() /
                 ("loads-unit-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".ini");
        std::ofstream out(m_path, std::ios::trunc);
        out << content;
    }
    ~TempFile() {
        std::error_code ec;
        std::filesystem::remove(m_path, ec);
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    std::string path() const { return m_path.string(); }

private:
    std::filesystem::path m_path;
};

using Args = std::vector<std::string>;

/// The message of the UsageError that parsing and planning `args` throws, or "" if none.
std::string usage_error_of(const Args& args) {
    try {
        (void)make_plan(parse_options(args));
    } catch (const UsageError& e) {
        const std::string what = e.what();
        return what.empty() ? std::string("(empty message)") : what;
    }
    return {};
}

/// The message of the UsageError check_options throws for `o`, or "" if none.
std::string rule_broken(const Options& o, bool agents_given = false) {
    try {
        check_options(o, agents_given);
    } catch (const UsageError& e) {
        return e.what();
    }
    return {};
}

/// Options with one change made by `change`.
template <class Change>
Options options_with(Change change) {
    Options o;
    change(o);
    return o;
}

}  // namespace

TEST_CASE("parse_options defaults") {
    const Options o = parse_options({});
    CHECK(o.fqn.empty());
    CHECK(o.users == "1");
    CHECK_FALSE(o.hits.has_value());
    CHECK_FALSE(o.duration.has_value());
    CHECK(o.threads == 0);
    CHECK(o.server_url.empty());
    CHECK(o.config.empty());
    CHECK(o.grace == 5.0);
    CHECK(o.timeout == 30.0);
    CHECK(o.connect_timeout == 10.0);
    CHECK_FALSE(o.quiet);
    CHECK_FALSE(o.no_patching);
    CHECK_FALSE(o.help);
    CHECK_FALSE(o.version);

    const RunPlan plan = make_plan(o);
    CHECK(plan.users == Cycle{1});
    CHECK(plan.hits == Cycle{1});
    CHECK_FALSE(plan.duration.has_value());
    CHECK(plan.grace == 5000ms);
    CHECK(plan.http.timeout == 30000ms);
    CHECK(plan.http.connect_timeout == 10000ms);
    CHECK(plan.threads == std::max(1u, std::thread::hardware_concurrency()));
    CHECK(plan.threads >= 1);
    CHECK_FALSE(plan.thread_per_user);
    CHECK(plan.server_url.empty());
    CHECK(plan.total_tests() == 1);
}

TEST_CASE("parse_options reads users, hits and the positional test name") {
    const Options o = parse_options({"-u", "10:20", "--hits", "5", "example.TestWebSite.test_es"});
    CHECK(o.users == "10:20");
    REQUIRE(o.hits.has_value());
    CHECK(*o.hits == "5");
    CHECK(o.fqn == "example.TestWebSite.test_es");
    CHECK_FALSE(o.duration.has_value());

    const RunPlan plan = make_plan(o);
    CHECK(plan.users == Cycle{10, 20});
    CHECK(plan.hits == Cycle{5});
    CHECK(plan.total_tests() == 150);

    const Options long_form = parse_options({"--users=3:4", "--hits=1:2:3", "--fqn", "m.C.t"});
    CHECK(long_form.users == "3:4");
    CHECK(long_form.fqn == "m.C.t");
    CHECK(make_plan(long_form).hits == Cycle{1, 2, 3});
}

TEST_CASE("make_plan converts durations and switches") {
    const Options o = parse_options({"-d", "1.5", "--grace", "2.5", "--timeout", "7", "--connect-timeout",
                                     "0.25", "--threads", "3", "--no-patching", "--server-url",
                                     "http://localhost:9200", "--quiet", "m.C.t"});
    REQUIRE(o.duration.has_value());
    CHECK(*o.duration == 1.5);
    CHECK(o.quiet);
    CHECK(o.no_patching);
    CHECK(o.threads == 3);
    const RunPlan plan = make_plan(o);
    REQUIRE(plan.duration.has_value());
    CHECK(*plan.duration == 1500ms);
    CHECK(plan.grace == 2500ms);
    CHECK(plan.http.timeout == 7000ms);
    CHECK(plan.http.connect_timeout == 250ms);
    CHECK(plan.threads == 3);
    CHECK(plan.thread_per_user);
    CHECK(plan.server_url == "http://localhost:9200");
    CHECK(plan.total_tests() == 0);  // duration mode

    CHECK(*make_plan(parse_options({"--duration", "30"})).duration == 30000ms);
    CHECK(make_plan(parse_options({"--grace", "0"})).grace == 0ms);
}

TEST_CASE("invalid options are UsageErrors") {
    const std::vector<Args> bad = {
        {"--hits", "5", "--duration", "10"},
        {"--duration", "0"},
        {"--duration", "-1"},
        {"--duration=-1"},
        {"--duration", "abc"},
        {"--timeout", "0"},
        {"--timeout", "-3"},
        {"--connect-timeout", "0"},
        {"--grace", "-1"},
        {"--grace=-1"},
        {"-u", "0"},
        {"-u", "10::20"},
        {"-u", "x"},
        {"--hits", "1:"},
        {"--hits", "0"},
        {"--no-such-option"},
        {"--threads", "abc"},
        {"--threads", "5000"},
        {"m.C.t", "n.D.u"},  // two test names
        {"--users"},         // missing value
    };
    for (const Args& args : bad) {
        std::string shown;
        for (const auto& a : args) {
            shown += a + " ";
        }
        CAPTURE(shown);
        CHECK_FALSE(usage_error_of(args).empty());
    }
    // Malformed cycles are reported against the option.
    CHECK(usage_error_of({"-u", "0"}).find("--users") != std::string::npos);
    CHECK(usage_error_of({"--hits", "a"}).find("--hits") != std::string::npos);
    // Errors that do not need a plan are found while parsing.
    CHECK_THROWS_AS((void)parse_options({"--no-such-option"}), UsageError);
    CHECK_THROWS_AS((void)parse_options({"--threads", "abc"}), UsageError);
}

TEST_CASE("config file: values come from the file unless the command line sets them") {
    const TempFile file(
        "# comment\n"
        "[other]\n"
        "users = 99\n"
        "bogus = ignored in other sections\n"
        "\n"
        "[loads]\n"
        "users = 3\n"
        "hits = 4:5\n"
        "server_url = \"http://localhost:9200\"\n"
        "fqn = example.TestWebSite.test_es\n"
        "quiet = true\n"
        "grace = 1.5\n");

    SUBCASE("file only") {
        const Options o = parse_options({"--config", file.path()});
        CHECK(o.config == file.path());
        CHECK(o.users == "3");
        REQUIRE(o.hits.has_value());
        CHECK(*o.hits == "4:5");
        CHECK(o.server_url == "http://localhost:9200");
        CHECK(o.fqn == "example.TestWebSite.test_es");
        CHECK(o.quiet);
        CHECK(o.grace == 1.5);
        const RunPlan plan = make_plan(o);
        CHECK(plan.users == Cycle{3});
        CHECK(plan.hits == Cycle{4, 5});
        CHECK(plan.grace == 1500ms);
    }
    SUBCASE("the command line wins") {
        const Options o = parse_options({"--config", file.path(), "-u", "7", "--hits", "2", "--server-url",
                                         "http://cli:1", "--grace", "0.5", "cli.C.t"});
        CHECK(o.users == "7");
        REQUIRE(o.hits.has_value());
        CHECK(*o.hits == "2");
        CHECK(o.server_url == "http://cli:1");
        CHECK(o.fqn == "cli.C.t");
        CHECK(o.grace == 0.5);
        CHECK(o.quiet);  // not on the command line: from the file
    }
    SUBCASE("the command line wins whatever the order") {
        const Options o = parse_options({"-u", "7", "--config=" + file.path()});
        CHECK(o.users == "7");
        CHECK(*o.hits == "4:5");
    }
}

TEST_CASE("config file: switches") {
    SUBCASE("quiet = false does not turn quiet on") {
        const TempFile file("[loads]\nquiet = false\nno_patching = off\n");
        const Options o = parse_options({"--config", file.path()});
        CHECK_FALSE(o.quiet);
        CHECK_FALSE(o.no_patching);
    }
    SUBCASE("true values") {
        const TempFile file("[loads]\nquiet = yes\nno-patching = 1\n");
        const Options o = parse_options({"--config", file.path()});
        CHECK(o.quiet);
        CHECK(o.no_patching);
        CHECK(make_plan(o).thread_per_user);
    }
    SUBCASE("quiet on the command line stays on whatever the file says") {
        const TempFile file("[loads]\nquiet = false\n");
        CHECK(parse_options({"--quiet", "--config", file.path()}).quiet);
    }
    SUBCASE("a switch with another value is an error naming the line") {
        const TempFile file("[loads]\n\nquiet = maybe\n");
        try {
            (void)parse_options({"--config", file.path()});
            FAIL("no UsageError");
        } catch (const UsageError& e) {
            CHECK(std::string(e.what()).find(file.path() + ":3") != std::string::npos);
        }
    }
}

TEST_CASE("config file: errors") {
    SUBCASE("unknown key names the file and the line") {
        const TempFile file("[loads]\nusers = 2\n# comment\nfrobnicate = 1\n");
        try {
            (void)parse_options({"--config", file.path()});
            FAIL("no UsageError");
        } catch (const UsageError& e) {
            const std::string what = e.what();
            CHECK(what.find(file.path() + ":4") != std::string::npos);
            CHECK(what.find("frobnicate") != std::string::npos);
        }
    }
    SUBCASE("keys that are not settings from a file") {
        for (const std::string key : {"config", "help", "version", "list"}) {
            CAPTURE(key);
            const TempFile file(std::string("[loads]\n") + key + " = x\n");
            CHECK_THROWS_AS((void)parse_options({"--config", file.path()}), UsageError);
        }
    }
    SUBCASE("missing file") {
        const std::string path = (std::filesystem::temp_directory_path() /
                                  ("loads-unit-missing-" + std::to_string(::getpid()) + ".ini"))
                                     .string();
        REQUIRE_FALSE(std::filesystem::exists(path));
        try {
            (void)parse_options({"--config", path});
            FAIL("no UsageError");
        } catch (const UsageError& e) {
            CHECK(std::string(e.what()).find(path) != std::string::npos);
        }
    }
    SUBCASE("a line that is not key = value") {
        const TempFile file("[loads]\nusers\n");
        CHECK_THROWS_AS((void)parse_options({"--config", file.path()}), UsageError);
    }
    SUBCASE("a malformed section header") {
        const TempFile file("[loads\nusers = 2\n");
        CHECK_THROWS_AS((void)parse_options({"--config", file.path()}), UsageError);
    }
    SUBCASE("a bad value from the file") {
        const TempFile file("[loads]\nthreads = many\n");
        CHECK_THROWS_AS((void)parse_options({"--config", file.path()}), UsageError);
    }
    SUBCASE("duration from the file and hits on the command line are mutually exclusive") {
        const TempFile file("[loads]\nduration = 10\n");
        const Options o = parse_options({"--config", file.path(), "--hits", "5"});
        CHECK(o.duration.has_value());
        CHECK(o.hits.has_value());
        CHECK_THROWS_AS((void)make_plan(o), UsageError);
    }
}

TEST_CASE("read_config_file normalises keys and values") {
    const TempFile file(
        "[loads]\n"
        "  server_url   =   http://h:1/  \n"
        "connect.timeout: 3\n"
        "fqn = \"m.C.t\"\n"
        "; comment\n"
        "[later]\n"
        "users = 5\n");
    const auto entries = read_config_file(file.path());
    REQUIRE(entries.size() == 3);
    CHECK(entries[0].key == "server-url");
    CHECK(entries[0].value == "http://h:1/");
    CHECK(entries[0].line == 2);
    CHECK(entries[1].key == "connect-timeout");
    CHECK(entries[1].value == "3");
    CHECK(entries[1].line == 3);
    CHECK(entries[2].key == "fqn");
    CHECK(entries[2].value == "m.C.t");
    CHECK(entries[2].line == 4);
}

TEST_CASE("read_config_file: [output] and [observer] keys, multi-line values") {
    const TempFile file(
        "[loads]\n"
        "output = json\n"
        "    junit\n"
        "users = 2\n"
        "[output]\n"
        "json_filename = /tmp/r.json\n"
        "[observer]\n"
        "irc_server = x\n"
        "    continued\n"
        "[other]\n"
        "ignored = 1\n");
    const auto entries = read_config_file(file.path());
    REQUIRE(entries.size() == 4);
    CHECK(entries[0].key == "output");
    CHECK(entries[0].value == "json\njunit");
    CHECK(entries[1].key == "users");
    CHECK(entries[2].key == "output-json-filename");
    CHECK(entries[2].section == "output");
    CHECK(entries[2].value == "/tmp/r.json");
    CHECK(entries[3].key == "observer-irc-server");
    CHECK(entries[3].section == "observer");
    CHECK(entries[3].value == "x\ncontinued");
}

TEST_CASE("read_config_file: keys indented alike are separate keys") {
    const TempFile file("[loads]\n  users = 2\n  hits = 3\n     5\n");
    const auto entries = read_config_file(file.path());
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].value == "2");
    CHECK(entries[1].value == "3\n5");
}

TEST_CASE("long options must be written in full") {
    CHECK(usage_error_of({"m.C.t", "--conf", "x.ini"}).find("unrecognised option '--conf'") !=
          std::string::npos);
}

// These use the built-in outputs of the build tree (lib/loads/outputs beside bin/).
TEST_CASE("output options: values, defaults and type checks") {
    SUBCASE("defaults and given values") {
        const Options o =
            parse_options({"m.C.t", "--output", "json,junit", "--output-json-filename", "x.json"});
        CHECK(o.outputs == std::vector<std::string>{"json", "junit"});
        CHECK(o.output_values.at("output-json-filename") == "x.json");
        CHECK(o.output_values.at("output-junit-filename") == "loads-junit.xml");
        CHECK(o.output_values.at("output-stdout-digest-rows") == "10");
    }
    SUBCASE("--output from the command line and the file add up, each name once") {
        const TempFile file("[loads]\noutput = junit, json\n");
        const Options o = parse_options({"m.C.t", "--output", "json", "--config", file.path()});
        CHECK(o.outputs == std::vector<std::string>{"json", "junit"});
    }
    SUBCASE("booleans are normalised, integers checked") {
        const Options o = parse_options({"m.C.t", "--output-stdout-progress", "off"});
        CHECK(o.output_values.at("output-stdout-progress") == "false");
        CHECK(usage_error_of({"m.C.t", "--output-stdout-progress", "maybe"}).find("true or false") !=
              std::string::npos);
        CHECK(usage_error_of({"m.C.t", "--output-stdout-digest-rows", "3x"}).find("an integer") !=
              std::string::npos);
    }
    SUBCASE("an unknown output is a UsageError naming it") {
        CHECK(usage_error_of({"m.C.t", "--output", "nosuch"}).find("unknown output 'nosuch'") !=
              std::string::npos);
    }
    SUBCASE("the run's options are all described") {
        const Options o = parse_options({"m.C.t", "-u", "3"});
        const auto has = [&](const std::string& k, const std::string& v) {
            return std::find(o.all.begin(), o.all.end(), std::pair{k, v}) != o.all.end();
        };
        CHECK(has("users", "3"));
        CHECK(has("grace", "5"));
        CHECK(has("output-json-filename", "loads-report.json"));
    }
}

TEST_CASE("observers: repeatable, their options checked and normalised, kept apart from the run's") {
    // The built-in observers (lib/loads/observers beside bin/) declare the seed's options.
    const Options o = parse_options({"m.C.t", "--observer", "irc", "--observer=email,irc",
                                     "--observer-irc-ssl", "False", "--observer-irc-port", "6667",
                                     "--observer-email-password", "pw", "--observer-timeout", "2.5"});
    CHECK(o.observers == std::vector<std::string>{"irc", "email"});
    CHECK(o.observer_values.at("observer-irc-ssl") == "false");  // the seed read "False" as true
    CHECK(o.observer_values.at("observer-irc-port") == "6667");
    CHECK(o.observer_values.count("observer-irc-server") == 0);  // defaults are the observer's
    CHECK(o.observer_timeout == 2.5);
    // An observer not named keeps its options home (a password in a shared config file).
    const Options irc_only = parse_options({"m.C.t", "--observer", "irc", "--observer-email-password", "pw"});
    CHECK(irc_only.observer_values.count("observer-email-password") == 0);
    // Observer options may be passwords: the run's description (outputs, the database) has none.
    for (const auto& [name, value] : o.all) {
        CHECK_FALSE(name.starts_with("observer-"));
        CHECK(value != "pw");
    }
    CHECK(usage_error_of({"m.C.t", "--observer", "irc", "--observer-irc-port", "x"}) ==
          "--observer-irc-port takes an integer, not 'x'");
    CHECK(usage_error_of({"m.C.t", "--observer", "nosuch"}).starts_with("unknown observer 'nosuch'"));
    CHECK(usage_error_of({"m.C.t", "--observer-timeout", "-1"}).starts_with("--observer-timeout must be"));
    CHECK(usage_error_of({"--attach", "--observer", "irc"}) ==
          "--attach and --observer cannot be used together");
}

TEST_CASE("observers from the config file: [loads] names them, [observer] sets their options") {
    const TempFile file("[loads]\nobserver = email\n    irc\n[observer]\nemail_port = 2525\nirc_ssl = no\n");
    const Options o = parse_options({"m.C.t", "--config", file.path(), "--observer-email-port", "25"});
    CHECK(o.observers == std::vector<std::string>{"email", "irc"});
    CHECK(o.observer_values.at("observer-email-port") == "25");  // the command line wins
    CHECK(o.observer_values.at("observer-irc-ssl") == "false");
}

TEST_CASE("external runner options: --test-runner, --external-process-timeout, --zmq-receiver") {
    const Options plain = parse_options({"m.C.t"});
    CHECK(plain.test_runner.empty());
    CHECK(plain.external_process_timeout == 2.0);
    // A plugin run's description of its options is unchanged...
    const auto has = [](const Options& o, const std::string& key) {
        return std::any_of(o.all.begin(), o.all.end(), [&](const auto& kv) { return kv.first == key; });
    };
    CHECK_FALSE(has(plain, "test-runner"));

    // ...an external run's names its runner.
    const Options o =
        parse_options({"t.js", "--test-runner", "node runner.js {test}", "--external-process-timeout", "0.5",
                       "--zmq-receiver", "tcp://127.0.0.1:*"});
    CHECK(o.test_runner == "node runner.js {test}");
    CHECK(o.external_process_timeout == 0.5);
    CHECK(o.zmq_receiver == "tcp://127.0.0.1:*");
    CHECK(has(o, "test-runner"));
    CHECK(has(o, "external-process-timeout"));

    CHECK(usage_error_of({"m.C.t", "--test-runner", "x", "--external-process-timeout", "0"})
              .find("--external-process-timeout must be") != std::string::npos);
    CHECK(usage_error_of({"m.C.t", "--test-runner", "x", "--external-process-timeout", "-1"}) != "");
    // Without --test-runner or agent mode, --zmq-receiver would be ignored: refused instead.
    CHECK(usage_error_of({"m.C.t", "--zmq-receiver", "ipc:///tmp/x"}).find("goes with --test-runner") !=
          std::string::npos);
    CHECK(usage_error_of({"m.C.t", "--agent-id", "a"}).find("--zmq-receiver must say") != std::string::npos);
    CHECK(usage_error_of({"m.C.t", "--agent-id", "a", "--zmq-receiver", "ipc:///tmp/x"}) == "");
    CHECK(usage_error_of({"m.C.t", "--test-runner", "x", "--agents", "2", "--zmq-receiver", "ipc:///tmp/x"})
              .find("distributed run") != std::string::npos);
}

TEST_CASE("a config file names the external runner like the command line") {
    TempFile ini(
        "[loads]\nfqn = suite.T.t\ntest_runner = python3 r.py {test}\nexternal_process_timeout = 3\n");
    const Options o = parse_options({"--config", ini.path()});
    CHECK(o.test_runner == "python3 r.py {test}");
    CHECK(o.external_process_timeout == 3.0);
}

TEST_CASE("check_options: the defaults break no rule") {
    CHECK(rule_broken(Options()) == "");
}

TEST_CASE("check_options: --agents, when given, is 1 to 10000") {
    const std::string range = "--agents must be a number of agents from 1 to 10000";
    CHECK(rule_broken(Options(), true) == range);  // --agents 0
    CHECK(rule_broken(options_with([](Options& o) { o.agents = 10'001; }), true) == range);
    CHECK(rule_broken(options_with([](Options& o) { o.agents = 1; }), true) == "");
    CHECK(rule_broken(options_with([](Options& o) { o.agents = 10'000; }), true) == "");
}

TEST_CASE("check_options: the observers and their timeout") {
    CHECK(rule_broken(options_with([](Options& o) { o.observers.assign(17, "irc"); })) ==
          "a run may name at most 16 observers");
    CHECK(rule_broken(options_with([](Options& o) { o.observers.assign(16, "irc"); })) == "");
    const std::string timeout = "--observer-timeout must be a number of seconds > 0, at most 3600";
    for (const double t : {0.0, -1.0, 3600.5, std::nan("")}) {
        CAPTURE(t);
        CHECK(rule_broken(options_with([t](Options& o) { o.observer_timeout = t; })) == timeout);
    }
    CHECK(rule_broken(options_with([](Options& o) { o.observer_timeout = 3600; })) == "");
}

TEST_CASE("check_options: the cluster's modes exclude each other") {
    CHECK(rule_broken(options_with([](Options& o) {
                          o.agents = 2;
                          o.attach = true;
                      }),
                      true) == "--agents and --attach cannot be used together");
    CHECK(rule_broken(options_with([](Options& o) {
              o.health_check = true;
              o.ping_broker = true;
          })) == "--health-check and --ping-broker cannot be used together");
    CHECK(rule_broken(options_with([](Options& o) {
              o.purge_broker = true;
              o.list_module = "m";
          })) == "--purge-broker and --list cannot be used together");
    CHECK(rule_broken(options_with([](Options& o) {
                          o.agents = 2;
                          o.list_module = "m";
                      }),
                      true) == "--agents and --list cannot be used together");
}

TEST_CASE("check_options: a mode that starts no run refuses what only a run uses") {
    CHECK(rule_broken(options_with([](Options& o) {
              o.attach = true;
              o.fqn = "m.C.t";
          })) == "--attach takes no test (m.C.t)");
    CHECK(rule_broken(options_with([](Options& o) {
              o.ping_broker = true;
              o.detach = true;
          })) == "--ping-broker and --detach cannot be used together");
    CHECK(rule_broken(options_with([](Options& o) {
              o.health_check = true;
              o.include_files = {"data"};
          })) == "--health-check and --include-file cannot be used together");
    CHECK(rule_broken(options_with([](Options& o) {
              o.purge_broker = true;
              o.observers = {"irc"};
          })) == "--purge-broker and --observer cannot be used together");
    // A distributed run takes them all.
    CHECK(rule_broken(options_with([](Options& o) {
                          o.agents = 3;
                          o.fqn = "m.C.t";
                          o.detach = true;
                          o.include_files = {"data"};
                          o.observers = {"irc"};
                      }),
                      true) == "");
}

TEST_CASE("check_options: --external-process-timeout is 0 to 86400 seconds") {
    const std::string range = "--external-process-timeout must be a number of seconds > 0, at most 86400";
    for (const double t : {0.0, -2.0, 86400.5, std::nan("")}) {
        CAPTURE(t);
        CHECK(rule_broken(options_with([t](Options& o) { o.external_process_timeout = t; })) == range);
    }
    CHECK(rule_broken(options_with([](Options& o) { o.external_process_timeout = 86400; })) == "");
}

TEST_CASE("check_options: --zmq-receiver goes with agent mode or an external runner, not --agents") {
    CHECK(rule_broken(options_with([](Options& o) { o.agent_id = "a"; })) ==
          "--agent-id is agent mode (what loads-agent starts): --zmq-receiver must say where the figures go");
    CHECK(rule_broken(options_with([](Options& o) { o.zmq_receiver = "ipc:///tmp/x"; })) ==
          "--zmq-receiver is the external runners' endpoint: it goes with --test-runner");
    CHECK(rule_broken(options_with([](Options& o) {
                          o.zmq_receiver = "ipc:///tmp/x";
                          o.test_runner = "x";
                          o.agents = 2;
                      }),
                      true) ==
          "--zmq-receiver cannot be chosen for a distributed run: each agent's runner has its own");
    CHECK(rule_broken(options_with([](Options& o) {
              o.zmq_receiver = "ipc:///tmp/x";
              o.test_runner = "x";
          })) == "");
    CHECK(rule_broken(options_with([](Options& o) {
                          o.zmq_receiver = "ipc:///tmp/x";
                          o.agent_id = "a";
                          o.agents = 2;
                      }),
                      true) == "");
}

TEST_CASE("check_options: the first rule broken is the one told") {
    const Options o = options_with([](Options& x) {
        x.observers.assign(17, "irc");
        x.observer_timeout = 0;
        x.attach = true;
        x.ping_broker = true;
        x.agent_id = "a";
    });
    CHECK(rule_broken(o) == "a run may name at most 16 observers");
    CHECK(rule_broken(options_with([](Options& x) {
              x.observer_timeout = 0;
              x.attach = true;
              x.ping_broker = true;
          })) == "--observer-timeout must be a number of seconds > 0, at most 3600");
    CHECK(rule_broken(options_with([](Options& x) {
              x.attach = true;
              x.ping_broker = true;
              x.external_process_timeout = 0;
          })) == "--attach and --ping-broker cannot be used together");
}

TEST_CASE("parse_options applies check_options to what it read") {
    CHECK(usage_error_of({"--agents", "0", "m.C.t"}) ==
          "--agents must be a number of agents from 1 to 10000");
    CHECK(usage_error_of({"--attach", "--ping-broker"}) ==
          "--attach and --ping-broker cannot be used together");
    // --check-cluster is --health-check before the rules are checked.
    CHECK(usage_error_of({"--check-cluster", "--purge-broker"}) ==
          "--health-check and --purge-broker cannot be used together");
}
