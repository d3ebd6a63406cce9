// The irc observer: posts the run's summary to an IRC channel (the seed's IRCObserver).
#include <loads/observer.hpp>

#include <stdexcept>
#include <string>

#include "irc_client.hpp"

namespace {

int port(long long value) {
    if (value < 1 || value > 65535) {
        throw std::invalid_argument("port: " + std::to_string(value) + " is not a TCP port (1-65535)");
    }
    return static_cast<int>(value);
}

class IrcObserver : public loads::Observer {
public:
    explicit IrcObserver(const loads::ObserverOptions& options)
        : m_deadline(options.deadline()),
          m_settings{options.string("server"),  port(options.integer("port")), options.flag("ssl"),
                     options.string("ca-file"), options.string("nickname"),    options.string("channel"),
                     options.string("password")} {}

    std::string notify(const loads_run_summary& run) override {
        return loads::observers::irc::post(m_settings, std::string(loads::text(run.text)), m_deadline);
    }

private:
    loads::observers::Deadline m_deadline;
    loads::observers::irc::ClientSettings m_settings;
};

// The seed's options and defaults (Mozilla's IRC network over TLS), plus a CA file for servers
// with a private CA and a server password.
constexpr loads_option_v1 k_irc_options[] = {
    loads::option("server", "IRC server host name", LOADS_OPTION_STRING, "irc.mozilla.org"),
    loads::option("port", "IRC server port", LOADS_OPTION_INT, "8443"),
    loads::option("channel", "channel the summary is posted to ('#' added when missing)", LOADS_OPTION_STRING,
                  "#services-dev"),
    loads::option("ssl", "connect over TLS, verifying the server's certificate", LOADS_OPTION_BOOL, "true"),
    loads::option("nickname", "nickname (another is tried when it is taken)", LOADS_OPTION_STRING, "loads"),
    loads::option("ca-file", "PEM file of the CAs trusted for TLS (default: the system's)",
                  LOADS_OPTION_STRING, ""),
    loads::option("password", "server password sent with PASS (default: none)", LOADS_OPTION_STRING, ""),
};

}  // namespace

LOADS_OBSERVER(IrcObserver, irc, "posts the run's summary to an IRC channel", k_irc_options)
