#include "webhook.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include <loads/plugin_options.hpp>

#include <loads/report_text.hpp>

namespace loads::observers::webhook {

namespace {

using loads::report_text::iso8601;
using loads::report_text::json_number;
using loads::report_text::json_string;

// RFC 9110 token characters: what a header name may hold.
bool is_tchar(unsigned char c) {
    return std::isalnum(c) != 0 ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_control(unsigned char c) {
    return c < 0x20 || c == 0x7F;
}

std::string u(std::uint64_t v) {
    return std::to_string(v);
}

std::string ms(std::uint64_t micros) {
    return json_number(double(micros) / 1000.0);
}

// Seconds since the epoch with milliseconds: "1764256951.123" (json_number's 9 significant
// digits would round it to 1.76425695e+09).
std::string epoch_seconds(std::int64_t micros) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(micros / 1'000'000),
                  static_cast<long long>((micros % 1'000'000) / 1000));
    return buf;
}

std::string fixed2(double v) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

constexpr std::size_t k_problems_shown = 10;

}  // namespace

namespace detail {

std::size_t chunk_size(std::string_view line) {
    const std::string digits(trim(line.substr(0, line.find(';'))));
    if (digits.empty() || digits.size() > 15 ||
        !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isxdigit(c) != 0; })) {
        throw std::runtime_error("bad chunk size '" + first_line(line, 40) + "'");
    }
    return static_cast<std::size_t>(std::stoull(digits, nullptr, 16));
}

}  // namespace detail

std::string Url::host_header() const {
    const bool v6 = host.find(':') != std::string::npos;
    std::string out = v6 ? "[" + host + "]" : host;
    if (port != (https ? 443 : 80)) {
        out += ":" + std::to_string(port);
    }
    return out;
}

std::string Url::display() const {
    // Host and port only: chat webhooks carry their secret in the path (Slack's /services/T/B/KEY)
    // or the query, and these words end up on stderr and in the broker's log.
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Url parse_url(std::string_view text) {
    const std::string trimmed(trim(text));
    text = trimmed;
    if (text.empty()) {
        throw std::invalid_argument("no URL: set --observer-webhook-url");
    }
    const std::size_t sep = text.find("://");
    if (sep == std::string_view::npos) {
        throw std::invalid_argument("invalid URL: expected http://HOST[:PORT]/PATH or https://...");
    }
    const std::string scheme = ascii_lower(text.substr(0, sep));
    Url url;
    if (scheme == "https") {
        url.https = true;
    } else if (scheme != "http") {
        throw std::invalid_argument("unsupported URL scheme '" + first_line(scheme, 20) +
                                    "': the webhook posts to http:// or https:// URLs");
    }
    std::string_view rest = text.substr(sep + 3);
    const std::size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
    const std::string_view authority = rest.substr(0, authority_end);
    rest.remove_prefix(authority_end);
    if (authority.find('@') != std::string_view::npos) {
        throw std::invalid_argument(
            "user information in the webhook URL is not supported: send credentials with "
            "--observer-webhook-header");
    }
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) {
            throw std::invalid_argument("invalid host in URL: '[' without ']'");
        }
        url.host = std::string(authority.substr(1, close - 1));
        in6_addr address{};
        if (inet_pton(AF_INET6, url.host.c_str(), &address) != 1) {
            throw std::invalid_argument("invalid IPv6 address '" + first_line(url.host, 60) + "' in URL");
        }
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty() && after.front() != ':') {
            throw std::invalid_argument("invalid host in URL: text after ']'");
        }
        port_text = after.empty() ? after : after.substr(1);
    } else {
        const std::size_t colon = authority.find(':');
        url.host = std::string(authority.substr(0, colon));
        port_text = colon == std::string_view::npos ? std::string_view() : authority.substr(colon + 1);
        for (unsigned char c : url.host) {
            if (std::isalnum(c) == 0 && c != '-' && c != '.' && c != '_') {
                throw std::invalid_argument("invalid host '" + first_line(url.host, 60) + "' in URL");
            }
        }
    }
    if (url.host.empty()) {
        throw std::invalid_argument("no host in URL");
    }
    url.port = url.https ? 443 : 80;
    if (!port_text.empty()) {
        const bool digits =
            port_text.size() <= 5 && std::all_of(port_text.begin(), port_text.end(),
                                                 [](unsigned char c) { return std::isdigit(c) != 0; });
        const int port = digits ? std::stoi(std::string(port_text)) : 0;
        if (port < 1 || port > 65535) {
            throw std::invalid_argument("invalid port '" + first_line(port_text, 20) + "' in URL");
        }
        url.port = port;
    }
    // The fragment never goes to the server; what the user typed loosely (spaces, non-ASCII) is
    // percent-encoded so the request line stays valid, and control characters are refused.
    rest = rest.substr(0, rest.find('#'));
    url.target = rest.empty() || rest.front() == '?' ? "/" : "";
    for (unsigned char c : rest) {
        if (is_control(c)) {
            throw std::invalid_argument("the webhook URL contains control characters");
        }
        if (c >= 0x80 || c == ' ' ||
            std::string_view("\"<>\\^`{|}").find(static_cast<char>(c)) != std::string_view::npos) {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            url.target += buf;
        } else {
            url.target += static_cast<char>(c);
        }
    }
    return url;
}

