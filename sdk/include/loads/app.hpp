/// @file app.hpp
/// @brief TestApp: WebTest's TestApp over the virtual user's session (the test case's `app`).
///
/// Paths are relative to the test's server_url (the class default, replaced by --server-url), or
/// to `app.server_url` once a test sets it. Requests go through the user's Session, so they are
/// measured as hits, share its connections and cookies, and — like WebTest — redirects are not
/// followed: a 3xx is returned for the test to check (or to follow()).
///
/// WebTest's status rule: a response outside 2xx and 3xx raises AppError — a failure — unless the
/// call names the status it expects (`{.status = 404}`, or `{.status = loads::any_status}`) or says
/// errors are expected (`{.expect_errors = true}`). A named status must match exactly.
///
/// @code
/// assertIn("tarek", app.get("/").text);
/// app.get("/missing", {.status = 404});
/// app.post_json("/items", R"({"name": "x"})", {.status = 201});
/// @endcode
#pragma once

#include <source_location>
#include <string>
#include <string_view>

#include "exceptions.hpp"
#include "fields.hpp"
#include "response.hpp"
#include "session.hpp"

namespace loads {

/// `status` value accepting any status (WebTest's `status='*'`).
inline constexpr int any_status = -1;

/// What an app call may carry. Give the fields in this order (designated initializers).
struct AppOptions {
    /// Query parameters (WebTest's `params` of get).
    Fields params{};
    HeaderList headers{};
    /// A raw body.
    std::optional<std::string> data{};
    /// A form body (WebTest's `params` of post): application/x-www-form-urlencoded.
    Fields form{};
    /// The status expected: 0 for WebTest's default rule (2xx or 3xx), any_status for anything.
    int status = 0;
    /// True: never raise for the status (WebTest's expect_errors).
    bool expect_errors = false;
    double timeout = 0;
};

class TestApp {
public:
    using where_t = std::source_location;

    /// @param session the user's session. @param default_url the test case's server_url, used
    /// while `server_url` is empty. Both must outlive the app (they are members of the same test).
    TestApp(Session& session, const std::string& default_url)
        : m_session(session), m_default_url(default_url) {}
    TestApp(const TestApp&) = delete;
    TestApp& operator=(const TestApp&) = delete;

    /// The base URL the paths are joined to; empty means the test case's server_url. Setting it
    /// sends this user's later app calls elsewhere (seed section 1.2.3).
    std::string server_url;

    Response get(std::string_view path, const AppOptions& options = {}, where_t where = where_t::current()) {
        return call("GET", path, options, {}, {}, where);
    }
    Response head(std::string_view path, const AppOptions& options = {}, where_t where = where_t::current()) {
        return call("HEAD", path, options, {}, {}, where);
    }
    Response options(std::string_view path, const AppOptions& options = {},
                     where_t where = where_t::current()) {
        return call("OPTIONS", path, options, {}, {}, where);
    }
    Response delete_(std::string_view path, const AppOptions& options = {},
                     where_t where = where_t::current()) {
        return call("DELETE", path, options, {}, {}, where);
    }
    Response post(std::string_view path, const AppOptions& options = {}, where_t where = where_t::current()) {
        return call("POST", path, options, {}, {}, where);
    }
    Response put(std::string_view path, const AppOptions& options = {}, where_t where = where_t::current()) {
        return call("PUT", path, options, {}, {}, where);
    }
    Response patch(std::string_view path, const AppOptions& options = {},
                   where_t where = where_t::current()) {
        return call("PATCH", path, options, {}, {}, where);
    }
    /// WebTest's post_json / put_json / patch_json: `json` is the JSON text of the body.
    Response post_json(std::string_view path, std::string_view json, const AppOptions& options = {},
                       where_t where = where_t::current()) {
        return call("POST", path, options, json, "application/json", where);
    }
    Response put_json(std::string_view path, std::string_view json, const AppOptions& options = {},
                      where_t where = where_t::current()) {
        return call("PUT", path, options, json, "application/json", where);
    }
    Response patch_json(std::string_view path, std::string_view json, const AppOptions& options = {},
                        where_t where = where_t::current()) {
        return call("PATCH", path, options, json, "application/json", where);
    }

