#include "smtp.hpp"

#include <cctype>
#include <stdexcept>

#include "email_message.hpp"
#include "text.hpp"

namespace loads::observers::email {

namespace {

// A reply this long is not SMTP any more (an EHLO reply has a line per extension, a dozen or so).
constexpr std::size_t k_max_reply_lines = 200;
// The server's text in an error message: enough to say why, short enough to stay one line.
constexpr std::size_t k_max_reply_text = 400;
// How long the reply to QUIT may take once the message is delivered.
constexpr std::chrono::milliseconds k_quit_wait{2000};

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

std::vector<std::string> words(std::string_view s) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) {
            ++i;
        }
        const std::size_t start = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t') {
            ++i;
        }
        if (i > start) {
            out.emplace_back(s.substr(start, i - start));
        }
    }
    return out;
}

class Session {
public:
    Session(SmtpTransport& transport, const SmtpSettings& settings)
        : m_transport(transport), m_settings(settings) {}

    void run(const Envelope& envelope, std::string_view message) {
        const Reply greeting = read_reply("the greeting");
        if (greeting.code != 220) {
            fail(peer() + " refused the connection: " + describe(greeting));
        }
        Capabilities capabilities = hello();
        if (!m_transport.tls() && m_settings.starttls != StartTls::never) {
            if (capabilities.starttls) {
                expect(command("STARTTLS", "STARTTLS"), 220, "STARTTLS");
                m_transport.start_tls();
                // RFC 3207 4.2: everything learnt before TLS is forgotten; ask again.
                capabilities = hello();
            } else if (m_settings.starttls == StartTls::required) {
                fail(peer() + " does not offer STARTTLS (starttls is 'required')");
            }
        }
        if (!m_settings.user.empty() && !m_settings.password.empty()) {
            authenticate(capabilities);
        }

        const std::string mail = "MAIL FROM:<" + envelope.sender + ">";
        expect(command(mail, mail), 250, mail);
        for (const auto& recipient : envelope.recipients) {
            const std::string rcpt = "RCPT TO:<" + recipient + ">";
            const Reply reply = command(rcpt, rcpt);
            if (reply.code != 250 && reply.code != 251) {
                refused(rcpt, reply);
            }
        }
        expect(command("DATA", "DATA"), 354, "DATA");
        m_transport.write(dot_stuffed(message));
        expect(read_reply("the message"), 250, "the message");

        // Delivered: QUIT is courtesy, and its failure changes nothing.
        try {
            m_transport.hurry(k_quit_wait);
            m_transport.write("QUIT\r\n");
            read_reply("QUIT");
        } catch (const std::runtime_error&) {
        }
    }

private:
    const std::string& peer() const { return m_transport.peer(); }

    static std::string describe(const Reply& reply) {
        std::string text = reply.text();
        return std::to_string(reply.code) + (text.empty() ? "" : " " + text);
    }

    /// Says goodbye when the dialogue is still in step (best effort, without waiting), then
    /// throws `message`.
    [[noreturn]] void fail(const std::string& message) {
        try {
            m_transport.write("QUIT\r\n");
        } catch (const std::runtime_error&) {
        }
        throw std::runtime_error(message);
    }

    [[noreturn]] void refused(std::string_view what, const Reply& reply) {
        fail(std::string(what) + " refused by " + peer() + ": " + describe(reply));
    }

    void expect(const Reply& reply, int code, std::string_view what) {
        if (reply.code != code) {
            refused(what, reply);
        }
    }

    /// Reads one whole reply. A transport failure (closed, timed out) or a malformed reply ends
    /// the dialogue with no QUIT: the two ends are no longer in step.
    Reply read_reply(std::string_view waiting_for) {
        ReplyParser parser;
        for (;;) {
            std::string line;
            try {
                line = m_transport.read_line();
            } catch (const std::runtime_error& e) {
                throw std::runtime_error(std::string(e.what()) + " (waiting for the reply to " +
                                         std::string(waiting_for) + ")");
            }
            bool done = false;
            try {
                done = parser.add(line);
            } catch (const std::runtime_error& e) {
                throw std::runtime_error(peer() + " answered " + std::string(waiting_for) + " with a " +
                                         e.what());
            }
            if (done) {
                return parser.reply();
            }
        }
    }

    /// Sends `line` (a command the caller built from checked parts) and reads its reply.
    /// `what` names it in messages, without secrets.
    Reply command(std::string_view line, std::string_view what) {
        if (line.find_first_of("\r\n") != std::string_view::npos) {
            throw std::logic_error("SMTP command with a line break");
        }
        m_transport.write(std::string(line) + "\r\n");
        return read_reply(what);
    }

    /// EHLO, or HELO when the server refuses EHLO (RFC 5321 3.2): no extensions then.
    Capabilities hello() {
        const Reply ehlo = command("EHLO " + m_settings.helo_name, "EHLO");
        if (ehlo.code == 250) {
            return parse_ehlo(ehlo);
        }
        if (ehlo.code < 500) {
            refused("EHLO", ehlo);
        }
        expect(command("HELO " + m_settings.helo_name, "HELO"), 250, "HELO");
        return {};
    }