Header parse_header(std::string_view text) {
    const std::size_t colon = text.find(':');
    const std::string name(trim(text.substr(0, colon == std::string_view::npos ? 0 : colon)));
    if (colon == std::string_view::npos || name.empty() ||
        !std::all_of(name.begin(), name.end(), [](unsigned char c) { return is_tchar(c); })) {
        // The value is not repeated: it is likely a token.
        throw std::invalid_argument("invalid header: expected 'Name: value'");
    }
    Header header{name, std::string(trim(text.substr(colon + 1)))};
    // A CR or LF would smuggle more headers (or a second request) into the POST.
    if (std::any_of(header.value.begin(), header.value.end(),
                    [](unsigned char c) { return is_control(c) && c != '\t'; })) {
        throw std::invalid_argument("invalid header '" + name + "': its value contains control characters");
    }
    for (const char* own : {"host", "content-length", "content-type", "transfer-encoding", "connection"}) {
        if (iequals(name, own)) {
            throw std::invalid_argument("header '" + name + "' is set by the webhook observer itself");
        }
    }
    return header;
}

std::string build_body(const loads_run_summary& run) {
    const double seconds = std::max(0.0, double(run.ended_us - run.started_us) / 1e6);
    std::string text(loads::text(run.text));
    if (text.empty()) {
        // Hosts always send the sentence; a document without `text` would show nothing in a chat.
        text = "Run " + std::string(loads::text(run.run_id)) + " of " + std::string(loads::text(run.fqn)) +
               ": " + std::string(loads::text(run.status)) + ".";
    }
    std::string out = "{\"text\": " + json_string(text);
    out += ", \"run_id\": " + json_string(loads::text(run.run_id));
    out += ", \"fqn\": " + json_string(loads::text(run.fqn));
    out += ", \"status\": " + json_string(loads::text(run.status));
    out += ", \"started\": " + json_string(iso8601(run.started_us));
    out += ", \"ended\": " + json_string(iso8601(run.ended_us));
    out += ", \"started_epoch\": " + epoch_seconds(run.started_us);
    out += ", \"ended_epoch\": " + epoch_seconds(run.ended_us);
    out += ", \"duration\": " + json_number(seconds);
    if (run.total != nullptr) {
        const loads_stats& t = *run.total;
        out += ", \"tests\": " + u(t.tests_finished);
        out += ", \"successes\": " + u(t.successes);
        out += ", \"failures\": " + u(t.failures);
        out += ", \"errors\": " + u(t.errors);
        out += ", \"cancelled\": " + u(t.cancelled);
        out += ", \"hits\": " + u(t.hits);
        out += ", \"rps\": " + fixed2(seconds > 0 ? double(t.hits) / seconds : 0.0);
        if (t.latency.count > 0) {
            const double mean = double(t.latency.sum_us) / double(t.latency.count) / 1000.0;
            out += ", \"latency_ms\": {\"p50\": " + ms(t.latency.p50_us) +
                   ", \"p90\": " + ms(t.latency.p90_us) + ", \"p95\": " + ms(t.latency.p95_us) +
                   ", \"p99\": " + ms(t.latency.p99_us) + ", \"max\": " + ms(t.latency.max_us) +
                   ", \"mean\": " + json_number(mean) + "}";
        } else {
            out += ", \"latency_ms\": null";
        }
        out += ", \"statuses\": {";
        for (std::size_t i = 0; i < t.status_count; ++i) {
            out +=
                (i ? ", \"" : "\"") + std::to_string(t.statuses[i].status) + "\": " + u(t.statuses[i].count);
        }
        out += "}, \"counters\": {";
        for (std::size_t i = 0; i < t.counter_count; ++i) {
            out += (i ? ", " : "") + json_string(loads::text(t.counters[i].name)) + ": " +
                   std::to_string(t.counters[i].value);
        }
        out += "}, \"problems\": [";
        for (std::size_t i = 0; i < t.problem_count && i < k_problems_shown; ++i) {
            const loads_problem& p = *t.problems[i];
            out += std::string(i ? ", " : "") +
                   "{\"kind\": " + (p.kind == LOADS_STATUS_FAILURE ? "\"failure\"" : "\"error\"") +
                   ", \"type\": " + json_string(loads::text(p.error_type)) +
                   ", \"message\": " + json_string(loads::text(p.message)) +
                   ", \"location\": " + json_string(loads::text(p.location)) + ", \"count\": " + u(p.count) +
                   "}";
        }
        out += "], \"problem_kinds\": " + u(t.problem_count);
    }
    out += ", \"agents\": [";
    for (std::size_t i = 0; i < run.agent_count; ++i) {
        const loads_agent_report& a = *run.agents[i];
        out += std::string(i ? ", " : "") + "{\"id\": " + json_string(loads::text(a.agent_id)) +
               ", \"hostname\": " + json_string(loads::text(a.hostname)) +
               ", \"state\": " + json_string(loads::text(a.state)) +
               ", \"message\": " + json_string(loads::text(a.message)) +
               ", \"changed\": " + json_string(iso8601(a.changed_us)) + "}";
    }
    out += "], \"node\": " + json_string(loads::text(run.node));
    out += ", \"version\": " + json_string(loads::text(run.version));
    return out + "}";
}