    /// WebTest's `res.follow()`: GETs the Location of a redirect response.
    /// @throws AppError when `response` is not a redirect.
    Response follow(const Response& response, const AppOptions& options = {},
                    where_t where = where_t::current()) {
        const auto location = response.headers.find("location");
        if (!location || response.status_code < 300 || response.status_code >= 400) {
            throw AppError("You can only follow redirect responses (not " +
                               std::to_string(response.status_code) + " " + response.reason + ")",
                           where);
        }
        return call("GET", resolve(response.url, *location), options, {}, {}, where);
    }

    /// The base URL in effect, without a trailing '/'.
    /// @throws ConfigurationError when neither app.server_url nor the test's server_url is set.
    std::string base_url(where_t where = where_t::current()) const {
        std::string base = server_url.empty() ? m_default_url : server_url;
        if (base.empty()) {
            throw ConfigurationError(
                "to use app (WebTest's TestApp), set server_url in the test class or run loads-runner with "
                "--server-url",
                where);
        }
        while (!base.empty() && base.back() == '/') {
            base.pop_back();
        }
        return base;
    }

private:
    Response call(std::string_view method, std::string_view path, const AppOptions& options,
                  std::string_view json, std::string_view json_type, where_t where) {
        const bool absolute = has_scheme(path);
        std::string url = absolute ? std::string(path) : base_url(where);
        if (!absolute) {
            if (path.empty() || path.front() != '/') {
                url += '/';
            }
            url.append(path);
        }
        RequestOptions request;
        request.params = options.params;
        request.headers = options.headers;
        if (!json_type.empty()) {
            request.json = std::string(json);
        } else {
            request.data = options.data;
            request.form = options.form;
        }
        request.timeout = options.timeout;
        request.allow_redirects = false;  // WebTest returns redirects; follow() follows them
        Response response = m_session.request(method, url, request, where);
        if (!options.expect_errors) {
            check_status(response, options.status, where);
        }
        return response;
    }

    static void check_status(const Response& r, int expected, where_t where) {
        if (expected == any_status) {
            return;
        }
        // WebTest appends the body; here the start of it, on the same line, so that the report's
        // digest keeps one line per problem.
        std::string excerpt = r.text.substr(0, 80);
        for (char& c : excerpt) {
            c = static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
        }
        if (r.text.size() > 80) {
            excerpt += "...";
        }
        const std::string body = excerpt.empty() ? std::string() : ": " + excerpt;
        const std::string status = std::to_string(r.status_code) + " " + r.reason;
        if (expected == 0 && (r.status_code < 200 || r.status_code >= 400)) {
            throw AppError(
                "Bad response: " + status + " (not 200 OK or 3xx redirect for " + r.url + ")" + body, where);
        }
        if (expected != 0 && r.status_code != expected) {
            throw AppError("Bad response: " + status + " (not " + std::to_string(expected) + ")" + body,
                           where);
        }
    }

    // "http://..." but not "/login?next=http://x": a scheme comes before any '/', '?' or '#'.
    static bool has_scheme(std::string_view s) {
        const auto colon = s.find("://");
        return colon != std::string_view::npos && colon > 0 && s.find_first_of("/?#") > colon;
    }

    // A Location against the URL it came with (RFC 3986 5.2, dot segments left as they are).
    static std::string resolve(const std::string& base, std::string_view location) {
        if (has_scheme(location)) {
            return std::string(location);
        }
        const auto scheme_end = base.find("://");
        const auto path_start =
            base.find_first_of("/?#", scheme_end == std::string::npos ? 0 : scheme_end + 3);
        const std::string origin = base.substr(0, path_start);
        if (location.starts_with("//")) {
            return base.substr(0, scheme_end + 1) + std::string(location);
        }
        if (location.starts_with("/")) {
            return origin + std::string(location);
        }
        const std::string path =
            path_start == std::string::npos
                ? "/"
                : base.substr(path_start, base.find_first_of("?#", path_start) - path_start);
        if (location.starts_with("?")) {
            return origin + path + std::string(location);
        }
        return origin + path.substr(0, path.rfind('/') + 1) + std::string(location);
    }

    Session& m_session;
    const std::string& m_default_url;
};

}  // namespace loads
