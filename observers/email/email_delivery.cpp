#include "email_delivery.hpp"

#include <loads/observer.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <stdexcept>

#include "email_message.hpp"
#include "smtp.hpp"

namespace loads::observers::email {

namespace {

// SMTP reply lines are at most 512 bytes (RFC 5321 4.5.3.1.5); allow generous servers, no more.
constexpr std::size_t k_max_reply_line = 16 * 1024;
// Our own errors should reach the host before it kills loads-notify at the very deadline, or the
// user would read "no answer within N s" instead of which step timed out.
constexpr std::chrono::milliseconds k_margin{250};

class ConnectionTransport final : public SmtpTransport {
public:
    ConnectionTransport(Connection& connection, Deadline deadline, TlsSettings tls)
        : m_connection(connection), m_deadline(deadline), m_tls(std::move(tls)) {}

    void write(std::string_view data) override { m_connection.write(data, m_deadline); }
    std::string read_line() override { return m_connection.read_line(m_deadline, k_max_reply_line); }
    void hurry(std::chrono::milliseconds most) override {
        m_deadline = std::min(m_deadline, std::chrono::system_clock::now() + most);
    }
    void start_tls() override { m_connection.start_tls(m_tls, m_deadline); }
    bool tls() const override { return m_connection.tls(); }
    const std::string& peer() const override { return m_connection.peer(); }

private:
    Connection& m_connection;
    Deadline m_deadline;
    TlsSettings m_tls;
};

// 128 random bits: Message-IDs must be unique world-wide (RFC 5322 3.6.4).
std::string random_hex() {
    std::random_device device;
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < 4; ++i) {
        std::uint32_t v = device();
        for (int k = 0; k < 8; ++k) {
            out += k_hex[v & 15];
            v >>= 4;
        }
    }
    return out;
}

}  // namespace

std::string deliver(const EmailSettings& settings, const loads_run_summary& run, Deadline deadline) {
    // Everything the user gave is checked before connecting: a bad option is not the server's fault.
    const Mailbox from = parse_mailbox(settings.sender, "sender");
    const std::vector<Mailbox> to = parse_mailbox_list(settings.recipient, "recipient");
    check_header_text("subject", settings.subject);
    if (!valid_utf8(settings.subject)) {
        throw std::invalid_argument("subject: not valid UTF-8");
    }
    if (settings.port < 1 || settings.port > 65535) {
        throw std::invalid_argument("port: " + std::to_string(settings.port) +
                                    " is not a TCP port (1-65535)");
    }
    SmtpSettings smtp;
    smtp.starttls = parse_starttls(settings.starttls);
    smtp.user = settings.user;
    smtp.password = settings.password;

    const std::string node =
        LOADS_HAS_FIELD(&run, loads_run_summary, node) ? std::string(text(run.node)) : "";
    smtp.helo_name = valid_host_name(node) ? node : "localhost";
    const std::string version =
        LOADS_HAS_FIELD(&run, loads_run_summary, version) ? std::string(text(run.version)) : "";

    Message message;
    message.from = from;
    message.to = to;
    message.subject = settings.subject;
    message.body = run_details(run);
    message.date =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    const std::string domain = domain_of(from.address);
    message.message_id = email::message_id(random_hex(), valid_host_name(domain) ? domain : smtp.helo_name);
    message.mailer = "loads";
    if (!version.empty() &&
        std::all_of(version.begin(), version.end(), [](char c) { return c > 32 && c < 127; })) {
        message.mailer += " " + version;
    }

    Envelope envelope;
    envelope.sender = from.address;
    for (const auto& m : to) {
        envelope.recipients.push_back(m.address);
    }

    const auto now = std::chrono::system_clock::now();
    const Deadline ours = deadline - now > 4 * k_margin ? deadline - k_margin : deadline;
    Connection connection(settings.host, static_cast<int>(settings.port), ours);
    TlsSettings tls{settings.ca_file};
    if (settings.ssl) {
        connection.start_tls(tls, ours);
    }
    ConnectionTransport transport(connection, ours, tls);
    send_mail(transport, smtp, envelope, build_message(message));

    std::string recipients;
    for (const auto& address : envelope.recipients) {
        recipients += (recipients.empty() ? "" : ", ") + address;
    }
    return "sent to " + recipients + " via " + connection.peer();
}

}  // namespace loads::observers::email
