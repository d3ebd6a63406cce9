/// @file response.hpp
/// @brief What Session's and TestApp's requests return: the fields of a Requests response.
#pragma once

#include <chrono>
#include <cstdint>
#include <source_location>
#include <string>

#include "exceptions.hpp"
#include "headers.hpp"
#include "json.hpp"

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
    /// The URL of this response: the one requested, or where the redirects led.
    std::string url;
    /// Time from sending the request to the last byte of this response (the last hop's).
    std::chrono::duration<double> elapsed{};
    /// Redirects followed to get here (each was a hit of its own; Requests' len(history)).
    std::uint32_t redirects = 0;

    /// True for 2xx and 3xx statuses (Requests' `ok`).
    bool ok() const noexcept { return status_code >= 200 && status_code < 400; }
    /// True for a redirect that was not followed (allow_redirects = false).
    bool is_redirect() const noexcept {
        return headers.contains("location") && status_code >= 300 && status_code < 400;
    }

    /// The body parsed as JSON. @throws JsonError, naming the URL, when the body is not JSON.
    Json json(std::source_location where = std::source_location::current()) const {
        return Json::parse(text, url, where);
    }

    /// Like Requests: raises HTTPError for a 4xx or 5xx status, does nothing otherwise.
    void raise_for_status(std::source_location where = std::source_location::current()) const {
        if (status_code >= 400 && status_code < 600) {
            throw HTTPError(std::to_string(status_code) +
                                (status_code < 500 ? " Client Error: " : " Server Error: ") + reason +
                                " for url: " + url,
                            where);
        }
    }
};

}  // namespace loads
