// BrokerClient: one request to the broker's frontend and its reply, with a deadline. Used by the
// runner (run, ping, purge, attach...) and by an agent asking for the broker's endpoints.
//
// It speaks like a REQ socket ([empty, json, attachment?]) but over a DEALER, so a request that
// timed out never leaves the socket stuck in REQ's send/receive lock-step; every request carries
// an "id" and a late reply to an earlier one is skipped.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json_value.hpp"
#include "cluster/protocol.hpp"

namespace loads::host {

struct BrokerReply {
    JsonValue result;                 ///< The reply's "result" member.
    std::vector<std::string> frames;  ///< Binary frames after the JSON (e.g. encoded stats).
};

class BrokerClient {
public:
    /// @throws UsageError when ZeroMQ refuses the endpoint's syntax.
    /// `interrupt`: while waiting, a signal that sets it ends the wait with Interrupted (without
    /// it, a signal's EINTR only makes the wait go on).
    explicit BrokerClient(std::string frontend, std::chrono::milliseconds timeout = k_request_timeout,
                          const std::atomic<bool>* interrupt = nullptr);
    ~BrokerClient();
    BrokerClient(const BrokerClient&) = delete;
    BrokerClient& operator=(const BrokerClient&) = delete;

    const std::string& frontend() const noexcept { return m_frontend; }

    /// Sends `request` (a JSON object without "id": it is added) and an optional binary
    /// attachment, and waits for the reply.
    /// @throws BrokerUnreachable when nobody answers in time ("cannot reach the broker at ..."),
    /// ClusterError with the broker's one-line {"error": ...}, Interrupted.
    BrokerReply call(const JsonValue::Object& request, std::string_view attachment = {},
                     std::optional<std::chrono::milliseconds> timeout = std::nullopt);
    /// The same, but nullopt when nobody answered in time (errors from the broker still throw).
    std::optional<BrokerReply> try_call(const JsonValue::Object& request, std::string_view attachment = {},
                                        std::optional<std::chrono::milliseconds> timeout = std::nullopt);

private:
    struct Socket;
    std::string m_frontend;
    std::chrono::milliseconds m_timeout;
    std::unique_ptr<Socket> m_socket;
    std::int64_t m_next_id = 1;
    const std::atomic<bool>* m_interrupt;
};

}  // namespace loads::host
