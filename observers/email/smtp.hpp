// The SMTP client side of one delivery (RFC 5321, STARTTLS RFC 3207, AUTH RFC 4954): reply
// parsing, the EHLO capabilities, and the dialogue itself over an abstract line transport, so the
// unit tests can play the server's part line by line and the observer can use a real Connection.
#pragma once

#include <chrono>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace loads::observers::email {

/// One complete server reply: its code and the text of each of its lines.
struct Reply {
    int code = 0;
    std::vector<std::string> lines;  ///< The text after "250-" / "250 " on each line.
    /// The lines joined by "; ", made safe for a one-line message (control characters dropped).
    std::string text() const;
};

/// Gathers the lines of one reply ("250-first", "250-second", "250 last").
class ReplyParser {
public:
    /// Adds one line (without its CRLF). @return true when the reply is complete.
    /// @throws std::runtime_error "malformed reply ..." for a line that is not "DDD", "DDD text"
    /// or "DDD-text", or a reply longer than the parser accepts.
    bool add(std::string_view line);
    const Reply& reply() const noexcept { return m_reply; }

private:
    Reply m_reply;
    bool m_done = false;
};

/// What an EHLO reply announced.
struct Capabilities {
    bool starttls = false;
    bool auth = false;                 ///< AUTH was announced at all.
    std::set<std::string> mechanisms;  ///< Upper case: "PLAIN", "LOGIN", ...
};
/// The extensions in the lines after the first of an EHLO reply (keywords are case-insensitive;
/// the old "AUTH=PLAIN LOGIN" form counts as AUTH).
Capabilities parse_ehlo(const Reply& reply);

/// The base64 initial response of AUTH PLAIN (RFC 4616): "\0user\0password".
std::string auth_plain_response(std::string_view user, std::string_view password);

/// The other end of the dialogue: a line-oriented byte stream that can turn into TLS.
class SmtpTransport {
public:
    virtual ~SmtpTransport() = default;
    virtual void write(std::string_view data) = 0;
    /// One line without its line ending. @throws std::runtime_error (closed, timed out).
    virtual std::string read_line() = 0;
    /// From now on, waits at most `most` for each read (for the reply to QUIT: the message is
    /// already delivered, and a server slow to say goodbye must not turn that into a timeout).
    virtual void hurry(std::chrono::milliseconds most) = 0;
    virtual void start_tls() = 0;
    virtual bool tls() const = 0;
    /// "HOST:PORT", for messages.
    virtual const std::string& peer() const = 0;
};

enum class StartTls { never, automatic, required };

/// Parses the `starttls` option: "auto", "required" or "never".
/// @throws std::invalid_argument for anything else.
StartTls parse_starttls(std::string_view value);

struct SmtpSettings {
    std::string helo_name;  ///< The name given in EHLO / HELO.
    StartTls starttls = StartTls::automatic;
    std::string user;      ///< AUTH only when user and password are both non-empty.
    std::string password;  ///< Never sent unencrypted, never written in a message.
};

/// The envelope: `MAIL FROM:<sender>`, one `RCPT TO:<...>` per recipient.
struct Envelope {
    std::string sender;
    std::vector<std::string> recipients;
};

/// Runs one whole dialogue on `transport` (connected, TLS already started for implicit TLS):
/// greeting, EHLO (HELO when EHLO is refused), STARTTLS per the settings then EHLO again, AUTH
/// (PLAIN, else LOGIN) when credentials are given, MAIL, RCPT, DATA with `message` dot-stuffed,
/// QUIT. @throws std::runtime_error one line naming the peer, the command, the reply code and the
/// server's text; the message is not sent when anything before DATA fails.
void send_mail(SmtpTransport& transport, const SmtpSettings& settings, const Envelope& envelope,
               std::string_view message);

}  // namespace loads::observers::email
