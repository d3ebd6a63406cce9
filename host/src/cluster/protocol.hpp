// The cluster's wire protocol in one place: the broker's sockets and their default endpoints
// (the original Loads' names), the heartbeat's timing, and the frames every message is made of.
//
//   socket      type (broker side)  peers                          frames
//   frontend    ROUTER, binds       runners' requests (REQ/DEALER)  [id, "", json, attachment?]
//   backend     ROUTER, binds       agents (DEALER, id = agent id)  broker→agent [id, json, archive?]
//                                                                   agent→broker [json]
//   register    PULL, binds         agents (PUSH)                   [json] REGISTER/BEAT/UNREGISTER
//   receiver    PULL, binds         agents' child runners (PUSH)    ["loads-stats", json, stats]
//   publisher   PUB, binds          runners (SUB, topic = run id)   [run_id, json, stats...]
//   heartbeat   PUB, binds          agents (SUB)                    ["BEAT", broker instance id]
//
// Every JSON body is an object. Requests carry "command" and an optional "id" the reply echoes;
// replies are {"result": ...} or {"error": "one line"}.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace loads::host {

struct Endpoints {
    std::string frontend = "ipc:///tmp/loads-front.ipc";
    std::string backend = "ipc:///tmp/loads-back.ipc";
    std::string register_ = "ipc:///tmp/loads-reg.ipc";
    std::string receiver = "ipc:///tmp/loads-broker-receiver.ipc";
    std::string publisher = "ipc:///tmp/loads-publisher.ipc";
    std::string heartbeat = "ipc:///tmp/loads-beat.ipc";
};

/// Both ways: the broker publishes a beat and every agent sends one, this often.
inline constexpr std::chrono::milliseconds k_beat_period{1000};
/// A peer silent for this many beats is gone: an agent is dropped (and lost from its run), an
/// agent that stops hearing the broker says so and re-registers when it is back.
inline constexpr int k_missed_beats = 3;
/// A run with a rate or stages starts on every agent this long after the broker took it (time to
/// unpack the files, start the runner and make the users): the broker sends the start time, and
/// the runner following the run places its stages from the run's elapsed time less this.
inline constexpr double k_shared_start_lead_seconds = 2.0;
/// How long a runner or an agent waits for the broker to answer one request.
inline constexpr std::chrono::milliseconds k_request_timeout{5000};

inline constexpr std::string_view k_stats_frame = "loads-stats";  ///< First frame of a relay message.
inline constexpr std::string_view k_beat_frame = "BEAT";          ///< First frame of a heartbeat.

/// `endpoint` as a peer must dial it. A broker bound to every interface reports
/// `tcp://0.0.0.0:5555` (or `tcp://*:5555`, `tcp://[::]:5555`), which is nowhere to connect to:
/// the host is replaced by the one `reached` (the frontend endpoint the peer used) names.
/// Other endpoints come back unchanged.
std::string dialable_endpoint(const std::string& endpoint, const std::string& reached);

/// `bytes` random bytes as hexadecimal (a broker's instance id).
std::string random_hex(std::size_t bytes);
/// A new run id: a random (version 4) UUID, as the original's. Runners name their runs (so they
/// can subscribe before the run starts); the broker names those that come without one.
std::string new_run_id();

/// Whether `id` can be a run id: it names a directory on every agent, so only what a UUID is
/// made of (letters, digits, '-'), 1 to 64 of them.
bool plausible_run_id(std::string_view id);

/// The socket file of an `ipc://` endpoint ("" for other transports and abstract sockets).
std::string ipc_path(std::string_view endpoint);

/// Whether `endpoint` is an `ipc://` path whose socket file does not exist: nobody can be
/// listening there (so there is no point waiting for an answer).
bool ipc_file_missing(const std::string& endpoint);

/// The host part of a `tcp://host:port` endpoint ("" for other transports).
std::string endpoint_host(std::string_view endpoint);

}  // namespace loads::host
