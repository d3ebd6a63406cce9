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

}  // namespace loads
