/// @file main.cpp
/// @brief loads-sample-server: command-line options, startup and shutdown.
///
/// Exit status: 0 after SIGINT/SIGTERM or --help, 1 when the server cannot listen, cannot use the
/// TLS certificate or key, or fails while running, 2 for bad options. Once listening it prints
/// exactly one line to stdout, "listening on http://HOST:PORT" ("https://" with --tls-cert and
/// --tls-key, when the port speaks only TLS), which tests read to learn the port chosen for
/// --port 0.

#include <atomic>
#include <chrono>
#include <csignal>
#include <exception>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/program_options.hpp>

#include "connection_stats.hpp"
#include "coroutine_group.hpp"
#include "fd_limit.hpp"
#include "listener.hpp"
#include "loopback_address.hpp"
#include "router.hpp"
#include "tls_context.hpp"

namespace {

using namespace loads::sample_server;
using boost::asio::ip::tcp;
namespace po = boost::program_options;

constexpr std::string_view program_name = "loads-sample-server";
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;
constexpr int max_threads = 1024;

struct TlsFiles {
    std::string certificate;
    std::string key;
};

struct ServerOptions {
    tcp::endpoint endpoint;
    int threads = 2;
    /// Nothing for plain HTTP.
    std::optional<TlsFiles> tls;
};

struct CommandLine {
    ServerOptions options;
    bool help = false;
    std::string usage;
};

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

CommandLine parse_command_line(int argc, char* argv[]) {
    std::string host;
    // Numbers are read as int and range-checked here: Program_options would read "-1" into an
    // unsigned type as a large value instead of refusing it.
    int port = 0;
    int threads = 0;
    TlsFiles tls;
    po::options_description description("Usage: loads-sample-server [options]\nOptions");
    // clang-format off
    description.add_options()
        ("help", "show this help and exit")
        ("host", po::value(&host)->default_value("127.0.0.1"),
         "address to listen on: 127.0.0.0/8, ::1 or localhost only")
        ("port", po::value(&port)->default_value(9000), "port to listen on; 0 picks a free one")
        ("threads", po::value(&threads)->default_value(2), "threads running the server")
        ("tls-cert", po::value(&tls.certificate)->value_name("FILE"),
         "PEM certificate chain: the port then speaks only HTTPS (and WSS on /ws); needs --tls-key")
        ("tls-key", po::value(&tls.key)->value_name("FILE"), "PEM private key of --tls-cert");
    // clang-format on

    // Declaring no positional options makes Program_options refuse stray arguments instead of
    // silently ignoring them.
    const po::positional_options_description no_positionals;
    po::variables_map variables;
    po::store(po::command_line_parser(argc, argv).options(description).positional(no_positionals).run(),
              variables);
    CommandLine command_line;
    if (variables.count("help") != 0) {
        std::ostringstream usage;
        usage << description;
        command_line.help = true;
        command_line.usage = usage.str();
        return command_line;
    }
    po::notify(variables);

    const auto address = parse_loopback_address(host);
    if (!address) {
        throw UsageError("--host must be a loopback address (127.0.0.0/8, ::1 or localhost), not '" + host +
                         "'");
    }
    if (port < 0 || port > 65535) {
        throw UsageError("--port must be between 0 and 65535, not " + std::to_string(port));
    }
    if (threads < 1 || threads > max_threads) {
        throw UsageError("--threads must be between 1 and " + std::to_string(max_threads) + ", not " +
                         std::to_string(threads));
    }
    const bool has_certificate = variables.count("tls-cert") != 0;
    if (has_certificate != (variables.count("tls-key") != 0)) {
        throw UsageError("--tls-cert and --tls-key go together: give both or neither");
    }
    command_line.options.endpoint = tcp::endpoint(*address, static_cast<unsigned short>(port));
    command_line.options.threads = threads;
    if (has_certificate) {
        command_line.options.tls = tls;
    }
    return command_line;
}

// What the slow-shutdown report may look at: the group, until run_server is done with it.
std::mutex g_shutdown_mutex;
CoroutineGroup* g_shutting_down = nullptr;

/// A shutdown takes milliseconds: each coroutine's pending operation is cancelled. Should one not
/// end (an operation that ignores cancellation), say so on stderr rather than leave a silent hang
/// for whoever waits on the process. The thread is detached: the process exits without it.
void report_slow_shutdown(CoroutineGroup& coroutines) {
    {
        std::lock_guard lock(g_shutdown_mutex);
        g_shutting_down = &coroutines;
    }
    std::thread([] {
        constexpr auto patience = std::chrono::seconds(5);
        std::this_thread::sleep_for(patience);
        std::lock_guard lock(g_shutdown_mutex);
        if (g_shutting_down != nullptr) {
            std::cerr << program_name << ": " << g_shutting_down->size() << " coroutines still running "
                      << patience.count() << " s after the signal" << std::endl;
        }
    }).detach();
}

/// The host part of a URL: IPv6 addresses go in brackets (RFC 3986 section 3.2.2).
std::string url_host(const boost::asio::ip::address& address) {
    return address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
}

int run_server(const ServerOptions& options) {
    raise_open_file_limit();

    // Loaded before listening, so that a bad file ends the server before it prints the line that
    // tells tests it is ready. Declared before the io_context, like the two below.
    std::optional<boost::asio::ssl::context> tls;
    if (options.tls) {
        try {
            tls.emplace(make_tls_context(options.tls->certificate, options.tls->key));
        } catch (const std::exception& error) {  // TlsSetupError, or OpenSSL out of memory
            std::cerr << program_name << ": " << error.what() << '\n';
            return exit_failure;
        }
    }

    // Declared before the io_context, which must be destroyed first: coroutines it still holds
    // (only after a fatal error) use them while being unwound.
    ConnectionStats stats;
    const Router router{stats};
    boost::asio::io_context io_context{options.threads};
    // Declared after the io_context, which must outlive the strands its members hold.
    CoroutineGroup coroutines;

    tcp::acceptor acceptor{io_context};
    try {
        acceptor = open_acceptor(io_context.get_executor(), options.endpoint);
    } catch (const boost::system::system_error& error) {
        std::cerr << program_name << ": cannot listen on " << url_host(options.endpoint.address()) << ':'
                  << options.endpoint.port() << ": " << error.code().message() << '\n';
        return exit_failure;
    }
    const tcp::endpoint local = acceptor.local_endpoint();

    // A signal closes the acceptor and every connection; the io_context then runs out of work and
    // the threads return. Installed before the startup line so that a test signalling as soon as it
    // reads the line still gets a clean exit.
    boost::asio::signal_set signals{io_context, SIGINT, SIGTERM};
    signals.async_wait([&coroutines](const boost::system::error_code&, int) {
        coroutines.stop();
        report_slow_shutdown(coroutines);
    });

    start_accepting(std::move(acceptor), tls ? &*tls : nullptr, router, stats, coroutines);

    std::cout << "listening on " << (tls ? "https" : "http") << "://" << url_host(local.address()) << ':'
              << local.port() << std::endl;

    std::atomic<bool> failed{false};
    auto run = [&] {
        try {
            io_context.run();
        } catch (const std::exception& error) {
            std::cerr << program_name << ": " << error.what() << '\n';
            failed = true;
            io_context.stop();
        }
    };
    // The main thread is one of the N.
    std::vector<std::thread> workers;
    workers.reserve(static_cast<std::size_t>(options.threads - 1));
    for (int i = 1; i < options.threads; ++i) {
        workers.emplace_back(run);
    }
    run();
    for (auto& worker : workers) {
        worker.join();
    }
    {
        std::lock_guard lock(g_shutdown_mutex);
        g_shutting_down = nullptr;
    }
    return failed ? exit_failure : 0;
}

}  // namespace

int main(int argc, char* argv[]) {
    CommandLine command_line;
    try {
        command_line = parse_command_line(argc, argv);
    } catch (const std::exception& error) {  // po::error or UsageError
        std::cerr << program_name << ": " << error.what() << " (see --help)\n";
        return exit_usage;
    }
    if (command_line.help) {
        std::cout << command_line.usage;
        return 0;
    }
    return run_server(command_line.options);
}
