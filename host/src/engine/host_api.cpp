#include "engine/host_api.hpp"

#include <cstddef>
#include <cstdio>
#include <string_view>

#include "engine/virtual_user.hpp"

namespace loads::host {
namespace {

// Every entry point is noexcept and catches everything: no exception may unwind into plugin code.

int32_t api_http_request(loads_vu* vu, const loads_http_request* request,
                         loads_http_response* response) noexcept {
    // Every field of the version-1 structs must be there; fields appended later are read or
    // written only when the caller's struct_size says they exist.
    if (vu == nullptr || request == nullptr || response == nullptr ||
        !LOADS_HAS_FIELD(request, loads_http_request, timeout) ||
        !LOADS_HAS_FIELD(response, loads_http_response, elapsed)) {
        return LOADS_HTTP_INVALID_REQUEST;
    }
    try {
        return VirtualUser::from(vu)->http_request(*request, *response);
    } catch (const std::exception& e) {
        static thread_local std::string message;
        message = std::string("internal error: ") + e.what();
        response->error_kind = LOADS_HTTP_CONNECTION;
        response->error = {message.data(), message.size()};
        return LOADS_HTTP_CONNECTION;
    }
}

void api_incr_counter(loads_vu* vu, loads_str name, int64_t delta) noexcept {
    if (vu == nullptr) {
        return;
    }
    try {
        VirtualUser::from(vu)->incr_counter(std::string_view(name.ptr, name.len), delta);
    } catch (...) {  // out of memory: the counter is lost, the run goes on
    }
}

int32_t api_sleep(loads_vu* vu, double seconds) noexcept {
    if (vu == nullptr) {
        return 0;
    }
    try {
        return VirtualUser::from(vu)->sleep(seconds);
    } catch (...) {
        return LOADS_HTTP_CANCELLED;
    }
}

void api_log(loads_vu*, int32_t level, loads_str message) noexcept {
    static constexpr const char* k_levels[] = {"debug", "info", "warning", "error"};
    const char* tag = level >= 0 && level <= 3 ? k_levels[level] : "info";
    // One fprintf per line: stdio locks the stream, so lines from different threads stay whole.
    std::fprintf(stderr, "[%s] %.*s\n", tag, static_cast<int>(message.len), message.ptr);
}

int32_t api_ws_connect(loads_vu* vu, const loads_ws_request* request, loads_ws_reply* reply) noexcept {
    if (vu == nullptr || request == nullptr || reply == nullptr ||
        !LOADS_HAS_FIELD(request, loads_ws_request, timeout) ||
        !LOADS_HAS_FIELD(reply, loads_ws_reply, protocol)) {
        return LOADS_HTTP_INVALID_REQUEST;
    }
    reply->ws = nullptr;
    reply->protocol = {};
    try {
        return VirtualUser::from(vu)->ws_connect(*request, *reply);
    } catch (const std::exception& e) {
        static thread_local std::string message;
        message = std::string("internal error: ") + e.what();
        reply->error_kind = LOADS_HTTP_CONNECTION;
        reply->error = {message.data(), message.size()};
        return LOADS_HTTP_CONNECTION;
    }
}

int32_t api_ws_send(loads_vu* vu, loads_ws* ws, loads_str data, int32_t binary, loads_str* error) noexcept {
    static const char k_internal[] = "internal error while sending on a web socket";
    loads_str ignored{};
    loads_str& out = error != nullptr ? *error : ignored;
    if (vu == nullptr) {
        return LOADS_HTTP_INVALID_REQUEST;
    }
    try {
        return VirtualUser::from(vu)->ws_send(ws, std::string_view(data.ptr, data.len), binary != 0, out);
    } catch (...) {
        out = {k_internal, sizeof(k_internal) - 1};
        return LOADS_HTTP_CONNECTION;
    }
}

int32_t api_ws_receive(loads_vu* vu, loads_ws* ws, int32_t wait, double timeout,
                       loads_ws_message* out) noexcept {
    if (vu == nullptr || out == nullptr || !LOADS_HAS_FIELD(out, loads_ws_message, error)) {
        return LOADS_HTTP_INVALID_REQUEST;
    }
    try {
        return VirtualUser::from(vu)->ws_receive(ws, wait != 0, timeout, *out);
    } catch (...) {
        static const char k_internal[] = "internal error while receiving on a web socket";
        out->error = {k_internal, sizeof(k_internal) - 1};
        return LOADS_HTTP_CONNECTION;
    }
}

int32_t api_ws_close(loads_vu* vu, loads_ws* ws, uint16_t code, loads_str reason) noexcept {
    if (vu == nullptr) {
        return LOADS_HTTP_INVALID_REQUEST;
    }
    try {
        return VirtualUser::from(vu)->ws_close(ws, code, std::string_view(reason.ptr, reason.len));
    } catch (...) {
        return LOADS_HTTP_CONNECTION;
    }
}

void api_ws_release(loads_vu* vu, loads_ws* ws) noexcept {
    if (vu == nullptr) {
        return;
    }
    try {
        VirtualUser::from(vu)->ws_release(ws);
    } catch (...) {  // the socket is then closed when the user ends
    }
}

constexpr loads_host_api k_api = {
    sizeof(loads_host_api), LOADS_ABI_MAJOR, LOADS_ABI_MINOR, &api_http_request,
    &api_incr_counter,      &api_sleep,      &api_log,        &api_ws_connect,
    &api_ws_send,           &api_ws_receive, &api_ws_close,   &api_ws_release,
};

}  // namespace

const loads_host_api* host_api() noexcept {
    return &k_api;
}

}  // namespace loads::host