std::string build_request(const Url& url, std::string_view body, std::string_view version,
                          const Header* extra) {
    std::string out = "POST " + url.target + " HTTP/1.1\r\n";
    out += "Host: " + url.host_header() + "\r\n";
    out += "User-Agent: loads/" + std::string(version.empty() ? "unknown" : version) + "\r\n";
    out += "Content-Type: application/json\r\n";
    out += "Accept: */*\r\n";
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    // One request per connection: the answer then ends when the server closes, whatever it says.
    out += "Connection: close\r\n";
    if (extra != nullptr) {
        out += extra->name + ": " + extra->value + "\r\n";
    }
    out += "\r\n";
    out += body;
    return out;
}

StatusLine parse_status_line(std::string_view line) {
    // "HTTP/1.1 200 OK": the version, one space, three digits, then an optional reason.
    const bool ok = line.size() >= 12 && line.substr(0, 7) == "HTTP/1." &&
                    std::isdigit(static_cast<unsigned char>(line[7])) != 0 && line[8] == ' ' &&
                    std::all_of(line.begin() + 9, line.begin() + 12,
                                [](unsigned char c) { return std::isdigit(c) != 0; }) &&
                    (line.size() == 12 || line[12] == ' ');
    if (!ok) {
        throw std::runtime_error("not an HTTP answer: '" + first_line(line, 60) + "'");
    }
    StatusLine status;
    status.code = std::stoi(std::string(line.substr(9, 3)));
    status.reason = line.size() > 13 ? first_line(line.substr(13), 100) : "";
    return status;
}

std::string first_line(std::string_view body, std::size_t max) {
    std::string line;
    for (char c : body) {
        if (c == '\n' && !trim(line).empty()) {
            break;
        }
        // Control characters would break the one-line message or a terminal.
        line += is_control(static_cast<unsigned char>(c)) ? ' ' : c;
    }
    line = std::string(trim(line));
    if (line.size() > max) {
        std::size_t cut = max;
        // Never cut inside a UTF-8 sequence.
        while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) {
            --cut;
        }
        line = line.substr(0, cut) + "...";
    }
    return line;
}