    void authenticate(const Capabilities& capabilities) {
        if (!m_transport.tls()) {
            fail("not sending the password to " + peer() + " unencrypted: " +
                 (m_settings.starttls == StartTls::never ? "starttls is 'never'"
                                                         : "the server does not offer STARTTLS"));
        }
        if (!capabilities.auth) {
            fail(peer() + " does not offer AUTH, and a user and password were given");
        }
        const std::string& user = m_settings.user;
        const std::string& password = m_settings.password;
        if (capabilities.mechanisms.count("PLAIN") != 0) {
            auth_result(command("AUTH PLAIN " + auth_plain_response(user, password), "AUTH PLAIN"),
                        "AUTH PLAIN");
        } else if (capabilities.mechanisms.count("LOGIN") != 0) {
            // No RFC, but universal: the server asks for the user name, then the password.
            for (const std::string& line : {std::string("AUTH LOGIN"), base64(user)}) {
                const Reply challenge = command(line, "AUTH LOGIN");
                if (challenge.code != 334) {
                    auth_failed(challenge, "AUTH LOGIN");
                }
            }
            auth_result(command(base64(password), "AUTH LOGIN"), "AUTH LOGIN");
        } else {
            std::string offered;
            for (const auto& m : capabilities.mechanisms) {
                offered += (offered.empty() ? "" : " ") + m;
            }
            fail(peer() + " offers no AUTH mechanism loads supports (PLAIN, LOGIN): it offers " +
                 (offered.empty() ? "none" : offered));
        }
    }

    void auth_result(const Reply& reply, std::string_view what) {
        if (reply.code != 235) {
            auth_failed(reply, what);
        }
    }

    [[noreturn]] void auth_failed(const Reply& reply, std::string_view what) {
        if (reply.code == 535) {
            fail("authentication refused by " + peer() + ": " + reply.text());
        }
        refused(what, reply);
    }

    SmtpTransport& m_transport;
    const SmtpSettings& m_settings;
};

}  // namespace

std::string Reply::text() const {
    std::string out;
    for (const auto& line : lines) {
        const std::string clean = printable(line);
        if (clean.empty()) {
            continue;
        }
        out += (out.empty() ? "" : "; ") + clean;
    }
    if (out.size() > k_max_reply_text) {
        out.resize(k_max_reply_text);
        out += "...";
    }
    return out;
}

bool ReplyParser::add(std::string_view line) {
    const auto malformed = [&] {
        std::string shown = printable(line.substr(0, 80));
        return std::runtime_error("malformed reply '" + shown + "'");
    };
    if (m_done) {
        throw std::runtime_error("reply line after the end of the reply");
    }
    if (line.size() < 3 || line[0] < '2' || line[0] > '5' ||
        !std::isdigit(static_cast<unsigned char>(line[1])) ||
        !std::isdigit(static_cast<unsigned char>(line[2]))) {
        throw malformed();
    }
    const char separator = line.size() > 3 ? line[3] : ' ';
    if (separator != ' ' && separator != '-') {
        throw malformed();
    }
    // RFC 5321 4.2.1 says every line carries the same code; if they differ, the last one is the
    // server's verdict.
    m_reply.code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    m_reply.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view());
    if (separator == ' ') {
        m_done = true;
    } else if (m_reply.lines.size() >= k_max_reply_lines) {
        throw std::runtime_error("reply of more than " + std::to_string(k_max_reply_lines) + " lines");
    }
    return m_done;
}

Capabilities parse_ehlo(const Reply& reply) {
    Capabilities caps;
    for (std::size_t i = 1; i < reply.lines.size(); ++i) {
        std::vector<std::string> w = words(reply.lines[i]);
        if (w.empty()) {
            continue;
        }
        std::string keyword = upper(w[0]);
        if (keyword == "STARTTLS") {
            caps.starttls = true;
        } else if (keyword == "AUTH" || keyword.starts_with("AUTH=")) {
            caps.auth = true;
            if (keyword.size() > 5) {
                caps.mechanisms.insert(keyword.substr(5));
            }
            for (std::size_t k = 1; k < w.size(); ++k) {
                caps.mechanisms.insert(upper(w[k]));
            }
        }
    }
    return caps;
}

std::string auth_plain_response(std::string_view user, std::string_view password) {
    std::string token;
    token += '\0';
    token += user;
    token += '\0';
    token += password;
    return base64(token);
}

StartTls parse_starttls(std::string_view value) {
    const std::string v = upper(value);
    if (v == "AUTO") {
        return StartTls::automatic;
    }
    if (v == "REQUIRED") {
        return StartTls::required;
    }
    if (v == "NEVER") {
        return StartTls::never;
    }
    throw std::invalid_argument("starttls must be auto, required or never, not '" + printable(value) + "'");
}

void send_mail(SmtpTransport& transport, const SmtpSettings& settings, const Envelope& envelope,
               std::string_view message) {
    Session(transport, settings).run(envelope, message);
}

}  // namespace loads::observers::email
