// One email notification from the observer's options to the server's "250": the message built
// from the run, then the SMTP dialogue over a Connection.
#pragma once

#include <loads/abi.h>

#include <string>

#include "connection.hpp"

namespace loads::observers::email {

/// The observer's options, as given.
struct EmailSettings {
    std::string sender;     ///< "addr" or "Real Name <addr>".
    std::string recipient;  ///< One or more, separated by commas.
    std::string host;
    long long port = 25;
    std::string user;
    std::string password;
    std::string subject;
    std::string starttls;  ///< "auto", "required" or "never".
    bool ssl = false;      ///< Implicit TLS from the first byte (port 465).
    std::string ca_file;
};

/// Sends the notification of `run`, every step bounded by `deadline`.
/// @return "sent to a@b.example via HOST:PORT".
/// @throws std::runtime_error or std::invalid_argument: one line with the reason (and the server
/// when it was reached).
std::string deliver(const EmailSettings& settings, const loads_run_summary& run, Deadline deadline);

}  // namespace loads::observers::email
