// The email observer without a server (observers/email): addresses, RFC 2047 words, the message,
// dot-stuffing, SMTP replies and the whole dialogue against a scripted server.
// tests/integration/test_observer_email.py runs it against aiosmtpd.
#include <doctest/doctest.h>

#include <chrono>
#include <deque>
#include <functional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "email_message.hpp"
#include "smtp.hpp"

namespace email = loads::observers::email;
using email::Mailbox;
using email::Reply;
using email::ReplyParser;

namespace {

std::string decode_base64(std::string_view in) {
    static const std::string k_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::uint32_t bits = 0;
    int count = 0;
    for (char c : in) {
        if (c == '=') {
            break;
        }
        const auto v = k_alphabet.find(c);
        REQUIRE(v != std::string::npos);
        bits = (bits << 6) | static_cast<std::uint32_t>(v);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out += static_cast<char>((bits >> count) & 0xFF);
        }
    }
    return out;
}

// The text of a run of "=?utf-8?B?...?=" words (what a decoder makes of them).
std::string decode_words(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) {
        REQUIRE(w.starts_with("=?utf-8?B?"));
        REQUIRE(w.ends_with("?="));
        out += decode_base64(w.substr(10, w.size() - 12));
    }
    return out;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (;;) {
        const auto end = text.find("\r\n", start);
        if (end == std::string::npos) {
            lines.push_back(text.substr(start));
            return lines;
        }
        lines.push_back(text.substr(start, end - start));
        start = end + 2;
    }
}

// Every '\n' is preceded by '\r' and every '\r' followed by '\n'.
bool only_crlf(const std::string& text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) {
            return false;
        }
        if (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')) {
            return false;
        }
    }
    return true;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    FAIL("no exception");
    return {};
}

// The server's side, scripted: each reply is queued in order (the client never pipelines) and
// everything the client writes is recorded, one entry per write.
class ScriptedServer final : public email::SmtpTransport {
public:
    explicit ScriptedServer(std::vector<std::string> replies, bool tls = false)
        : m_replies(replies.begin(), replies.end()), m_tls(tls) {}

    void write(std::string_view data) override { written.emplace_back(data); }
    std::string read_line() override {
        if (m_replies.empty()) {
            throw std::runtime_error(m_peer + ": the server closed the connection");
        }
        std::string line = m_replies.front();
        m_replies.pop_front();
        return line;
    }
    void hurry(std::chrono::milliseconds) override { hurried = true; }
    void start_tls() override {
        written.emplace_back("<TLS>");
        m_tls = true;
    }
    bool tls() const override { return m_tls; }
    const std::string& peer() const override { return m_peer; }

    // The commands written (each without its CRLF); the DATA payload shows as one entry.
    std::vector<std::string> commands() const {
        std::vector<std::string> out;
        for (const auto& w : written) {
            out.push_back(w.ends_with("\r\n") && w.find("\r\n") == w.size() - 2 ? w.substr(0, w.size() - 2)
                                                                                : w);
        }
        return out;
    }
    bool wrote(std::string_view prefix) const {
        for (const auto& w : written) {
            if (w.starts_with(prefix)) {
                return true;
            }
        }
        return false;
    }

    std::vector<std::string> written;
    bool hurried = false;

private:
    std::deque<std::string> m_replies;
    bool m_tls;
    std::string m_peer = "mail.example:25";
};

email::SmtpSettings settings(email::StartTls starttls = email::StartTls::automatic, std::string user = "",
                             std::string password = "") {
    email::SmtpSettings s;
    s.helo_name = "client.example";
    s.starttls = starttls;
    s.user = std::move(user);
    s.password = std::move(password);
    return s;
}

const email::Envelope k_envelope{"loads@example.org", {"a@example.org", "b@example.org"}};

// Replies after EHLO up to the end for a plain delivery to k_envelope.
const std::vector<std::string> k_after_ehlo = {"250 2.1.0 OK",     "250 2.1.5 OK",
                                               "250 2.1.5 OK",     "354 End data with <CR><LF>.<CR><LF>",
                                               "250 2.0.0 queued", "221 Bye"};

