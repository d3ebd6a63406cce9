#include "http/url.hpp"

#include "http/text.hpp"

#include <algorithm>
#include <cctype>

namespace loads::host {
namespace {

bool is_hex(char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

// Characters a request target may carry as they are (RFC 3986 unreserved, reserved and '%').
bool target_char_ok(char c) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
        return true;
    }
    return std::string_view("-._~:/?[]@!$&'()*+,;=").find(c) != std::string_view::npos;
}

// Like Requests' requote_uri: spaces, controls, non-ASCII bytes and stray '%' are percent-encoded,
// existing %XX escapes are kept. Besides matching what Python tests expect, this guarantees no CR,
// LF or space can reach the request line.
std::string requote(std::string_view target) {
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(target.size());
    for (std::size_t i = 0; i < target.size(); ++i) {
        const char c = target[i];
        const bool escape =
            c == '%' && i + 2 < target.size() && is_hex(target[i + 1]) && is_hex(target[i + 2]);
        if (target_char_ok(c) || escape) {
            out += c;
        } else {
            const auto byte = static_cast<unsigned char>(c);
            out += '%';
            out += k_hex[byte >> 4];
            out += k_hex[byte & 15];
        }
    }
    return out;
}

bool host_ok(std::string_view host, bool bracketed) {
    return std::all_of(host.begin(), host.end(), [&](char c) {
        const bool common = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-';
        return bracketed ? (common || c == ':' || c == '%') : (common || c == '_' || c == '~');
    });
}

}  // namespace

std::optional<Url> parse_url(std::string_view text, std::string& error) {
    const auto scheme_end = text.find("://");
    if (scheme_end == std::string_view::npos) {
        error = "invalid URL '" + std::string(text) + "': expected an absolute URL such as http://host/path";
        return std::nullopt;
    }
    const std::string scheme = ascii_lower(text.substr(0, scheme_end));
    Url url;
    if (scheme == "http") {
        url.scheme = Scheme::http;
    } else if (scheme == "https") {
        url.scheme = Scheme::https;
    } else if (scheme == "ws") {
        url.scheme = Scheme::ws;
    } else if (scheme == "wss") {
        url.scheme = Scheme::wss;
    } else {
        error = "unsupported URL scheme '" + scheme + "' in '" + std::string(text) +
                "': loads speaks http://, https://, ws:// and wss://";
        return std::nullopt;
    }
    std::string_view rest = text.substr(scheme_end + 3);
    const auto path_start = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, path_start);
    std::string_view target =
        path_start == std::string_view::npos ? std::string_view{} : rest.substr(path_start);
    if (const auto hash = target.find('#'); hash != std::string_view::npos) {
        target = target.substr(0, hash);  // fragments are never sent
    }
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        authority = authority.substr(at + 1);  // credentials: not supported, and never sent as part of Host
    }

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
    if (!host_ok(host, authority.front() == '[')) {
        error = "invalid URL '" + std::string(text) + "': bad character in host '" + std::string(host) + "'";
        return std::nullopt;
    }
    if (!port.empty()) {
        const bool digits =
            std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (!digits || port.size() > 5 || std::stoul(std::string(port)) > 65535 ||
            std::stoul(std::string(port)) == 0) {
            error = "invalid URL '" + std::string(text) + "': bad port '" + std::string(port) + "'";
            return std::nullopt;
        }
    }
    url.host = ascii_lower(host);  // for the cookie jar's matching
    const char* default_port = url.tls() ? "443" : "80";
    url.port = port.empty() ? default_port : std::string(port);
    // (append rather than operator+: GCC 12's -Wrestrict misfires on "x" + string at -O3)
    url.target = target.empty() || target.front() == '?' ? std::string("/") : std::string();
    url.target.append(requote(target));
    url.endpoint = url.host + ":" + url.port;
    url.origin = scheme + "://" + url.endpoint;
    const bool v6 = url.host.find(':') != std::string::npos;
    url.host_header = v6 ? std::string("[").append(url.host).append("]") : url.host;
    if (url.port != default_port) {
        url.host_header += ":" + url.port;
    }
    return url;
}

std::string Url::scheme_and_authority() const {
    static constexpr const char* k_names[] = {"http", "https", "ws", "wss"};
    return std::string(k_names[static_cast<int>(scheme)]) + "://" + host_header;
}

std::string resolve_reference(const Url& base, std::string_view location) {
    location = location.substr(0, location.find('#'));
    // Surrounding white space is not part of a URL; some servers send it anyway.
    while (!location.empty() && (location.front() == ' ' || location.front() == '\t')) {
        location.remove_prefix(1);
    }
    while (!location.empty() && (location.back() == ' ' || location.back() == '\t')) {
        location.remove_suffix(1);
    }
    const auto colon = location.find(':');
    const auto first_delimiter = location.find_first_of("/?");
    if (colon != std::string_view::npos && colon > 0 &&
        (first_delimiter == std::string_view::npos || colon < first_delimiter) &&
        std::all_of(location.begin(), location.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' || c == '.';
        })) {
        return std::string(location);  // absolute
    }
    const std::string authority = base.scheme_and_authority();
    if (location.starts_with("//")) {
        return authority.substr(0, authority.find("://") + 1) + std::string(location);
    }
    if (location.starts_with("/")) {
        return authority + std::string(location);
    }
    const std::string_view base_path = std::string_view(base.target).substr(0, base.target.find('?'));
    if (location.empty()) {
        return authority + base.target;
    }
    if (location.starts_with("?")) {
        return authority + std::string(base_path) + std::string(location);
    }
    const auto slash = base_path.rfind('/');
    return authority + std::string(base_path.substr(0, slash + 1)) + std::string(location);
}

}  // namespace loads::host
