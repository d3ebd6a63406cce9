/// @file session.hpp
/// @brief Session: the virtual user's HTTP client, after Requests' Session.
///
/// Each TestCase instance (one per virtual user) owns one Session. Requests go through the host,
/// which keeps this user's keep-alive connections (TLS sessions resumed), its cookie jar (sent
/// back like a browser would), follows redirects like Requests (each hop is a hit of its own) and
/// records every response as a hit. A request suspends only this virtual user.
///
/// @code
/// auto res = session.get(server_url + "/search", {.params = {{"q", "load test"}}});
/// session.post(server_url + "/items", {.json = R"({"name": "x"})"});
/// session.post(server_url + "/login", {.form = {{"user", "tarek"}}, .allow_redirects = false});
/// session.get(server_url + "/auth", {.auth = loads::BasicAuth{"tarek", "secret"}});
/// @endcode
///
/// Transport failures raise ConnectionError (SSLError, Timeout) or TooManyRedirects: errors in
/// the report. Any HTTP status, 500 included, is a normal Response for the test to assert on
/// (or to check with raise_for_status()).
#pragma once

#include <algorithm>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "abi.h"
#include "exceptions.hpp"
#include "fields.hpp"
#include "headers.hpp"
#include "response.hpp"

namespace loads {

/// HTTP basic authentication (RFC 7617), Requests' `auth=(user, password)`.
struct BasicAuth {
    std::string user;
    std::string password;
};

/// Everything a request may carry besides its method and URL. Give the fields in this order
/// (C++20 designated initializers must follow the declaration order).
struct RequestOptions {
    /// Query parameters, appended to the URL's own query, form-encoded (`q=load+test`).
    Fields params{};
    /// Request headers; they replace session.headers of the same name (case-insensitive).
    HeaderList headers{};
    /// A raw body, sent as it is.
    std::optional<std::string> data{};
    /// A form body: application/x-www-form-urlencoded, with that Content-Type.
    Fields form{};
    /// A JSON body (the JSON text), with Content-Type application/json.
    std::optional<std::string> json{};
    /// Basic credentials; session.auth when not given.
    std::optional<BasicAuth> auth{};
    /// Seconds allowed for each exchange (each redirect hop); 0: session.timeout, then --timeout.
    double timeout = 0;
    /// Follow 301, 302, 303, 307 and 308 (like Requests); false returns the 3xx response itself.
    bool allow_redirects = true;
    /// Verify the server's TLS certificate; session.verify when not given.
    std::optional<bool> verify{};
};

class Session {
public:
    using where_t = std::source_location;

    /// Headers sent with every request of this session (like requests.Session.headers).
    HeaderList headers;
    /// Seconds allowed for each exchange; 0 means the runner's --timeout.
    double timeout = 0;
    /// Verify TLS certificates (Requests' session.verify). The runner's --insecure and the
    /// BYPASS_SSL_CHECK environment variable turn verification off for every session.
    bool verify = true;
    /// Redirects followed before TooManyRedirects is raised (Requests' default, 30; 0 also means
    /// 30 — to follow none, pass allow_redirects = false).
    std::uint32_t max_redirects = 30;
    /// Credentials sent with every request that does not name its own.
    std::optional<BasicAuth> auth;

    Response get(std::string_view url, const RequestOptions& options = {},
                 where_t where = where_t::current()) {
        return request("GET", url, options, where);
    }
    Response head(std::string_view url, const RequestOptions& options = {},
                  where_t where = where_t::current()) {
        return request("HEAD", url, options, where);
    }
    Response options(std::string_view url, const RequestOptions& options = {},
                     where_t where = where_t::current()) {
        return request("OPTIONS", url, options, where);
    }
    /// DELETE (`delete` is a C++ keyword).
    Response delete_(std::string_view url, const RequestOptions& options = {},
                     where_t where = where_t::current()) {
        return request("DELETE", url, options, where);
    }
    Response post(std::string_view url, const RequestOptions& options = {},
                  where_t where = where_t::current()) {
        return request("POST", url, options, where);
    }
    /// POST with a raw body (Requests' `post(url, data)`).
    Response post(std::string_view url, std::string_view body, const RequestOptions& options = {},
                  where_t where = where_t::current()) {
        return request("POST", url, body, options, where);
    }
    Response put(std::string_view url, const RequestOptions& options = {},
                 where_t where = where_t::current()) {
        return request("PUT", url, options, where);
    }
    Response put(std::string_view url, std::string_view body, const RequestOptions& options = {},
                 where_t where = where_t::current()) {
        return request("PUT", url, body, options, where);
    }
    Response patch(std::string_view url, const RequestOptions& options = {},
                   where_t where = where_t::current()) {
        return request("PATCH", url, options, where);
    }
    Response patch(std::string_view url, std::string_view body, const RequestOptions& options = {},
                   where_t where = where_t::current()) {
        return request("PATCH", url, body, options, where);
    }

