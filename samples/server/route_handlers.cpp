#include "route_handlers.hpp"

#include <cctype>
#include <charconv>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>

#include "basic_auth.hpp"
#include "cookie_header.hpp"
#include "header_text.hpp"
#include "json_text.hpp"
#include "query_string.hpp"

namespace loads::sample_server {

namespace http = boost::beast::http;

namespace {

constexpr std::string_view index_page = R"(<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>loads sample server</title>
</head>
<body>
<h1>loads sample server</h1>
<form id="chatform" method="post" action="/echo">
<input type="text" name="message" id="message" autofocus>
<button type="submit">Send</button>
</form>
</body>
</html>
)";

constexpr unsigned max_delay_ms = 60000;
// Enough for any redirect chain a client follows (Requests stops at 30), small enough that a typo
// cannot make one test walk a million hops.
constexpr unsigned max_redirects = 100;

constexpr std::string_view json_document = R"({"name":"loads","users":[1,2,3],"nested":{"ok":true}})";
// Invalid on purpose: tests check that parsing it fails the way they expect.
constexpr std::string_view bad_json_document = R"({"name": "loads", oops})";

/// The whole of `text` as a decimal number: signs, spaces and trailing characters are refused so
/// that "/delay/5x" is a bad request rather than a 5 ms delay.
std::optional<unsigned> parse_unsigned(std::string_view text) {
    unsigned value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end) {
        return std::nullopt;
    }
    return value;
}

Response make_response(unsigned status, std::string_view content_type, std::string body) {
    Response response;
    response.result(status);
    // Beast writes "<unknown-status>" as the reason of codes it has no name for; a neutral phrase
    // reads better in client logs and is just as valid.
    if (http::int_to_status(status) == http::status::unknown) {
        response.reason("Unknown Status");
    }
    response.set(http::field::content_type, content_type);
    response.body() = std::move(body);
    return response;
}

std::vector<QueryParameter> query_parameters(const Request& request) {
    return parse_query(target_query(request.target()));
}

Response make_redirect(unsigned status, std::string_view location) {
    Response response = make_text_response(status, "redirecting to " + std::string(location));
    response.set(http::field::location, location);
    return response;
}

}  // namespace

Response make_text_response(unsigned status, std::string_view body) {
    return make_response(status, "text/plain", std::string(body));
}

Response handle_index(const RouteContext&) {
    return make_response(200, "text/html", std::string(index_page));
}

Response handle_auth(const RouteContext& context) {
    const auto it = context.request.find(http::field::authorization);
    if (it != context.request.end()) {
        if (auto user = basic_auth_user(it->value())) {
            return make_response(200, "text/plain", std::move(*user));
        }
    }
    Response response = make_text_response(401, "authentication required");
    response.set(http::field::www_authenticate, R"(Basic realm="loads")");
    return response;
}

Response handle_status(const RouteContext& context) {
    const auto code = parse_unsigned(context.argument);
    // 1xx are interim responses: a client would keep waiting for the final one that never comes.
    if (!code || *code < 200 || *code > 599) {
        return make_text_response(400, "bad status code");
    }
    return make_text_response(*code, "status " + std::to_string(*code));
}

Response handle_delay(const RouteContext& context) {
    const auto ms = parse_unsigned(context.argument);
    if (!ms || *ms > max_delay_ms) {
        return make_text_response(400, "bad delay");
    }
    // A server stopping (see CoroutineGroup) cancels the wait or, if it comes first, skips it;
    // the response is then never written anyway.
    if (context.yield.cancelled() == boost::asio::cancellation_type::none) {
        boost::asio::steady_timer timer(context.yield.get_executor(), std::chrono::milliseconds(*ms));
        boost::system::error_code ec;
        timer.async_wait(context.yield[ec]);
    }
    return make_text_response(200, "delayed " + std::to_string(*ms) + " ms");
}

Response handle_echo(const RouteContext& context) {
    const auto it = context.request.find(http::field::content_type);
    const std::string_view content_type =
        it != context.request.end() ? std::string_view(it->value()) : "application/octet-stream";
    Response response = make_response(200, content_type, context.request.body());
    response.set("X-Echo-Method", context.request.method_string());
    return response;
}

Response handle_active(const RouteContext& context) {
    const auto counts = context.stats.snapshot();
    return make_text_response(
        200, "max: " + std::to_string(counts.max) + ", current: " + std::to_string(counts.current));
}

Response handle_websocket_without_upgrade(const RouteContext&) {
    // RFC 9110 section 15.5.22: a 426 names the protocol to switch to.
    Response response = make_text_response(426, "websocket upgrade required");
    response.set(http::field::upgrade, "websocket");
    return response;
}