std::vector<std::string> script(std::vector<std::string> head,
                                const std::vector<std::string>& tail = k_after_ehlo) {
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
}

}  // namespace

TEST_SUITE("observer.email") {
    TEST_CASE("base64 follows RFC 4648") {
        CHECK(email::base64("") == "");
        CHECK(email::base64("f") == "Zg==");
        CHECK(email::base64("fo") == "Zm8=");
        CHECK(email::base64("foo") == "Zm9v");
        CHECK(email::base64("foobar") == "Zm9vYmFy");
        CHECK(email::base64(std::string("\xff\xfe\x00", 3)) == "//4A");
        CHECK(email::auth_plain_response("user", "pass") == "AHVzZXIAcGFzcw==");
    }

    TEST_CASE("addresses") {
        CHECK(email::valid_address("a@b.example"));
        CHECK(email::valid_address("first.last+tag@sub.example.org"));
        CHECK(email::valid_address("\"odd, but ok\"@example.org"));
        CHECK(email::valid_address("root@localhost"));
        CHECK(email::valid_address("x@[127.0.0.1]"));
        CHECK_FALSE(email::valid_address(""));
        CHECK_FALSE(email::valid_address("no-at.example"));
        CHECK_FALSE(email::valid_address("@example.org"));
        CHECK_FALSE(email::valid_address("a@"));
        CHECK_FALSE(email::valid_address("a b@example.org"));
        CHECK_FALSE(email::valid_address("a..b@example.org"));
        CHECK_FALSE(email::valid_address("a@exa mple.org"));
        CHECK_FALSE(email::valid_address("a@-bad.example"));
        CHECK_FALSE(email::valid_address("a>@example.org"));
        CHECK_FALSE(email::valid_address("caf\xc3\xa9@example.org"));  // no SMTPUTF8
        CHECK_FALSE(email::valid_address(std::string(65, 'a') + "@example.org"));

        CHECK(email::domain_of("a@b.example") == "b.example");
        CHECK(email::domain_of("x@[127.0.0.1]") == "");
        CHECK(email::valid_host_name("host-1.example"));
        CHECK_FALSE(email::valid_host_name("under_score"));
        CHECK_FALSE(email::valid_host_name("trailing."));
    }

    TEST_CASE("mailboxes: 'addr', '<addr>', 'Name <addr>', quoted names") {
        Mailbox m = email::parse_mailbox("  a@b.example ", "sender");
        CHECK(m.name == "");
        CHECK(m.address == "a@b.example");

        m = email::parse_mailbox("<a@b.example>", "sender");
        CHECK(m.name == "");
        CHECK(m.address == "a@b.example");

        m = email::parse_mailbox("Real  Name <a@b.example>", "sender");
        CHECK(m.name == "Real Name");
        CHECK(m.address == "a@b.example");

        m = email::parse_mailbox("\"Doe, \\\"JD\\\" <John>\" <jd@b.example>", "sender");
        CHECK(m.name == "Doe, \"JD\" <John>");
        CHECK(m.address == "jd@b.example");

        m = email::parse_mailbox("Zoë Ünïcode <z@b.example>", "sender");
        CHECK(m.name == "Zoë Ünïcode");

        CHECK(error_of([] { email::parse_mailbox("", "sender"); }) == "sender: no address");
        CHECK(error_of([] { email::parse_mailbox("Name <not an address>", "sender"); }) ==
              "sender: 'not an address' is not a valid email address");
        CHECK(error_of([] { email::parse_mailbox("Name a@b.example>", "recipient"); }).find("without '<'") !=
              std::string::npos);
        CHECK(error_of([] { email::parse_mailbox("Bad \xff <a@b.example>", "sender"); }).find("UTF-8") !=
              std::string::npos);
    }

    TEST_CASE("header injection is refused in every header value") {
        CHECK(error_of([] { email::parse_mailbox("a@b.example\r\nBcc: victim@c.example", "sender"); }) ==
              "sender contains a line break");
        CHECK(error_of([] { email::parse_mailbox_list("a@b.example,\nc@d.example", "recipient"); }) ==
              "recipient contains a line break");
        CHECK(error_of([] { email::check_header_text("subject", "Hi\rBcc: x@y.example"); }) ==
              "subject contains a line break");
        CHECK(error_of([] { email::check_header_text("subject", std::string("a\0b", 3)); }) ==
              "subject contains a line break");
        CHECK_NOTHROW(email::check_header_text("subject", "Tabs\tare fine"));
    }

    TEST_CASE("recipient lists split on commas outside quotes and <>") {
        auto list = email::parse_mailbox_list(
            "a@b.example, \"Doe, John\" <jd@b.example>,Ann <ann@c.example>,", "recipient");
        REQUIRE(list.size() == 3);
        CHECK(list[0].address == "a@b.example");
        CHECK(list[1].name == "Doe, John");
        CHECK(list[1].address == "jd@b.example");
        CHECK(list[2].name == "Ann");
        CHECK(list[2].address == "ann@c.example");
        CHECK(error_of([] { email::parse_mailbox_list(" , ", "recipient"); }) == "recipient: no address");
        CHECK(error_of([] { email::parse_mailbox_list("a@b.example, nope", "recipient"); }) ==
              "recipient: 'nope' is not a valid email address");
    }

    TEST_CASE("UTF-8 checks and repair") {
        CHECK(email::valid_utf8("plain"));
        CHECK(email::valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
        CHECK_FALSE(email::valid_utf8("\xc3"));              // truncated
        CHECK_FALSE(email::valid_utf8("\xc0\xaf"));          // overlong
        CHECK_FALSE(email::valid_utf8("\xed\xa0\x80"));      // surrogate
        CHECK_FALSE(email::valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
        CHECK(email::to_valid_utf8("a\xff"
                                   "b") ==
              "a\xef\xbf\xbd"
              "b");
    }

    TEST_CASE("encoded words: at most 64 characters, whole characters, the same text back") {
        const std::string text =
            "Résultats du test de charge — 100 % réussis ✓ 😀 et encore quelques mots de plus";
        const auto words = email::encoded_words(text);
        REQUIRE(words.size() > 1);
        for (const auto& w : words) {
            CHECK(w.size() <= 64);
            // Each word decodes to complete characters on its own (RFC 2047 5).
            CHECK(email::valid_utf8(decode_words({w})));
        }
        CHECK(decode_words(words) == text);
        CHECK(email::encoded_words("") == std::vector<std::string>{});
    }

    TEST_CASE("display names: atoms, quoted strings or encoded words") {
        CHECK(email::mailbox_tokens({"", "a@b.example"}) == std::vector<std::string>{"a@b.example"});
        CHECK(email::mailbox_tokens({"Loads Bot", "a@b.example"}) ==
              std::vector<std::string>{"Loads", "Bot", "<a@b.example>"});
        CHECK(email::mailbox_tokens({"Doe, \"JD\"", "a@b.example"}) ==
              std::vector<std::string>{"\"Doe, \\\"JD\\\"\"", "<a@b.example>"});
        const auto tokens = email::mailbox_tokens({"Zoë", "a@b.example"});
        REQUIRE(tokens.size() == 2);
        CHECK(tokens[0] == "=?utf-8?B?Wm/Dqw==?=");
        CHECK(tokens[1] == "<a@b.example>");
        // Text that looks like an encoded word is encoded, so that it reads back as written.
        CHECK(email::mailbox_tokens({"=?x?", "a@b.example"})[0].starts_with("=?utf-8?B?"));
    }

    TEST_CASE("Subject: plain ASCII as is, folded at spaces; anything else encoded and folded") {
        CHECK(email::unstructured_header("Subject", "Loads Results") == "Subject: Loads Results\r\n");

        std::string long_subject;
        for (int i = 0; i < 30; ++i) {
            long_subject += "word" + std::to_string(i) + " ";
        }
        long_subject += "end";
        const std::string folded = email::unstructured_header("Subject", long_subject);
        const auto lines = lines_of(folded);
        CHECK(lines.size() > 2);
        for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
            CHECK(lines[i].size() <= 76);
            CHECK(!lines[i].empty());
            if (i > 0) {
                CHECK(lines[i].front() == ' ');
            }
        }
        // Unfolding (removing each CRLF) gives the subject back.
        std::string unfolded = folded.substr(0, folded.size() - 2);
        for (std::size_t p; (p = unfolded.find("\r\n")) != std::string::npos;) {
            unfolded.erase(p, 2);
        }
        CHECK(unfolded == "Subject: " + long_subject);

        const std::string utf8 = "Résultats de charge: 300 requêtes, aucune erreur, tout va très bien ✓";
        const std::string encoded = email::unstructured_header("Subject", utf8);
        std::vector<std::string> words;
        for (const auto& line : lines_of(encoded)) {
            CHECK(line.size() <= 76);
            std::string rest = line.starts_with("Subject:") ? line.substr(8) : line;
            for (std::size_t start = 0; start < rest.size();) {
                while (start < rest.size() && rest[start] == ' ') {
                    ++start;
                }
                auto end = rest.find(' ', start);
                if (end == std::string::npos) {
                    end = rest.size();
                }
                if (end > start) {
                    words.push_back(rest.substr(start, end - start));
                }
                start = end;
            }
        }
        CHECK(words.size() > 1);
        CHECK(decode_words(words) == utf8);
        CHECK(
            email::unstructured_header("Subject", "about =?utf-8?q?x?=").starts_with("Subject: =?utf-8?B?"));
        // A word too long for any line is encoded, whose words fold.
        for (const auto& line : lines_of(email::unstructured_header("Subject", std::string(1200, 'x')))) {
            CHECK(line.size() <= 76);
        }
    }

    TEST_CASE("folded headers never start with an empty line") {
        CHECK(email::folded_header("To", {std::string(100, 'a') + "@b.example"}) ==
              "To: " + std::string(100, 'a') + "@b.example\r\n");
        CHECK(email::folded_header("To", {"a@b.example,", "c@d.example"}) ==
              "To: a@b.example, c@d.example\r\n");
    }

    TEST_CASE("dates are RFC 5322, in UTC") {
        CHECK(email::rfc5322_date(0) == "Thu, 01 Jan 1970 00:00:00 +0000");
        CHECK(email::rfc5322_date(1709647382) == "Tue, 05 Mar 2024 14:03:02 +0000");
        CHECK(email::rfc5322_date(951782400) == "Tue, 29 Feb 2000 00:00:00 +0000");
        CHECK(email::message_id("abc", "b.example") == "<abc@b.example>");
    }

    TEST_CASE("line endings and quoted-printable") {
        CHECK(email::crlf_lines("a\nb\r\nc\rd") == "a\r\nb\r\nc\r\nd");
        CHECK(email::quoted_printable("caf\xc3\xa9 = ok") == "caf=C3=A9 =3D ok");
        CHECK(email::quoted_printable("trailing \r\ntab\t\r\n") == "trailing=20\r\ntab=09\r\n");
        const std::string long_line(200, 'x');
        const std::string qp = email::quoted_printable(long_line + "\xc3\xa9");
        for (const auto& line : lines_of(qp)) {
            CHECK(line.size() <= 76);
        }
        // Removing the soft breaks gives the encoded line back.
        std::string joined = qp;
        for (std::size_t p; (p = joined.find("=\r\n")) != std::string::npos;) {
            joined.erase(p, 3);
        }
        CHECK(joined == long_line + "=C3=A9");
        // An escape is never cut by a soft break.
        for (const auto& line : lines_of(email::quoted_printable(std::string(100, '\xff')))) {
            CHECK(line.size() <= 76);
            CHECK((line.size() % 3 == 0 || line.ends_with("=")));
        }
    }

    TEST_CASE("dot-stuffing: leading dots doubled, CRLF everywhere, the end marker") {
        CHECK(email::dot_stuffed(".hidden\n..two\nmiddle.dot\n.") ==
              "..hidden\r\n...two\r\nmiddle.dot\r\n..\r\n.\r\n");
        CHECK(email::dot_stuffed("no final newline") == "no final newline\r\n.\r\n");
        CHECK(email::dot_stuffed("line\r\n") == "line\r\n.\r\n");
        CHECK(email::dot_stuffed("") == ".\r\n");
    }

    TEST_CASE("the message: headers, MIME, 7bit or quoted-printable body") {
        email::Message m;
        m.from = {"Loads Bot", "loads@example.org"};
        m.to = {{"", "a@example.org"}, {"Zoë", "z@example.org"}};
        m.subject = "Loads Results";
        m.body = "Test over. Ran 2 tests.\n.leading dot\n";
        m.date = 1709647382;
        m.message_id = "<abc@example.org>";
        m.mailer = "loads 0.1.0";
        const std::string text = email::build_message(m);
        CHECK(only_crlf(text));
        const auto head_end = text.find("\r\n\r\n");
        REQUIRE(head_end != std::string::npos);
        const std::string head = text.substr(0, head_end + 2);
        CHECK(head.find("Date: Tue, 05 Mar 2024 14:03:02 +0000\r\n") != std::string::npos);
        CHECK(head.find("From: Loads Bot <loads@example.org>\r\n") != std::string::npos);
        CHECK(head.find("To: a@example.org, =?utf-8?B?Wm/Dqw==?= <z@example.org>\r\n") != std::string::npos);
        CHECK(head.find("Subject: Loads Results\r\n") != std::string::npos);
        CHECK(head.find("Message-ID: <abc@example.org>\r\n") != std::string::npos);
        CHECK(head.find("MIME-Version: 1.0\r\n") != std::string::npos);
        CHECK(head.find("Content-Type: text/plain; charset=utf-8\r\n") != std::string::npos);
        CHECK(head.find("Content-Transfer-Encoding: 7bit\r\n") != std::string::npos);
        CHECK(head.find("X-Mailer: loads 0.1.0\r\n") != std::string::npos);
        CHECK(text.substr(head_end + 4) == "Test over. Ran 2 tests.\r\n.leading dot\r\n");

        m.body = "Résumé: p50 1.2 ms\n" + std::string(1200, 'y');
        const std::string qp = email::build_message(m);
        CHECK(qp.find("Content-Transfer-Encoding: quoted-printable\r\n") != std::string::npos);
        const std::string body = qp.substr(qp.find("\r\n\r\n") + 4);
        CHECK(body.starts_with("R=C3=A9sum=C3=A9: p50 1.2 ms\r\n"));
        for (const auto& line : lines_of(qp)) {
            CHECK(line.size() <= 998);
            for (char c : line) {
                CHECK(static_cast<unsigned char>(c) < 0x80);
            }
        }
        // An ASCII body with a line over 998 characters cannot be 7bit either.
        m.body = std::string(1000, 'z');
        CHECK(email::build_message(m).find("Content-Transfer-Encoding: quoted-printable") !=
              std::string::npos);
    }

    TEST_CASE("replies: one line, several lines, code alone") {
        ReplyParser p;
        CHECK_FALSE(p.add("250-mail.example greets client.example"));
        CHECK_FALSE(p.add("250-STARTTLS"));
        CHECK(p.add("250 AUTH PLAIN LOGIN"));
        CHECK(p.reply().code == 250);
        CHECK(p.reply().lines ==
              std::vector<std::string>{"mail.example greets client.example", "STARTTLS", "AUTH PLAIN LOGIN"});
        CHECK(p.reply().text() == "mail.example greets client.example; STARTTLS; AUTH PLAIN LOGIN");

        ReplyParser bare;
        CHECK(bare.add("354"));
        CHECK(bare.reply().code == 354);
        CHECK(bare.reply().text() == "");

        ReplyParser control;
        CHECK(control.add("550 bad\x1b[31m user"));
        CHECK(control.reply().text() == "bad[31m user");

        for (const char* bad : {"", "25", "hello", "250x", "650 six", "2a0 x", "\x35\x35"}) {
            ReplyParser q;
            CHECK_THROWS_AS(q.add(bad), std::runtime_error);
        }
        ReplyParser endless;
        CHECK_THROWS_WITH(
            [&] {
                for (int i = 0; i < 1000; ++i) {
                    endless.add("250-again");
                }
            }(),
            "reply of more than 200 lines");
    }

    TEST_CASE("EHLO capabilities") {
        Reply r{250, {"mail.example", "8BITMIME", "starttls", "AUTH PLAIN login", "SIZE 1000"}};
        auto caps = email::parse_ehlo(r);
        CHECK(caps.starttls);
        CHECK(caps.auth);
        CHECK(caps.mechanisms == std::set<std::string>{"PLAIN", "LOGIN"});

        caps = email::parse_ehlo(Reply{250, {"mail.example", "AUTH=LOGIN"}});
        CHECK(caps.auth);
        CHECK(caps.mechanisms == std::set<std::string>{"LOGIN"});
        CHECK_FALSE(caps.starttls);

        // The first line is the server's name, never an extension.
        caps = email::parse_ehlo(Reply{250, {"STARTTLS"}});
        CHECK_FALSE(caps.starttls);

        CHECK(email::parse_starttls("auto") == email::StartTls::automatic);
        CHECK(email::parse_starttls("Required") == email::StartTls::required);
        CHECK(email::parse_starttls("never") == email::StartTls::never);
        CHECK_THROWS_WITH(email::parse_starttls("maybe"),
                          "starttls must be auto, required or never, not 'maybe'");
    }

    TEST_CASE("dialogue: a plain delivery to two recipients") {
        ScriptedServer server(script({"220 mail.example ESMTP", "250-mail.example", "250 8BITMIME"}));
        email::send_mail(server, settings(), k_envelope, "Subject: x\r\n\r\n.dot\r\nbody");
        CHECK(server.commands() ==
              std::vector<std::string>{"EHLO client.example", "MAIL FROM:<loads@example.org>",
                                       "RCPT TO:<a@example.org>", "RCPT TO:<b@example.org>", "DATA",
                                       "Subject: x\r\n\r\n..dot\r\nbody\r\n.\r\n", "QUIT"});
        CHECK(server.hurried);
    }

    TEST_CASE("dialogue: STARTTLS when offered, then EHLO again; AUTH PLAIN over TLS") {
        ScriptedServer server(
            script({"220-mail.example ESMTP", "220 second greeting line", "250-mail.example",
                    "250-PIPELINING", "250 STARTTLS", "220 Ready to start TLS", "250-mail.example",
                    "250 AUTH LOGIN PLAIN", "235 2.7.0 Authentication successful"}));
        email::send_mail(server, settings(email::StartTls::automatic, "user", "pass"), k_envelope, "x");
        const auto c = server.commands();
        REQUIRE(c.size() >= 6);
        CHECK(c[0] == "EHLO client.example");
        CHECK(c[1] == "STARTTLS");
        CHECK(c[2] == "<TLS>");
        CHECK(c[3] == "EHLO client.example");
        CHECK(c[4] == "AUTH PLAIN AHVzZXIAcGFzcw==");
        CHECK(c[5] == "MAIL FROM:<loads@example.org>");
    }

    TEST_CASE("dialogue: AUTH LOGIN when PLAIN is not offered") {
        ScriptedServer server(script({"220 mail.example", "250-mail.example", "250 AUTH LOGIN",
                                      "334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6", "235 ok"}),
                              true);
        email::send_mail(server, settings(email::StartTls::automatic, "user", "pass"), k_envelope, "x");
        const auto c = server.commands();
        REQUIRE(c.size() >= 5);
        CHECK(c[1] == "AUTH LOGIN");
        CHECK(c[2] == "dXNlcg==");
        CHECK(c[3] == "cGFzcw==");
        CHECK(c[4] == "MAIL FROM:<loads@example.org>");
    }

    TEST_CASE("dialogue: a refused password stops everything, and is never shown") {
        ScriptedServer server({"220 mail.example", "250-mail.example", "250 AUTH PLAIN",
                               "535 5.7.8 Authentication credentials invalid"},
                              true);
        const std::string error = error_of([&] {
            email::send_mail(server, settings(email::StartTls::automatic, "u", "s3cret"), k_envelope, "x");
        });
        CHECK(error == "authentication refused by mail.example:25: 5.7.8 Authentication credentials invalid");
        CHECK_FALSE(server.wrote("MAIL"));
        CHECK_FALSE(server.wrote("DATA"));
        CHECK(server.commands().back() == "QUIT");
    }

    TEST_CASE("dialogue: credentials are never sent unencrypted") {
        SUBCASE("the server does not offer STARTTLS") {
            ScriptedServer server({"220 mail.example", "250-mail.example", "250 AUTH PLAIN LOGIN"});
            const std::string error = error_of([&] {
                email::send_mail(server, settings(email::StartTls::automatic, "u", "p"), k_envelope, "x");
            });
            CHECK(error ==
                  "not sending the password to mail.example:25 unencrypted: the server does not offer "
                  "STARTTLS");
            CHECK_FALSE(server.wrote("AUTH"));
            CHECK_FALSE(server.wrote("MAIL"));
        }
        SUBCASE("starttls is never") {
            ScriptedServer server({"220 mail.example", "250-mail.example", "250-STARTTLS", "250 AUTH PLAIN"});
            const std::string error = error_of([&] {
                email::send_mail(server, settings(email::StartTls::never, "u", "p"), k_envelope, "x");
            });
            CHECK(error == "not sending the password to mail.example:25 unencrypted: starttls is 'never'");
            CHECK_FALSE(server.wrote("STARTTLS"));
            CHECK_FALSE(server.wrote("AUTH"));
        }
        SUBCASE("only a user, no password: no AUTH at all") {
            ScriptedServer server(script({"220 mail.example", "250-mail.example", "250 AUTH PLAIN"}), true);
            email::send_mail(server, settings(email::StartTls::automatic, "u", ""), k_envelope, "x");
            CHECK_FALSE(server.wrote("AUTH"));
            CHECK(server.wrote("DATA"));
        }
    }

    TEST_CASE("dialogue: AUTH not offered, or no mechanism we know") {
        ScriptedServer none({"220 mail.example", "250 mail.example"}, true);
        CHECK(error_of([&] {
                  email::send_mail(none, settings(email::StartTls::automatic, "u", "p"), k_envelope, "x");
              }) == "mail.example:25 does not offer AUTH, and a user and password were given");
        ScriptedServer cram({"220 mail.example", "250-mail.example", "250 AUTH CRAM-MD5"}, true);
        CHECK(error_of([&] {
                  email::send_mail(cram, settings(email::StartTls::automatic, "u", "p"), k_envelope, "x");
              }) ==
              "mail.example:25 offers no AUTH mechanism loads supports (PLAIN, LOGIN): it offers CRAM-MD5");
    }

    TEST_CASE("dialogue: starttls required") {
        ScriptedServer server({"220 mail.example", "250-mail.example", "250 SIZE 100"});
        CHECK(error_of([&] {
                  email::send_mail(server, settings(email::StartTls::required), k_envelope, "x");
              }) == "mail.example:25 does not offer STARTTLS (starttls is 'required')");
        CHECK_FALSE(server.wrote("MAIL"));
        // Implicit TLS satisfies it.
        ScriptedServer tls(script({"220 mail.example", "250 mail.example"}), true);
        CHECK_NOTHROW(email::send_mail(tls, settings(email::StartTls::required), k_envelope, "x"));
        // A refused STARTTLS is an error, not a silent fallback to plaintext.
        ScriptedServer refused(
            {"220 mail.example", "250-mail.example", "250 STARTTLS", "454 4.7.0 TLS not available"});
        CHECK(error_of([&] { email::send_mail(refused, settings(), k_envelope, "x"); }) ==
              "STARTTLS refused by mail.example:25: 454 4.7.0 TLS not available");
        CHECK_FALSE(refused.wrote("MAIL"));
    }

    TEST_CASE("dialogue: HELO when EHLO is refused") {
        ScriptedServer server(
            script({"220 old.example", "502 5.5.2 Command not recognized", "250 old.example"}));
        email::send_mail(server, settings(), k_envelope, "x");
        const auto c = server.commands();
        CHECK(c[0] == "EHLO client.example");
        CHECK(c[1] == "HELO client.example");
        CHECK(c[2] == "MAIL FROM:<loads@example.org>");
    }

    TEST_CASE("dialogue: each unexpected reply names the command, the code and the text") {
        SUBCASE("greeting") {
            ScriptedServer server({"554 5.3.2 go away"});
            CHECK(error_of([&] { email::send_mail(server, settings(), k_envelope, "x"); }) ==
                  "mail.example:25 refused the connection: 554 5.3.2 go away");
        }
        SUBCASE("EHLO with a 4xx") {
            ScriptedServer server({"220 mail.example", "421 4.3.2 shutting down"});
            CHECK(error_of([&] { email::send_mail(server, settings(), k_envelope, "x"); }) ==
                  "EHLO refused by mail.example:25: 421 4.3.2 shutting down");
        }
        SUBCASE("MAIL FROM") {
            ScriptedServer server(
                {"220 mail.example", "250 mail.example", "553-5.1.8 sender", "553 5.1.8 rejected"});
            CHECK(
                error_of([&] { email::send_mail(server, settings(), k_envelope, "x"); }) ==
                "MAIL FROM:<loads@example.org> refused by mail.example:25: 553 5.1.8 sender; 5.1.8 rejected");
        }
        SUBCASE("RCPT TO") {
            ScriptedServer server(
                {"220 mail.example", "250 mail.example", "250 ok", "250 ok", "550 5.1.1 no such user"});
            CHECK(error_of([&] { email::send_mail(server, settings(), k_envelope, "x"); }) ==
                  "RCPT TO:<b@example.org> refused by mail.example:25: 550 5.1.1 no such user");
            CHECK_FALSE(server.wrote("DATA"));
        }
        SUBCASE("the message after DATA") {
            ScriptedServer server({"220 mail.example", "250 mail.example", "250 ok", "250 ok", "250 ok",
                                   "354 go", "554 5.6.0 spam"});
            CHECK(error_of([&] { email::send_mail(server, settings(), k_envelope, "x"); }) ==
                  "the message refused by mail.example:25: 554 5.6.0 spam");
        }
        SUBCASE("a server that stops answering") {
            ScriptedServer server({"220 mail.example", "250 mail.example", "250 ok", "250 ok", "250 ok"});
            CHECK(error_of([&] { email::send_mail(server, settings(), k_envelope, "x"); }) ==
                  "mail.example:25: the server closed the connection (waiting for the reply to DATA)");
        }
        SUBCASE("not SMTP at all") {
            ScriptedServer server({"HTTP/1.1 400 Bad Request"});
            CHECK(error_of([&] { email::send_mail(server, settings(), k_envelope, "x"); }) ==
                  "mail.example:25 answered the greeting with a malformed reply 'HTTP/1.1 400 Bad Request'");
        }
    }

    TEST_CASE("dialogue: a failed QUIT after delivery is no failure") {
        ScriptedServer server(
            {"220 mail.example", "250 mail.example", "250 ok", "250 ok", "250 ok", "354 go", "250 queued"});
        CHECK_NOTHROW(email::send_mail(server, settings(), k_envelope, "x"));
    }

}  // TEST_SUITE
