/// @file http_types.hpp
/// @brief The request and response types every part of the server exchanges.
///
/// Bodies are whole strings: the largest body the server accepts is small (see http_connection.cpp),
/// and /echo must hold the request body in full anyway.
#pragma once

#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace loads::sample_server {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

/// The Server header of every response, WebSocket handshakes included.
inline constexpr std::string_view server_name = "loads-sample-server";

}  // namespace loads::sample_server