std::chrono::milliseconds backoff(int retry) {
    constexpr std::chrono::milliseconds k_first{500};
    constexpr std::chrono::milliseconds k_cap{30'000};
    if (retry < 0) {
        retry = 0;
    }
    return retry >= 6 ? k_cap : std::min<std::chrono::milliseconds>(k_cap, k_first * (1 << retry));
}

std::string deliver(const std::function<Attempt()>& attempt, int retries, Deadline deadline,
                    const std::function<void(std::chrono::milliseconds)>& sleep,
                    const std::function<Deadline()>& now) {
    std::string last;
    int made = 0;
    for (int retry = 0;; ++retry) {
        const Attempt a = attempt();
        ++made;
        if (a.kind == Attempt::Kind::delivered) {
            return made == 1 ? a.message
                             : a.message + " after " + std::to_string(made - 1) +
                                   (made == 2 ? " retry" : " retries");
        }
        if (a.kind == Attempt::Kind::fail) {
            throw std::runtime_error(made == 1 ? a.message
                                               : a.message + " (attempt " + std::to_string(made) + ")");
        }
        last = a.message;
        if (retry >= retries) {
            break;
        }
        const std::chrono::milliseconds wait = backoff(retry);
        if (now() + wait >= deadline) {
            // Waiting would end past the time limit: say why now rather than be killed.
            throw std::runtime_error(last + " (" + std::to_string(made) +
                                     (made == 1 ? " attempt" : " attempts") + ", no time left to retry)");
        }
        sleep(wait);
    }
    throw std::runtime_error(made == 1 ? last : last + " (" + std::to_string(made) + " attempts)");
}

std::string seconds_text(std::chrono::milliseconds budget) {
    const long long tenths = std::max<long long>(0, (budget.count() + 50) / 100);
    return tenths % 10 == 0 ? std::to_string(tenths / 10)
                            : std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
}

Attempt post_once(const Target& target, Deadline deadline) {
    const std::string where = target.url.display();
    const auto timed_out = [&] {
        return Attempt{Attempt::Kind::fail, where + ": no answer within " + target.timeout_text + " s"};
    };
    try {
        Connection connection(target.url.host, target.url.port, deadline);
        if (target.url.https) {
            try {
                connection.start_tls(TlsSettings{target.ca_file}, deadline);
            } catch (const std::runtime_error& e) {
                // An untrusted certificate or a server that does not speak TLS stays that way.
                return std::chrono::system_clock::now() >= deadline ? timed_out()
                                                                    : Attempt{Attempt::Kind::fail, e.what()};
            }
        }
        connection.write(target.request, deadline);
        Response response;
        try {
            response = read_response(connection, deadline);
        } catch (const std::runtime_error& e) {
            if (std::chrono::system_clock::now() >= deadline) {
                return timed_out();
            }
            const std::string what = e.what();
            // The connection's own errors (closed, reset) name the server and are worth another
            // try; a malformed answer does not name it, and comes from a server that is no HTTP
            // endpoint and would answer the same way again.
            if (what.find(connection.peer()) != std::string::npos) {
                return {Attempt::Kind::retry, what};
            }
            return {Attempt::Kind::fail, where + ": " + what};
        }
        const std::string status =
            std::to_string(response.code) + (response.reason.empty() ? "" : " " + response.reason);
        const std::string detail = first_line(response.body);
        const std::string answered = where + " answered " + status + (detail.empty() ? "" : ": " + detail);
        if (response.code >= 200 && response.code < 300) {
            return {Attempt::Kind::delivered, "posted to " + where + ": " + std::to_string(response.code)};
        }
        if (response.code >= 300 && response.code < 400) {
            return {Attempt::Kind::fail,
                    where + " answered " + status + ", redirecting to " +
                        (response.location.empty() ? "nowhere" : first_line(response.location)) +
                        " (redirects are not followed: set the final URL)"};
        }
        if (response.code >= 500 && response.code < 600) {
            return {Attempt::Kind::retry, answered};
        }
        return {Attempt::Kind::fail, answered};
    } catch (const std::runtime_error& e) {
        if (std::chrono::system_clock::now() >= deadline) {
            return timed_out();
        }
        return {Attempt::Kind::retry, e.what()};
    }
}

}  // namespace loads::observers::webhook
