/// @file response.hpp
/// @brief What Session's requests return: the fields of a Requests response.
#pragma once

#include <chrono>
#include <string>

#include "headers.hpp"

namespace loads {

struct Response {
    /// HTTP status code, e.g. 200.
    int status_code = 0;
    /// Reason phrase of the status line, e.g. "OK".
    std::string reason;
    /// Response body (bytes, usually text).
    std::string text;
    /// Response headers.
    Headers headers;
    /// The URL that was requested.
    std::string url;
    /// Time from sending the request to the last byte of the response.
    std::chrono::duration<double> elapsed{};

    /// True for 2xx and 3xx statuses (Requests' `ok`).
    bool ok() const noexcept { return status_code >= 200 && status_code < 400; }
};

}  // namespace loads
