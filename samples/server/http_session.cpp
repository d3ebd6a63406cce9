#include "http_session.hpp"

#include <chrono>
#include <cstdint>

#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "route_handlers.hpp"
#include "streams.hpp"

namespace loads::sample_server {

namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {

constexpr auto idle_timeout = std::chrono::seconds(60);
// Beast's default of 1 MiB is tight for /echo payload tests; more would let a few clients exhaust
// the memory of a server meant to sustain thousands of them.
constexpr std::uint64_t max_body_bytes = 8 * 1024 * 1024;

struct ErrorReply {
    unsigned status;
    std::string_view body;
};

/// What to answer a request that could not be read with, or nothing when there is nobody to
/// answer (closed, reset or timed-out connection, failed TLS record).
std::optional<ErrorReply> reply_for_read_error(const beast::error_code& ec) {
    if (ec == http::error::body_limit) {
        return ErrorReply{413, "request body too large"};
    }
    if (ec == http::error::header_limit) {
        return ErrorReply{431, "request header too large"};
    }
    // A client closing between requests, or halfway through one, is not a protocol error.
    if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
        return std::nullopt;
    }
    if (ec.category() == beast::error_code(http::error::bad_method).category()) {
        return ErrorReply{400, "bad request"};
    }
    return std::nullopt;
}

/// Applies what every response shares, whichever handler built it.
void finish_response(Response& response, unsigned version, bool keep_alive) {
    response.version(version);
    response.keep_alive(keep_alive);
    response.set(http::field::server, server_name);
    // 204 and 304 carry no content (RFC 9110 sections 15.3.5 and 15.4.5): a body would be read as
    // the start of the next response on a kept-alive connection. A 204 must not send
    // Content-Length either, and a 304's would have to be that of the 200 it stands for, so the
    // "0" Beast puts there goes too.
    if (response.result() == http::status::no_content || response.result() == http::status::not_modified) {
        response.body().clear();
        response.prepare_payload();
        response.erase(http::field::content_length);
        return;
    }
    response.prepare_payload();
}

/// Whether the server is stopping (see CoroutineGroup::stop): then no new operation may start, as
/// only the one pending when it stopped was cancelled.
bool cancelled(const boost::asio::yield_context& yield) {
    return yield.cancelled() != boost::asio::cancellation_type::none;
}

bool expects_continue(const Request& request) {
    const auto it = request.find(http::field::expect);
    return request.version() >= 11 && it != request.end() && beast::iequals(it->value(), "100-continue");
}

bool is_websocket_upgrade(const Request& request) {
    return target_path(request.target()) == websocket_path && beast::websocket::is_upgrade(request);
}

/// Reads one request into `parser`, answering "Expect: 100-continue" on the way. A server stopping
/// while the request was read counts as an aborted read.
template <class Stream>
beast::error_code read_request(Stream& stream, beast::flat_buffer& buffer,
                               http::request_parser<http::string_body>& parser,
                               boost::asio::yield_context yield) {
    beast::error_code ec;
    beast::get_lowest_layer(stream).expires_after(idle_timeout);
    http::async_read_header(stream, buffer, parser, yield[ec]);
    if (!ec && !cancelled(yield) && expects_continue(parser.get())) {
        // Clients such as curl hold a large body back until told to go on; answering now saves
        // them a one-second wait.
        http::response<http::empty_body> proceed{http::status::continue_, parser.get().version()};
        http::async_write(stream, proceed, yield[ec]);
    }
    if (!ec && !cancelled(yield) && !parser.is_done()) {
        http::async_read(stream, buffer, parser, yield[ec]);
    }
    if (!ec && cancelled(yield)) {
        ec = boost::asio::error::operation_aborted;
    }
    return ec;
}

}  // namespace

template <class Stream>
std::optional<Request> serve_http_session(Stream& stream, const Router& router,
                                          const ConnectionInfo& connection,
                                          boost::asio::yield_context yield) {
    beast::flat_buffer buffer;
    while (!cancelled(yield)) {
        // A fresh parser per request: a parser reads exactly one message.
        http::request_parser<http::string_body> parser;
        parser.body_limit(max_body_bytes);
        beast::error_code ec = read_request(stream, buffer, parser, yield);
        if (ec) {
            if (const auto reply = reply_for_read_error(ec)) {
                Response response = make_text_response(reply->status, reply->body);
                finish_response(response, 11, false);
                beast::get_lowest_layer(stream).expires_after(idle_timeout);
                http::async_write(stream, response, yield[ec]);
            }
            return std::nullopt;
        }

        Request request = parser.release();
        if (is_websocket_upgrade(request)) {
            // Clients wait for the handshake's answer before sending frames (RFC 6455 section
            // 4.1), so nothing of the WebSocket is left in `buffer` to hand over with the request.
            return request;
        }
        Response response = router.route(request, connection, yield);
        if (cancelled(yield)) {
            return std::nullopt;
        }
        finish_response(response, request.version(), request.keep_alive());

        beast::get_lowest_layer(stream).expires_after(idle_timeout);
        if (request.method() == http::verb::head) {
            // Content-Length stays that of the GET response, as HEAD requires; only the body goes.
            http::response_serializer<http::string_body> serializer{response};
            http::async_write_header(stream, serializer, yield[ec]);
        } else {
            http::async_write(stream, response, yield[ec]);
        }
        if (ec || response.need_eof()) {
            return std::nullopt;
        }
    }
    return std::nullopt;
}

template std::optional<Request> serve_http_session<PlainStream>(PlainStream&, const Router&,
                                                                const ConnectionInfo&,
                                                                boost::asio::yield_context);
template std::optional<Request> serve_http_session<TlsStream>(TlsStream&, const Router&,
                                                              const ConnectionInfo&,
                                                              boost::asio::yield_context);

}  // namespace loads::sample_server
