#include "cluster/protocol.hpp"

#include <algorithm>
#include <filesystem>
#include <random>

namespace loads::host {

std::string random_hex(std::size_t bytes) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::random_device rd;
    std::string out;
    for (std::size_t i = 0; i < bytes; ++i) {
        const auto b = static_cast<unsigned>(rd() & 0xFF);
        out += k_hex[b >> 4];
        out += k_hex[b & 0xF];
    }
    return out;
}

std::string new_run_id() {
    std::string h = random_hex(16);
    h[12] = '4';                // version 4
    h[16] = "89ab"[h[16] % 4];  // RFC 4122 variant
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
           h.substr(20);
}

bool plausible_run_id(std::string_view id) {
    return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
    });
}

std::string ipc_path(std::string_view endpoint) {
    constexpr std::string_view ipc = "ipc://";
    if (!endpoint.starts_with(ipc) || endpoint.size() <= ipc.size() || endpoint[ipc.size()] == '@') {
        return {};  // another transport, or an abstract socket (no file)
    }
    return std::string(endpoint.substr(ipc.size()));
}

bool ipc_file_missing(const std::string& endpoint) {
    const std::string path = ipc_path(endpoint);
    std::error_code ec;
    return !path.empty() && !std::filesystem::exists(path, ec);
}

std::string endpoint_host(std::string_view endpoint) {
    constexpr std::string_view tcp = "tcp://";
    if (!endpoint.starts_with(tcp)) {
        return {};
    }
    std::string_view rest = endpoint.substr(tcp.size());
    if (rest.starts_with('[')) {  // [v6 address]:port
        const auto close = rest.find(']');
        return close == std::string_view::npos ? std::string() : std::string(rest.substr(0, close + 1));
    }
    const auto colon = rest.rfind(':');
    return std::string(rest.substr(0, colon));
}

std::string dialable_endpoint(const std::string& endpoint, const std::string& reached) {
    const std::string host = endpoint_host(endpoint);
    if (host != "*" && host != "0.0.0.0" && host != "[::]" && host != "[*]") {
        return endpoint;
    }
    std::string reached_host = endpoint_host(reached);
    if (reached_host.empty() || reached_host == "*" || reached_host == "0.0.0.0" || reached_host == "[::]") {
        reached_host = "127.0.0.1";  // the peer reached the broker locally (ipc), or as loosely as this
    }
    return "tcp://" + reached_host + endpoint.substr(std::string_view("tcp://").size() + host.size());
}

}  // namespace loads::host
