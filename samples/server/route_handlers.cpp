#include "route_handlers.hpp"

#include <charconv>
#include <chrono>
#include <optional>
#include <string>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>

#include "basic_auth.hpp"

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

Response handle_not_found(const RouteContext&) {
    return make_text_response(404, "not found");
}

}  // namespace loads::sample_server
