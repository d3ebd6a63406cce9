/// @file loopback_address.hpp
/// @brief The addresses --host may name: loopback only.
///
/// The server echoes whatever it is sent and holds connections open on request, which is fine on
/// a test machine's loopback interface and an open relay anywhere else.
#pragma once

#include <optional>
#include <string_view>

#include <boost/asio/ip/address.hpp>

namespace loads::sample_server {

/// The address `host` names if it is a loopback one: an IPv4 address in 127.0.0.0/8, the IPv6
/// address ::1, or "localhost" (always 127.0.0.1, never looked up, so /etc/hosts cannot redirect
/// it). Nothing for any other host.
std::optional<boost::asio::ip::address> parse_loopback_address(std::string_view host);

}  // namespace loads::sample_server
