#include "options.hpp"

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <thread>

#include <boost/program_options.hpp>

#include "config_file.hpp"
#include "tls_client.hpp"
#include "usage_error.hpp"

namespace loads::host {
namespace po = boost::program_options;

namespace {

struct Described {
    po::options_description all{"Options"};
    po::positional_options_description positional;
};

// Options named here are the ones a [loads] config key may set, too.
Described describe(Options& o) {
    Described d;
    // clang-format off
    d.all.add_options()
        ("help,h", po::bool_switch(&o.help), "show this help and exit")
        ("version", po::bool_switch(&o.version), "print the version and exit")
        ("fqn", po::value(&o.fqn), "the test to run: module.Class.test")
        ("users,u", po::value(&o.users), "concurrent virtual users; a cycle such as 10:20:30 runs each in turn (default 1)")
        ("hits", po::value<std::string>(), "tests per user; a cycle such as 5:10 (default 1; not with --duration)")
        ("duration,d", po::value<double>(), "seconds each user cycle lasts (not with --hits)")
        ("grace", po::value(&o.grace), "seconds tests in flight may take to finish after a cycle's duration (default 5)")
        ("server-url", po::value(&o.server_url), "base URL of the service; replaces the test class's server_url")
        ("config", po::value(&o.config), "INI file whose [loads] section sets options; the command line wins")
        ("threads", po::value(&o.threads), "worker threads (default: one per core)")
        ("no-patching", po::bool_switch(&o.no_patching), "give each user its own OS thread, for tests that call blocking libraries")
        ("stack-size", po::value(&o.stack_kib), "KiB of stack per user, for tests that recurse deeply (default 1024)")
        ("timeout", po::value(&o.timeout), "seconds allowed for one HTTP exchange (default 30)")
        ("connect-timeout", po::value(&o.connect_timeout), "seconds allowed to open a connection, TLS handshake included (default 10)")
        ("insecure", po::bool_switch(&o.insecure), "do not verify TLS certificates (also when BYPASS_SSL_CHECK is set)")
        ("ca-file", po::value(&o.ca_file), "PEM file of CA certificates trusted besides the system's")
        ("test-dir", po::value(&o.test_dir), "directory searched for test plugins after the current one")
        ("list", po::value(&o.list_module), "list the tests of a module without running any of its code")
        ("quiet", po::bool_switch(&o.quiet), "print nothing on stdout (no progress bar, no summary)");
    // clang-format on
    d.positional.add("fqn", 1);
    return d;
}

bool parse_bool(const ConfigEntry& e, const std::string& path) {
    const std::string& v = e.value;
    if (v == "true" || v == "True" || v == "yes" || v == "on" || v == "1") {
        return true;
    }
    if (v == "false" || v == "False" || v == "no" || v == "off" || v == "0") {
        return false;
    }
    throw UsageError(path + ":" + std::to_string(e.line) + ": '" + e.key + "' takes true or false, not '" +
                     v + "'");
}

}  // namespace

std::string usage_text() {
    Options scratch;
    Described d = describe(scratch);
    std::ostringstream os;
    os << "Usage: loads-runner [options] module.Class.test\n"
          "       loads-runner --list module\n\n"
       << d.all;
    return os.str();
}

Options parse_options(const std::vector<std::string>& args) {
    Options o;
    Described d = describe(o);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(d.all).positional(d.positional).run(), vm);
        if (vm.count("config") && !vm["config"].defaulted()) {
            const std::string path = vm["config"].as<std::string>();
            std::vector<std::string> file_args;
            for (const ConfigEntry& e : read_config_file(path)) {
                const po::option_description* desc = d.all.find_nothrow(e.key, false);
                if (e.key == "config" || e.key == "help" || e.key == "version" || e.key == "list" ||
                    desc == nullptr) {
                    throw UsageError(path + ":" + std::to_string(e.line) + ": unknown key '" + e.key +
                                     "' in [loads]");
                }
                const bool is_switch = e.key == "quiet" || e.key == "no-patching" || e.key == "insecure";
                if (is_switch) {
                    if (parse_bool(e, path)) {
                        file_args.push_back("--" + e.key);
                    }
                } else {
                    file_args.push_back("--" + e.key + "=" + e.value);
                }
            }
            // store() keeps values already set on the command line: the command line wins.
            po::store(po::command_line_parser(file_args).options(d.all).run(), vm);
        }
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(e.what());
    }
    if (vm.count("hits")) {
        o.hits = vm["hits"].as<std::string>();
    }
    if (vm.count("duration")) {
        o.duration = vm["duration"].as<double>();
    }
    return o;
}

RunPlan make_plan(const Options& o) {
    RunPlan plan;
    if (o.hits && o.duration) {
        throw UsageError("--hits and --duration are mutually exclusive: run a number of tests or for a time");
    }
    plan.users = parse_cycle(o.users, "users");
    plan.hits = o.hits ? parse_cycle(*o.hits, "hits") : Cycle{1};
    auto seconds = [](double s) {
        return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(s * 1000.0)));
    };
    if (o.duration) {
        if (!(*o.duration > 0) || *o.duration > 1e7) {
            throw UsageError("--duration must be a number of seconds > 0");
        }
        plan.duration = seconds(*o.duration);
    }
    if (!(o.grace >= 0) || o.grace > 1e6) {
        throw UsageError("--grace must be a number of seconds >= 0");
    }
    if (!(o.timeout > 0) || o.timeout > 1e6) {
        throw UsageError("--timeout must be a number of seconds > 0");
    }
    if (!(o.connect_timeout > 0) || o.connect_timeout > 1e6) {
        throw UsageError("--connect-timeout must be a number of seconds > 0");
    }
    plan.grace = seconds(o.grace);
    plan.http.timeout = seconds(o.timeout);
    plan.http.connect_timeout = seconds(o.connect_timeout);
    plan.threads = o.threads > 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
    if (plan.threads > 1024) {
        throw UsageError("--threads must be between 1 and 1024");
    }
    plan.thread_per_user = o.no_patching;
    if (o.stack_kib < 64 || o.stack_kib > 1024 * 1024) {
        throw UsageError("--stack-size must be between 64 and 1048576 KiB");
    }
    plan.stack_size = std::size_t{o.stack_kib} * 1024;
    plan.server_url = o.server_url;
    // The seed's switch: any non-empty BYPASS_SSL_CHECK turns verification off.
    const char* bypass = std::getenv("BYPASS_SSL_CHECK");
    TlsSettings tls;
    tls.verify = !o.insecure && (bypass == nullptr || *bypass == '\0');
    tls.ca_file = o.ca_file;
    try {
        plan.http.tls = std::make_shared<TlsClient>(tls);
    } catch (const std::runtime_error& e) {
        throw UsageError(e.what());
    }
    return plan;
}

}  // namespace loads::host
