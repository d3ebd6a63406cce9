// The webhook observer's protocol pieces: the URL it posts to, the JSON document it posts, the
// HTTP/1.1 request and the reading of the answer, and the retry loop with exponential back-off.
// Everything that does not touch the network is a plain function, so the unit tests check it
// without a server; read_response is a template over the stream so it is tested the same way.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <loads/abi.h>

#include "connection.hpp"
#include "text.hpp"

namespace loads::observers::webhook {

/// Where the notification goes. `host` has no brackets (an IPv6 literal is "::1").
struct Url {
    bool https = false;
    std::string host;
    int port = 0;
    std::string target;  ///< Path and query, never empty ("/" at least); no fragment.

    /// The Host header: the host (bracketed when IPv6) and the port when not the scheme's default.
    std::string host_header() const;
    /// "HOST:PORT/path" for messages. The query is left out: webhook URLs often carry a token
    /// there, and these lines end up in logs.
    std::string display() const;
};

/// Parses an http:// or https:// URL.
/// @throws std::invalid_argument with one line: the URL is empty, has another scheme, user
/// information, no host, a bad port or control characters.
Url parse_url(std::string_view text);

/// One extra request header given as "Name: value" (an API token, say), checked to be a single
/// well-formed header that does not replace one the request already carries.
struct Header {
    std::string name;
    std::string value;
};
/// @throws std::invalid_argument with one line.
Header parse_header(std::string_view text);

/// The JSON document describing `run`: `text` (the host's sentence, which chat webhooks display)
/// and the run's figures as fields.
std::string build_body(const loads_run_summary& run);

/// The whole HTTP/1.1 POST request of `body` to `url`, headers and body.
std::string build_request(const Url& url, std::string_view body, std::string_view version,
                          const Header* extra = nullptr);

/// An HTTP status line: "HTTP/1.1 503 Service Unavailable".
struct StatusLine {
    int code = 0;
    std::string reason;
};
/// @throws std::runtime_error when `line` is not an HTTP/1.x status line.
StatusLine parse_status_line(std::string_view line);

/// What the server answered: the final status, its Location (for 3xx) and the beginning of its
/// body (for the messages of failures).
struct Response {
    int code = 0;
    std::string reason;
    std::string location;
    std::string body;  ///< At most k_body_limit bytes of the (de-chunked) body.
};

constexpr std::size_t k_line_limit = 16 * 1024;
constexpr std::size_t k_header_limit = 100;  // header lines per response
constexpr std::size_t k_body_limit = 4096;

/// The first line of `body`, trimmed and cut to `max` bytes (with "..."), for one-line messages.
std::string first_line(std::string_view body, std::size_t max = 200);

namespace detail {
/// The chunk size at the start of a chunk-size line ("1a;ext=1" -> 26). @throws std::runtime_error
std::size_t chunk_size(std::string_view line);
}  // namespace detail

/// Reads one response from `stream` (anything with Connection's read_line and read_some):
/// interim 1xx answers are skipped, headers read, and for answers other than 2xx (whose body
/// says why) up to k_body_limit bytes of the body (by Content-Length, chunked, or until the peer
/// closes). Never reads more than it needs, so a huge or endless body cannot hold a success up.
/// @throws std::runtime_error for a malformed answer, or what the stream throws.
template <class Stream>
Response read_response(Stream& stream, Deadline deadline) {
    Response response;
    long long content_length = -1;
    bool chunked = false;
    for (;;) {
        const StatusLine status = parse_status_line(stream.read_line(deadline, k_line_limit));
        response.code = status.code;
        response.reason = status.reason;
        content_length = -1;
        chunked = false;
        for (std::size_t count = 0;; ++count) {
            if (count > k_header_limit) {
                throw std::runtime_error("more than " + std::to_string(k_header_limit) + " header lines");
            }
            const std::string line = stream.read_line(deadline, k_line_limit);
            if (line.empty()) {
                break;
            }
            const std::size_t colon = line.find(':');
            if (colon == std::string::npos) {
                continue;  // not a header (an obsolete folded line): nothing we need
            }
            const std::string name(trim(std::string_view(line).substr(0, colon)));
            const std::string value(trim(std::string_view(line).substr(colon + 1)));
            if (iequals(name, "content-length")) {
                try {
                    std::size_t used = 0;
                    content_length = std::stoll(value, &used);
                    if (used != value.size() || content_length < 0) {
                        throw std::invalid_argument(value);
                    }
                } catch (const std::exception&) {
                    throw std::runtime_error("bad Content-Length '" + value + "'");
                }
            } else if (iequals(name, "transfer-encoding")) {
                chunked = value.size() >= 7 && iequals(value.substr(value.size() - 7), "chunked");
            } else if (iequals(name, "location")) {
                response.location = value;
            }
        }
        // 100 Continue and other interim answers precede the real one (101 would switch protocols,
        // which we never ask for).
        if (response.code >= 200 || response.code == 101) {
            break;
        }
        response.location.clear();
    }
    // 304 has no body, by definition; after 101 the connection is no longer HTTP.
    if ((response.code >= 200 && response.code < 300) || response.code == 304 || response.code == 101) {
        return response;
    }
    char buffer[1024];
    const auto take = [&](std::size_t wanted) {
        // Reads up to `wanted` bytes into the body (keeping at most k_body_limit); false at EOF.
        while (wanted > 0) {
            const std::size_t n = stream.read_some(buffer, std::min(wanted, sizeof buffer), deadline);
            if (n == 0) {
                return false;
            }
            const std::size_t room = k_body_limit - std::min(k_body_limit, response.body.size());
            response.body.append(buffer, std::min(n, room));
            wanted -= n;
        }
        return true;
    };
    if (chunked) {
        while (response.body.size() < k_body_limit) {
            const std::size_t size = detail::chunk_size(stream.read_line(deadline, k_line_limit));
            if (size == 0 || !take(std::min(size, k_body_limit - response.body.size()))) {
                break;
            }
            if (response.body.size() >= k_body_limit) {
                break;
            }
            stream.read_line(deadline, k_line_limit);  // the CRLF after the chunk's data
        }
    } else if (content_length >= 0) {
        take(std::min<std::size_t>(static_cast<std::size_t>(content_length), k_body_limit));
    } else {
        take(k_body_limit);  // HTTP/1.0 style: the body ends when the server closes
    }
    if (response.body.size() > k_body_limit) {
        response.body.resize(k_body_limit);
    }
    return response;
}

/// How one attempt ended.
struct Attempt {
    enum class Kind { delivered, retry, fail };
    Kind kind = Kind::fail;
    std::string message;  ///< The success text, or why it failed (one line).
};

/// Waits before retry number `retry` (0 for the first retry): 0.5 s, 1 s, 2 s, 4 s, ... capped at
/// 30 s.
std::chrono::milliseconds backoff(int retry);

/// Makes the first attempt and up to `retries` more while attempts end in Kind::retry, sleeping
/// backoff(i) in between but never past `deadline` (when the next wait would end after it, it
/// gives up at once). @return the delivered attempt's message ("... after N retries" when it took
/// more than one). @throws std::runtime_error with the failing attempt's message, or the last one
/// with how many attempts were made.
std::string deliver(
    const std::function<Attempt()>& attempt, int retries, Deadline deadline,
    const std::function<void(std::chrono::milliseconds)>& sleep,
    const std::function<Deadline()>& now = [] { return std::chrono::system_clock::now(); });

/// "2" for 2 s, "2.5" for 2.5 s: the time limit as people gave it (`--observer-timeout`), from
/// the time left when the observer started (a few milliseconds less than what was given).
std::string seconds_text(std::chrono::milliseconds budget);

/// What one POST needs.
struct Target {
    Url url;
    std::string ca_file;
    std::string request;       ///< build_request's bytes
    std::string timeout_text;  ///< seconds_text of the whole time limit, for timeout messages
};

/// One POST of `target.request` over a new connection, classified: 2xx delivered; 3xx and 4xx
/// and TLS failures fail at once (repeating cannot help); 5xx and connection or I/O failures
/// retry; running out of time fails with "no answer within N s".
Attempt post_once(const Target& target, Deadline deadline);

}  // namespace loads::observers::webhook
