#include "url.hpp"

#include <algorithm>
#include <cctype>

namespace loads::host {

std::optional<Url> parse_url(std::string_view text, std::string& error) {
    const auto scheme_end = text.find("://");
    if (scheme_end == std::string_view::npos) {
        error = "invalid URL '" + std::string(text) + "': expected an absolute URL such as http://host/path";
        return std::nullopt;
    }
    std::string scheme(text.substr(0, scheme_end));
    std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
    if (scheme != "http") {
        error = "unsupported URL scheme '" + scheme + "' in '" + std::string(text) +
                "': this version of loads speaks plain http:// only";
        return std::nullopt;
    }
    std::string_view rest = text.substr(scheme_end + 3);
    const auto path_start = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, path_start);
    std::string_view target = path_start == std::string_view::npos ? std::string_view{} : rest.substr(path_start);
    if (const auto hash = target.find('#'); hash != std::string_view::npos) {
        target = target.substr(0, hash);  // fragments are never sent
    }
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        authority = authority.substr(at + 1);  // credentials: not supported, and never sent as part of Host
    }

    Url url;
    std::string_view host;
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            error = "invalid URL '" + std::string(text) + "': unterminated IPv6 address";
            return std::nullopt;
        }
        host = authority.substr(1, close - 1);
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                error = "invalid URL '" + std::string(text) + "': unexpected text after the IPv6 address";
                return std::nullopt;
            }
            port = after.substr(1);
        }
    } else {
        const auto colon = authority.rfind(':');
        host = authority.substr(0, colon);
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
        }
    }
    if (host.empty()) {
        error = "invalid URL '" + std::string(text) + "': no host";
        return std::nullopt;
    }
    if (!port.empty()) {
        const bool digits = std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (!digits || port.size() > 5 || std::stoul(std::string(port)) > 65535 || std::stoul(std::string(port)) == 0) {
            error = "invalid URL '" + std::string(text) + "': bad port '" + std::string(port) + "'";
            return std::nullopt;
        }
    }
    url.host = std::string(host);
    url.port = port.empty() ? "80" : std::string(port);
    // (append rather than operator+: GCC 12's -Wrestrict misfires on "x" + string at -O3)
    url.target = target.empty() || target.front() == '?' ? std::string("/") : std::string();
    url.target.append(target);
    url.origin = url.host + ":" + url.port;
    const bool v6 = url.host.find(':') != std::string::npos;
    url.host_header = v6 ? std::string("[").append(url.host).append("]") : url.host;
    if (!port.empty() && url.port != "80") {
        url.host_header += ":" + url.port;
    }
    return url;
}

}  // namespace loads::host
