/// @file session.hpp
/// @brief Session: the virtual user's HTTP client, with Requests' method names.
///
/// Each TestCase instance (one per virtual user) owns one Session. Requests go through the host,
/// which keeps this user's keep-alive connections and records every exchange as a hit. A request
/// suspends only this virtual user. Transport failures raise ConnectionError / Timeout (errors in
/// the report); any HTTP status, 500 included, is a normal Response for the test to assert on.
#pragma once

#include <algorithm>
#include <source_location>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "abi.h"
#include "exceptions.hpp"
#include "headers.hpp"
#include "response.hpp"

namespace loads {

/// Request headers, in the order they are sent: `{{"Accept", "text/html"}, {"X-Id", "7"}}`.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

class Session {
public:
    using where_t = std::source_location;

    /// Headers sent with every request of this session (like requests.Session.headers).
    HeaderList headers;
    /// Seconds allowed for each whole exchange; 0 means the runner's --timeout.
    double timeout = 0;

    Response get(std::string_view url, const HeaderList& extra = {}, where_t where = where_t::current()) {
        return request("GET", url, {}, extra, where);
    }
    Response head(std::string_view url, const HeaderList& extra = {}, where_t where = where_t::current()) {
        return request("HEAD", url, {}, extra, where);
    }
    Response options(std::string_view url, const HeaderList& extra = {}, where_t where = where_t::current()) {
        return request("OPTIONS", url, {}, extra, where);
    }
    /// DELETE (`delete` is a C++ keyword).
    Response delete_(std::string_view url, const HeaderList& extra = {}, where_t where = where_t::current()) {
        return request("DELETE", url, {}, extra, where);
    }
    Response post(std::string_view url, std::string_view body = {}, const HeaderList& extra = {},
                  where_t where = where_t::current()) {
        return request("POST", url, body, extra, where);
    }
    Response put(std::string_view url, std::string_view body = {}, const HeaderList& extra = {},
                 where_t where = where_t::current()) {
        return request("PUT", url, body, extra, where);
    }
    Response patch(std::string_view url, std::string_view body = {}, const HeaderList& extra = {},
                   where_t where = where_t::current()) {
        return request("PATCH", url, body, extra, where);
    }

    /// Any method. @param url absolute `http://` URL. @throws ConnectionError, Timeout, Cancelled.
    Response request(std::string_view method, std::string_view url, std::string_view body = {},
                     const HeaderList& extra = {}, where_t where = where_t::current()) {
        if (m_host == nullptr) {
            throw ConnectionError("Session used outside a running test (constructor or destructor?)", where);
        }
        // Small fixed buffer first: most requests carry a handful of headers, and this path runs
        // once per hit.
        constexpr std::size_t k_inline = 8;
        loads_http_header inline_headers[k_inline];
        std::vector<loads_http_header> heap_headers;
        const std::size_t count = headers.size() + extra.size();
        loads_http_header* out = inline_headers;
        if (count > k_inline) {
            heap_headers.resize(count);
            out = heap_headers.data();
        }
        // Like Requests, a header given with the call replaces the session's header of the same
        // name (compared case-insensitively) instead of being sent next to it.
        std::size_t i = 0;
        for (const auto& [name, value] : headers) {
            if (!named_in(name, extra)) {
                out[i++] = loads_http_header{{name.data(), name.size()}, {value.data(), value.size()}};
            }
        }
        for (const auto& [name, value] : extra) {
            out[i++] = loads_http_header{{name.data(), name.size()}, {value.data(), value.size()}};
        }

        loads_http_request req{};
        req.struct_size = sizeof(req);
        req.method = {method.data(), method.size()};
        req.url = {url.data(), url.size()};
        req.headers = out;
        req.header_count = i;
        req.body = {body.data(), body.size()};
        req.timeout = timeout;

        loads_http_response res{};
        res.struct_size = sizeof(res);
        const int32_t rc = m_host->http_request(m_vu, &req, &res);
        if (rc != LOADS_HTTP_OK) {
            std::string message(res.error.ptr, res.error.len);
            switch (rc) {
                case LOADS_HTTP_TIMEOUT:
                    throw Timeout(message, where);
                case LOADS_HTTP_CANCELLED:
                    throw Cancelled(message, where);
                default:
                    throw ConnectionError(message, where);
            }
        }
        Response r;
        r.status_code = res.status;
        r.reason.assign(res.reason.ptr, res.reason.len);
        r.text.assign(res.body.ptr, res.body.len);
        r.headers = Headers(std::string(res.headers.ptr, res.headers.len));
        r.url.assign(res.url.ptr, res.url.len);
        r.elapsed = std::chrono::duration<double>(res.elapsed);
        return r;
    }

    /// Called by the SDK when the instance is attached to its virtual user.
    void attach(const loads_host_api* host, loads_vu* vu) noexcept {
        m_host = host;
        m_vu = vu;
    }

private:
    static bool named_in(const std::string& name, const HeaderList& list) {
        return std::any_of(list.begin(), list.end(),
                           [&](const auto& entry) { return detail::iequals(entry.first, name); });
    }

    const loads_host_api* m_host = nullptr;
    loads_vu* m_vu = nullptr;
};

}  // namespace loads
