// ExternalReceiver: the PULL socket external runners (--test-runner) push their messages to, one
// JSON message per frame. It is bound before the first process starts, at an endpoint of this
// run only (an ipc socket in a private directory unless --zmq-receiver names one), so two runs on
// one box never mix their messages; the original's fixed ipc:///tmp/loads-external-receiver.ipc
// let the second run steal the first one's socket.
//
// A socket monitor counts the connections the processes open and close: once every process has
// exited and every connection they made is closed, whatever they sent has been read, which is how
// the run's end knows nothing is still in flight without guessing a delay.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace loads::host {

class ExternalReceiver {
public:
    /// Binds `endpoint` (--zmq-receiver; a tcp port `*` is chosen by the system), or, when it is
    /// empty, `ipc://<private_dir>/receiver.ipc`. An ipc endpoint another process is listening on
    /// is refused rather than taken over. @throws UsageError with a one-line reason.
    ExternalReceiver(const std::string& endpoint, const std::filesystem::path& private_dir);
    ~ExternalReceiver();
    ExternalReceiver(const ExternalReceiver&) = delete;
    ExternalReceiver& operator=(const ExternalReceiver&) = delete;

    /// The endpoint the processes are given (LOADS_ZMQ_RECEIVER): the bound one, port included.
    const std::string& endpoint() const noexcept { return m_endpoint; }

    /// Waits up to `timeout` for a frame. @return the frame, valid until the next call, or
    /// nothing when none came.
    std::optional<std::string_view> receive(std::chrono::milliseconds timeout);

    /// Connections the processes opened and have not closed yet, as far as the monitor has said.
    int open_connections();

private:
    struct Sockets;
    std::unique_ptr<Sockets> m_sockets;
    std::string m_endpoint;
    std::filesystem::path m_ipc_file;  ///< The private socket's file, removed at the end.
    int m_open = 0;
};

/// Whether a process is accepting connections on the Unix socket `path` right now (a file left
/// behind by a process that died is not).
bool unix_socket_in_use(const std::filesystem::path& path);

}  // namespace loads::host
