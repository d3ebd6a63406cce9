#include "loopback_address.hpp"

#include <string>

namespace loads::sample_server {

std::optional<boost::asio::ip::address> parse_loopback_address(std::string_view host) {
    if (host == "localhost") {
        return boost::asio::ip::make_address_v4("127.0.0.1");
    }
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(std::string(host), ec);
    if (ec || !address.is_loopback()) {
        return std::nullopt;
    }
    return address;
}

}  // namespace loads::sample_server
