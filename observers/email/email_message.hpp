// The email observer's message: addresses, RFC 2047 encoded words, the RFC 5322 + MIME message and
// its SMTP DATA form. Pure functions of their arguments (no I/O, no clock, no randomness), so the
// unit tests can pin every byte.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace loads::observers::email {

/// One mailbox: `Real Name <local@domain>` or a bare address (empty name).
struct Mailbox {
    std::string name;     ///< Display name, UTF-8, unquoted; may be empty.
    std::string address;  ///< `local@domain`, ASCII.
};

/// Rejects a header value that could smuggle in header lines or end the headers (CR, LF, NUL).
/// @throws std::invalid_argument "<what> contains a line break".
void check_header_text(std::string_view what, std::string_view value);

/// Whether `address` is a plain `local@domain` an SMTP server accepts in `MAIL FROM:<...>`: a
/// dot-atom or quoted local part, a host name or an address literal, ASCII, at most 254 bytes.
bool valid_address(std::string_view address);

/// Parses "addr", "<addr>", "Real Name <addr>" or "\"Doe, John\" <addr>".
/// @throws std::invalid_argument "<what>: ..." when it is not one mailbox.
Mailbox parse_mailbox(std::string_view text, std::string_view what);

/// Parses a comma-separated list of mailboxes (commas inside quotes or <> do not separate).
/// @throws std::invalid_argument when an item is malformed or the list is empty.
std::vector<Mailbox> parse_mailbox_list(std::string_view text, std::string_view what);

/// The domain of `address` (after the last '@'), or "" for an address literal or no domain.
std::string domain_of(std::string_view address);

/// Whether `name` is a host name made of letters, digits and hyphens in dot-separated labels.
bool valid_host_name(std::string_view name);

bool valid_utf8(std::string_view text);
/// `text` with every invalid UTF-8 sequence replaced by U+FFFD.
std::string to_valid_utf8(std::string_view text);

/// RFC 4648 base64 (with padding, no line breaks).
std::string base64(std::string_view data);

/// `text` with every line ending ("\r\n", "\n" or a lone "\r") made "\r\n".
std::string crlf_lines(std::string_view text);

/// RFC 2045 quoted-printable of CRLF-separated text: lines of at most 76 characters (soft breaks
/// "=\r\n"), trailing blanks and every byte outside printable ASCII encoded.
std::string quoted_printable(std::string_view crlf_text);

/// `text` (UTF-8) as RFC 2047 "B" encoded words of at most 64 characters each, never splitting a
/// character between two words, so that each fits a line after a header name.
std::vector<std::string> encoded_words(std::string_view text);

/// The display form of a mailbox as header tokens: the name (as atoms, a quoted string or encoded
/// words) then "<address>"; only the address when there is no name.
std::vector<std::string> mailbox_tokens(const Mailbox& mailbox);

/// "Name: value\r\n" from tokens joined by single spaces, folded (CRLF + space instead of the
/// joining space) so that lines stay within 76 characters where a token allows.
std::string folded_header(std::string_view name, const std::vector<std::string>& tokens);

/// An unstructured header (Subject): as is (folded at its spaces) when it is printable ASCII,
/// else as encoded words.
std::string unstructured_header(std::string_view name, std::string_view value);

/// RFC 5322 date-time in UTC: "Tue, 05 Mar 2024 14:03:02 +0000".
std::string rfc5322_date(std::int64_t unix_seconds);

/// "<unique@domain>".
std::string message_id(std::string_view unique, std::string_view domain);

struct Message {
    Mailbox from;
    std::vector<Mailbox> to;
    std::string subject;     ///< UTF-8, no line breaks.
    std::string body;        ///< UTF-8 text; any line endings.
    std::int64_t date = 0;   ///< Unix seconds.
    std::string message_id;  ///< "<...@...>".
    std::string mailer;      ///< X-Mailer, e.g. "loads 0.1.0".
};

/// The whole RFC 5322 message with a text/plain; charset=utf-8 MIME body, CRLF line endings,
/// every line within 998 characters: 7bit when the body is ASCII, quoted-printable otherwise.
std::string build_message(const Message& message);

/// The DATA form of `message`: lines starting with '.' doubled (RFC 5321 4.5.2), CRLF line
/// endings, and the final "\r\n.\r\n".
std::string dot_stuffed(std::string_view message);

}  // namespace loads::observers::email
