// The `email` observer: the run's summary by SMTP (see smtp.hpp and email_message.hpp).
#include <loads/observer.hpp>

#include "email_delivery.hpp"

namespace loads::observers::email {

class EmailObserver : public loads::Observer {
public:
    explicit EmailObserver(const loads::ObserverOptions& options) : m_deadline(options.deadline()) {
        m_settings.sender = options.string("sender");
        m_settings.recipient = options.string("recipient");
        m_settings.host = options.string("host");
        m_settings.port = options.integer("port");
        m_settings.user = options.string("user");
        m_settings.password = options.string("password");
        m_settings.subject = options.string("subject");
        m_settings.starttls = options.string("starttls");
        m_settings.ssl = options.flag("ssl");
        m_settings.ca_file = options.string("ca-file");
    }

    std::string notify(const loads_run_summary& run) override { return deliver(m_settings, run, m_deadline); }

private:
    EmailSettings m_settings;
    Deadline m_deadline;
};

// The seed's options and defaults, then the TLS ones it lacked.
constexpr loads_option_v1 k_email_options[] = {
    loads::option("sender", "From: \"addr\" or \"Real Name <addr>\"", LOADS_OPTION_STRING,
                  "tarek@mozilla.com"),
    loads::option("recipient",
                  "To: one or more addresses (\"addr\" or \"Real Name <addr>\"), comma-separated",
                  LOADS_OPTION_STRING, "tarek@mozilla.com"),
    loads::option("host", "SMTP server", LOADS_OPTION_STRING, "localhost"),
    loads::option("port", "SMTP port", LOADS_OPTION_INT, "25"),
    loads::option("user", "SMTP login (AUTH only when user and password are both given, and only over TLS)",
                  LOADS_OPTION_STRING, ""),
    loads::option("password", "SMTP password", LOADS_OPTION_STRING, ""),
    loads::option("subject", "Subject (UTF-8)", LOADS_OPTION_STRING, "Loads Results"),
    loads::option("starttls", "auto (when offered), required or never", LOADS_OPTION_STRING, "auto"),
    loads::option("ssl", "TLS from the start (implicit TLS, port 465)", LOADS_OPTION_BOOL, "false"),
    loads::option("ca-file", "PEM file of the CAs to trust (default: the system's)", LOADS_OPTION_STRING, ""),
};

}  // namespace loads::observers::email

LOADS_OBSERVER(loads::observers::email::EmailObserver, email, "sends the run's summary by email (SMTP)",
               loads::observers::email::k_email_options)