Response handle_tls(const RouteContext& context) {
    const ConnectionInfo& connection = context.connection;
    const std::string_view version = connection.tls ? std::string_view(connection.tls_version) : "none";
    return make_text_response(200, std::string("reused: ") + (connection.tls_session_reused ? "1" : "0") +
                                       "\nversion: " + std::string(version));
}

Response handle_redirect(const RouteContext& context) {
    const auto hops = parse_unsigned(context.argument);
    if (!hops || *hops > max_redirects) {
        return make_text_response(400, "bad redirect count");
    }
    if (*hops == 0) {
        return make_text_response(200, "redirected");
    }
    // Relative, so that clients are tested on resolving it against the URL they asked for.
    return make_redirect(302, "/redirect/" + std::to_string(*hops - 1));
}

Response handle_redirect_to(const RouteContext& context) {
    const auto parameters = query_parameters(context.request);
    const auto url = find_parameter(parameters, "url");
    if (!url || url->empty() || !is_header_value(*url)) {
        return make_text_response(400, "missing or bad url parameter");
    }
    unsigned status = 302;
    if (const auto requested = find_parameter(parameters, "status")) {
        const auto code = parse_unsigned(*requested);
        if (!code || *code < 300 || *code > 308) {
            return make_text_response(400, "bad status: redirects are 300 to 308");
        }
        status = *code;
    }
    return make_redirect(status, *url);
}

Response handle_response_headers(const RouteContext& context) {
    Response response = make_text_response(200, "ok");
    for (const auto& [name, value] : query_parameters(context.request)) {
        if (!is_token(name) || !is_header_value(value)) {
            return make_text_response(400, "bad header name or value");
        }
        // The connection frames every response itself; letting a URL set these would make the
        // response unreadable rather than test anything.
        if (boost::beast::iequals(name, "Content-Length") ||
            boost::beast::iequals(name, "Transfer-Encoding") || boost::beast::iequals(name, "Connection")) {
            return make_text_response(400, "header " + name + " is set by the server");
        }
        // Content-Type replaces the default one; anything else is added, so that repeated names
        // (several Set-Cookie) become repeated headers.
        if (boost::beast::iequals(name, "Content-Type")) {
            response.set(http::field::content_type, value);
        } else {
            response.insert(name, value);
        }
    }
    return response;
}

Response handle_cookies(const RouteContext& context) {
    std::map<std::string, std::string> cookies;
    const auto [first, last] = context.request.equal_range(http::field::cookie);
    for (auto it = first; it != last; ++it) {
        for (auto& [name, value] : parse_cookie_header(it->value())) {
            // The first of two same-named cookies wins: clients send the most specific one first
            // (RFC 6265 section 5.4).
            cookies.emplace(std::move(name), std::move(value));
        }
    }
    return make_response(200, "application/json", json_object(cookies));
}

Response handle_json(const RouteContext& context) {
    const Request& request = context.request;
    if (request.method() == http::verb::get || request.method() == http::verb::head) {
        return make_response(200, "application/json", std::string(json_document));
    }
    // Echoed verbatim, not re-serialized: tests check exactly the bytes their client sent.
    Response response = make_response(200, "application/json", request.body());
    const auto it = request.find(http::field::content_type);
    response.set("X-Request-Content-Type", it != request.end() ? std::string_view(it->value()) : "none");
    return response;
}

Response handle_bad_json(const RouteContext&) {
    return make_response(200, "application/json", std::string(bad_json_document));
}

Response handle_headers(const RouteContext& context) {
    std::map<std::string, std::string> headers;
    for (const auto& field : context.request) {
        std::string name(field.name_string());
        for (char& c : name) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        auto [it, inserted] = headers.emplace(std::move(name), std::string(field.value()));
        if (!inserted) {
            // How RFC 9110 section 5.3 combines repeated fields.
            it->second += ", ";
            it->second += field.value();
        }
    }
    return make_response(200, "application/json", json_object(headers));
}

Response handle_set_cookie_redirect(const RouteContext& context) {
    Response response = make_redirect(302, "/cookies");
    for (const auto& [name, value] : query_parameters(context.request)) {
        if (!is_token(name) || !is_header_value(value)) {
            return make_text_response(400, "bad cookie name or value");
        }
        response.insert(http::field::set_cookie, name + "=" + value + "; Path=/");
    }
    return response;
}

Response handle_not_found(const RouteContext&) {
    return make_text_response(404, "not found");
}

}  // namespace loads::sample_server
