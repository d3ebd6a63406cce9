#include "router.hpp"

#include <array>

#include "route_handlers.hpp"

namespace loads::sample_server {

namespace {

enum class Match { exact, prefix };

struct Route {
    std::string_view path;
    Match match;
    Response (*handler)(const RouteContext&);
};

// Every route answers any method: load tests hit them with whatever verb their scenario uses.
// clang-format off
constexpr std::array routes{
    Route{"/", Match::exact, handle_index},
    Route{"/auth", Match::exact, handle_auth},
    Route{"/status/", Match::prefix, handle_status},
    Route{"/delay/", Match::prefix, handle_delay},
    Route{"/echo", Match::exact, handle_echo},
    Route{"/active", Match::exact, handle_active},
    Route{websocket_path, Match::exact, handle_websocket_without_upgrade},
    Route{"/tls", Match::exact, handle_tls},
    Route{"/redirect/", Match::prefix, handle_redirect},
    Route{"/redirect-to", Match::exact, handle_redirect_to},
    Route{"/response-headers", Match::exact, handle_response_headers},
    Route{"/cookies", Match::exact, handle_cookies},
    Route{"/json", Match::exact, handle_json},
    Route{"/bad-json", Match::exact, handle_bad_json},
    Route{"/headers", Match::exact, handle_headers},
    Route{"/set-cookie-redirect", Match::exact, handle_set_cookie_redirect},
};
// clang-format on

}  // namespace

std::string_view target_path(std::string_view target) {
    return target.substr(0, target.find('?'));
}

Response Router::route(const Request& request, const ConnectionInfo& connection,
                       boost::asio::yield_context yield) const {
    const std::string_view path = target_path(request.target());
    for (const Route& route : routes) {
        if (route.match == Match::exact && path == route.path) {
            return route.handler(RouteContext{request, {}, m_stats, connection, yield});
        }
        if (route.match == Match::prefix && path.starts_with(route.path)) {
            return route.handler(
                RouteContext{request, path.substr(route.path.size()), m_stats, connection, yield});
        }
    }
    return handle_not_found(RouteContext{request, {}, m_stats, connection, yield});
}

}  // namespace loads::sample_server