    /// Any method, with a raw body.
    Response request(std::string_view method, std::string_view url, std::string_view body,
                     const RequestOptions& options = {}, where_t where = where_t::current()) {
        if (options.data || !options.form.empty() || options.json) {
            throw ConfigurationError("a request takes one body: the body argument, data, form or json",
                                     where);
        }
        return send(method, url, body, options, {}, where);
    }

    /// Any method. @throws ConnectionError (SSLError, Timeout), TooManyRedirects, Cancelled.
    Response request(std::string_view method, std::string_view url, const RequestOptions& options = {},
                     where_t where = where_t::current()) {
        const int bodies =
            int(options.data.has_value()) + int(!options.form.empty()) + int(options.json.has_value());
        if (bodies > 1) {
            throw ConfigurationError("a request takes one body: data, form or json", where);
        }
        if (!options.form.empty()) {
            return send(method, url, detail::form_encode(options.form), options,
                        "application/x-www-form-urlencoded", where);
        }
        if (options.json) {
            return send(method, url, *options.json, options, "application/json", where);
        }
        return send(method, url, options.data ? std::string_view(*options.data) : std::string_view{}, options,
                    {}, where);
    }

    /// Called by the SDK when the instance is attached to its virtual user.
    void attach(const loads_host_api* host, loads_vu* vu) noexcept {
        m_host = host;
        m_vu = vu;
    }

private:
    Response send(std::string_view method, std::string_view url, std::string_view body,
                  const RequestOptions& options, std::string_view content_type, where_t where) {
        if (m_host == nullptr) {
            throw ConnectionError("Session used outside a running test (constructor or destructor?)", where);
        }
        std::string with_params;  // built only when needed: most requests carry no params
        if (!options.params.empty()) {
            with_params = detail::with_params(url, options.params);
        }
        const std::string_view full_url = options.params.empty() ? url : std::string_view(with_params);

        // Small fixed buffer first: most requests carry a handful of headers, and this path runs
        // once per hit.
        constexpr std::size_t k_inline = 8;
        loads_http_header inline_headers[k_inline];
        std::vector<loads_http_header> heap_headers;
        const std::size_t count = headers.size() + options.headers.size() + 2;
        loads_http_header* out = inline_headers;
        if (count > k_inline) {
            heap_headers.resize(count);
            out = heap_headers.data();
        }
        // Like Requests, a header given with the call replaces the session's header of the same
        // name (compared case-insensitively) instead of being sent next to it.
        std::size_t i = 0;
        for (const auto& [name, value] : headers) {
            if (!named_in(name, options.headers)) {
                out[i++] = loads_http_header{{name.data(), name.size()}, {value.data(), value.size()}};
            }
        }
        for (const auto& [name, value] : options.headers) {
            out[i++] = loads_http_header{{name.data(), name.size()}, {value.data(), value.size()}};
        }
        if (!content_type.empty() && !named_in("Content-Type", options.headers) &&
            !named_in("Content-Type", headers)) {
            out[i++] = loads_http_header{{"Content-Type", 12}, {content_type.data(), content_type.size()}};
        }
        std::string authorization;
        const std::optional<BasicAuth>& credentials = options.auth ? options.auth : auth;
        if (credentials && !named_in("Authorization", options.headers) &&
            !named_in("Authorization", headers)) {
            authorization = "Basic " + detail::base64(credentials->user + ":" + credentials->password);
            out[i++] = loads_http_header{{"Authorization", 13}, {authorization.data(), authorization.size()}};
        }

        loads_http_request req{};
        req.struct_size = sizeof(req);
        req.method = {method.data(), method.size()};
        req.url = {full_url.data(), full_url.size()};
        req.headers = out;
        req.header_count = i;
        req.body = {body.data(), body.size()};
        req.timeout = options.timeout > 0 ? options.timeout : timeout;
        req.flags = (options.allow_redirects ? 0u : unsigned(LOADS_REQUEST_NO_REDIRECTS)) |
                    (options.verify.value_or(verify) ? 0u : unsigned(LOADS_REQUEST_NO_VERIFY));
        req.max_redirects = max_redirects;

        loads_http_response res{};
        res.struct_size = sizeof(res);
        const int32_t rc = m_host->http_request(m_vu, &req, &res);
        if (rc != LOADS_HTTP_OK) {
            detail::raise_host_error(rc, std::string(res.error.ptr, res.error.len), where);
        }
        Response r;
        r.status_code = res.status;
        r.reason.assign(res.reason.ptr, res.reason.len);
        r.text.assign(res.body.ptr, res.body.len);
        r.headers = Headers(std::string(res.headers.ptr, res.headers.len));
        r.url.assign(res.url.ptr, res.url.len);
        r.elapsed = std::chrono::duration<double>(res.elapsed);
        r.redirects = res.redirects;
        return r;
    }

    static bool named_in(std::string_view name, const HeaderList& list) {
        return std::any_of(list.begin(), list.end(),
                           [&](const auto& entry) { return detail::iequals(entry.first, name); });
    }

    const loads_host_api* m_host = nullptr;
    loads_vu* m_vu = nullptr;
};

}  // namespace loads
