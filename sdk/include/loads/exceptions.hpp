/// @file exceptions.hpp
/// @brief The exceptions a loads test sees, and how they map to failures and errors.
///
/// An AssertionError (raised by the assert* methods and fail()) is counted as a **failure**; any
/// other exception escaping a test is counted as an **error**, with its type and message. All of
/// them carry the file:line of the test code that raised them when it is known.
#pragma once

#include <cstdint>
#include <source_location>
#include <stdexcept>
#include <string>

#include "abi.h"

namespace loads {

/// Base of the exceptions the SDK raises itself: a message plus the test's source location.
class Exception : public std::runtime_error {
public:
    Exception(const std::string& message, std::source_location where)
        : std::runtime_error(message), m_file(where.file_name()), m_line(where.line()) {}
    /// Source file of the test code that raised it (static storage, never freed).
    const char* file() const noexcept { return m_file; }
    /// Line in file(), 0 when unknown.
    std::uint32_t line() const noexcept { return m_line; }
    /// Name reported in the error digest.
    virtual const char* type_name() const noexcept { return "loads::Exception"; }

private:
    const char* m_file;
    std::uint32_t m_line;
};

/// A failed assertion: counted as a failure, not an error.
class AssertionError : public Exception {
public:
    using Exception::Exception;
    const char* type_name() const noexcept override { return "AssertionError"; }
};

/// An HTTP exchange could not complete (connection refused, reset, invalid reply, bad URL...).
class ConnectionError : public Exception {
public:
    using Exception::Exception;
    const char* type_name() const noexcept override { return "loads::ConnectionError"; }
};

/// The connect or the exchange took longer than its timeout.
class Timeout : public ConnectionError {
public:
    using ConnectionError::ConnectionError;
    const char* type_name() const noexcept override { return "loads::Timeout"; }
};

/// The runner is stopping this virtual user (its cycle's grace period is over). Let it propagate:
/// the runner does not count a cancelled test as an error.
class Cancelled : public Exception {
public:
    using Exception::Exception;
    const char* type_name() const noexcept override { return "loads::Cancelled"; }
};

/// The TLS handshake failed: the certificate is not trusted or not for this host, or the server
/// speaks no TLS the runner accepts. (Run with --ca-file or --insecure for test certificates.)
class SSLError : public ConnectionError {
public:
    using ConnectionError::ConnectionError;
    const char* type_name() const noexcept override { return "loads::SSLError"; }
};

/// A redirect chain was longer than the request allowed (30 by default, as in Requests).
class TooManyRedirects : public Exception {
public:
    using Exception::Exception;
    const char* type_name() const noexcept override { return "loads::TooManyRedirects"; }
};

/// Response::raise_for_status() on a 4xx or 5xx response.
class HTTPError : public Exception {
public:
    using Exception::Exception;
    const char* type_name() const noexcept override { return "loads::HTTPError"; }
};

/// Response::json() on a body that is not valid JSON, or a JSON value read as the wrong type.
class JsonError : public Exception {
public:
    using Exception::Exception;
    const char* type_name() const noexcept override { return "loads::JsonError"; }
};

/// A web socket operation on a socket that is closed (by either side), or whose server refused
/// the upgrade.
class WebSocketError : public ConnectionError {
public:
    using ConnectionError::ConnectionError;
    const char* type_name() const noexcept override { return "loads::WebSocketError"; }
};

/// The test is set up wrongly (e.g. `app` used without a server_url): an error, not a failure.
class ConfigurationError : public Exception {
public:
    using Exception::Exception;
    const char* type_name() const noexcept override { return "loads::ConfigurationError"; }
};

/// WebTest's AppError: `app` got a status the call did not expect. A failure, like an assertion:
/// the service answered, and not as the test said it should.
class AppError : public AssertionError {
public:
    using AssertionError::AssertionError;
    const char* type_name() const noexcept override { return "loads::AppError"; }
};

namespace detail {

/// Raises the exception a host service's failure code stands for (see loads_http_error).
[[noreturn]] inline void raise_host_error(int32_t code, const std::string& message,
                                          std::source_location where) {
    switch (code) {
        case LOADS_HTTP_TIMEOUT:
            throw Timeout(message, where);
        case LOADS_HTTP_CANCELLED:
            throw Cancelled(message, where);
        case LOADS_HTTP_TLS:
            throw SSLError(message, where);
        case LOADS_HTTP_TOO_MANY_REDIRECTS:
            throw TooManyRedirects(message, where);
        case LOADS_WS_CLOSED:
        case LOADS_WS_HANDSHAKE:
            throw WebSocketError(message, where);
        default:
            throw ConnectionError(message, where);
    }
}

}  // namespace detail
}  // namespace loads
