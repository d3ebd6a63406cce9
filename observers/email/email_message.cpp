#include "email_message.hpp"

#include <array>
#include <cstddef>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include "text.hpp"

namespace loads::observers::email {

namespace {

// RFC 2047 6.2 limits each line holding encoded words to 76 characters; RFC 5322 asks for 78 at
// most. One limit for every folded header keeps them all readable in any client.
constexpr std::size_t k_fold_at = 76;
// Bytes of text per encoded word: base64 of 39 bytes is 52 characters, "=?utf-8?B?" + "?=" 12
// more, so a word (64) fits after "Subject: " on a line of 76.
constexpr std::size_t k_word_bytes = 39;
// A plain token (a word of the subject, a quoted name) longer than this cannot be folded into
// lines of at most 998 characters (RFC 5322 2.1.1) once the header name precedes it: encode.
constexpr std::size_t k_max_plain_token = 900;
constexpr std::size_t k_max_line = 998;
constexpr std::string_view k_replacement = "\xEF\xBF\xBD";  // U+FFFD

bool is_atext(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

bool valid_dot_atom(std::string_view s) {
    if (s.empty() || s.front() == '.' || s.back() == '.') {
        return false;
    }
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '.') {
            if (s[i + 1] == '.') {
                return false;
            }
        } else if (!is_atext(s[i])) {
            return false;
        }
    }
    return true;
}

// The length of a quoted string at the start of `s` ("..." with \-escapes), or 0 if there is none.
std::size_t quoted_length(std::string_view s) {
    if (s.empty() || s.front() != '"') {
        return 0;
    }
    for (std::size_t i = 1; i < s.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '\\') {
            if (i + 1 >= s.size() || static_cast<unsigned char>(s[i + 1]) < 32 ||
                static_cast<unsigned char>(s[i + 1]) > 126) {
                return 0;
            }
            ++i;
        } else if (c == '"') {
            return i + 1;
        } else if (c < 32 || c > 126) {
            return 0;
        }
    }
    return 0;
}

bool valid_domain_literal(std::string_view s) {
    if (s.size() < 3 || s.front() != '[' || s.back() != ']') {
        return false;
    }
    for (char c : s.substr(1, s.size() - 2)) {
        if (c < 33 || c > 126 || c == '[' || c == ']' || c == '\\') {
            return false;
        }
    }
    return true;
}

// The byte length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one
// (overlong forms, surrogates and code points past U+10FFFF included).
std::size_t utf8_length(std::string_view s, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    if (c < 0x80) {
        return 1;
    }
    std::size_t n = 0;
    unsigned int low = 0x80;
    unsigned int high = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        low = c == 0xE0 ? 0xA0 : 0x80;
        high = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        low = c == 0xF0 ? 0x90 : 0x80;
        high = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (i + n > s.size()) {
        return 0;
    }
    if (byte(i + 1) < low || byte(i + 1) > high) {
        return 0;
    }
    for (std::size_t k = 2; k < n; ++k) {
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) {
            return 0;
        }
    }
    return n;
}

bool printable_ascii(std::string_view s) {
    for (char c : s) {
        if ((c < 32 || c > 126) && c != '\t') {
            return false;
        }
    }
    return true;
}

// Text that a decoder could take for an encoded word must not be left plain.
bool looks_encoded(std::string_view s) {
    return s.find("=?") != std::string_view::npos;
}

std::vector<std::string> split_spaces(std::string_view s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        std::size_t space = s.find(' ', start);
        out.emplace_back(
            s.substr(start, space == std::string_view::npos ? std::string_view::npos : space - start));
        if (space == std::string_view::npos) {
            return out;
        }
        start = space + 1;
    }
}

bool tokens_fit(const std::vector<std::string>& tokens) {
    for (const auto& t : tokens) {
        if (t.size() > k_max_plain_token) {
            return false;
        }
    }
    return true;
}

// RFC 5322 "specials": a display name holding one of them must be a quoted string.
bool has_specials(std::string_view s) {
    return s.find_first_of("()<>[]:;@\\,.\"") != std::string_view::npos;
}

std::string collapse_spaces(std::string_view s) {
    std::string out;
    bool space = false;
    for (char c : trim(s)) {
        if (is_space(c)) {
            space = true;
            continue;
        }
        if (space) {
            out += ' ';
            space = false;
        }
        out += c;
    }
    return out;
}

}  // namespace

void check_header_text(std::string_view what, std::string_view value) {
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
        throw std::invalid_argument(std::string(what) + " contains a line break");
    }
}

bool valid_address(std::string_view address) {
    if (address.empty() || address.size() > 254) {
        return false;
    }
    std::string_view local;
    std::string_view domain;
    if (address.front() == '"') {
        const std::size_t n = quoted_length(address);
        if (n == 0 || n >= address.size() || address[n] != '@') {
            return false;
        }
        local = address.substr(0, n);
        domain = address.substr(n + 1);
    } else {
        const std::size_t at = address.rfind('@');
        if (at == std::string_view::npos) {
            return false;
        }
        local = address.substr(0, at);
        domain = address.substr(at + 1);
        if (!valid_dot_atom(local)) {
            return false;
        }
    }
    if (local.size() > 64) {
        return false;
    }
    return valid_host_name(domain) || valid_domain_literal(domain);
}

bool valid_host_name(std::string_view name) {
    if (name.empty() || name.size() > 253) {
        return false;
    }
    std::size_t start = 0;
    for (;;) {
        std::size_t dot = name.find('.', start);
        std::string_view label =
            name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
            return false;
        }
        for (char c : label) {
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
                return false;
            }
        }
        if (dot == std::string_view::npos) {
            return true;
        }
        start = dot + 1;
    }
}

Mailbox parse_mailbox(std::string_view text, std::string_view what) {
    check_header_text(what, text);
    const std::string prefix = std::string(what) + ": ";
    std::string_view s = trim(text);
    if (s.empty()) {
        throw std::invalid_argument(prefix + "no address");
    }
    Mailbox mailbox;
    std::string_view address = s;
    if (s.back() == '>') {
        // The '<' opening the address is the first one outside a quoted name.
        std::size_t open = std::string_view::npos;
        for (std::size_t i = 0; i < s.size(); ++i) {
            if (s[i] == '"') {
                const std::size_t n = quoted_length(s.substr(i));
                if (n == 0) {
                    throw std::invalid_argument(prefix + "unbalanced quotes in '" + std::string(s) + "'");
                }
                i += n - 1;
            } else if (s[i] == '<') {
                open = i;
                break;
            }
        }
        if (open == std::string_view::npos) {
            throw std::invalid_argument(prefix + "'" + std::string(s) + "' has a '>' without '<'");
        }
        address = s.substr(open + 1, s.size() - open - 2);
        std::string_view name = trim(s.substr(0, open));
        const std::size_t quoted = quoted_length(name);
        if (quoted != 0 && quoted == name.size()) {
            for (std::size_t i = 1; i + 1 < name.size(); ++i) {
                if (name[i] == '\\') {
                    ++i;
                }
                mailbox.name += name[i];
            }
        } else {
            mailbox.name = std::string(name);
        }
        mailbox.name = collapse_spaces(mailbox.name);
        if (!valid_utf8(mailbox.name)) {
            throw std::invalid_argument(prefix + "the name in '" + std::string(s) + "' is not valid UTF-8");
        }
    }
    if (!valid_address(address)) {
        throw std::invalid_argument(prefix + "'" + std::string(address) + "' is not a valid email address");
    }
    mailbox.address = std::string(address);
    return mailbox;
}

std::vector<Mailbox> parse_mailbox_list(std::string_view text, std::string_view what) {
    check_header_text(what, text);
    std::vector<Mailbox> out;
    const auto add = [&](std::string_view item) {
        if (!trim(item).empty()) {
            out.push_back(parse_mailbox(item, what));
        }
    };
    std::size_t start = 0;
    bool quoted = false;
    bool angle = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                quoted = false;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == '<') {
            angle = true;
        } else if (c == '>') {
            angle = false;
        } else if (c == ',' && !angle) {
            add(text.substr(start, i - start));
            start = i + 1;
        }
    }
    add(text.substr(start < text.size() ? start : text.size()));
    if (out.empty()) {
        throw std::invalid_argument(std::string(what) + ": no address");
    }
    return out;
}

std::string domain_of(std::string_view address) {
    const std::size_t at = address.rfind('@');
    if (at == std::string_view::npos || at + 1 >= address.size() || address[at + 1] == '[') {
        return "";
    }
    return std::string(address.substr(at + 1));
}

bool valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = utf8_length(text, i);
        if (n == 0) {
            return false;
        }
        i += n;
    }
    return true;
}

std::string to_valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = utf8_length(text, i);
        if (n == 0) {
            out += k_replacement;
            ++i;
        } else {
            out.append(text.substr(i, n));
            i += n;
        }
    }
    return out;
}

std::string base64(std::string_view data) {
    static constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < data.size(); i += 3) {
        const std::size_t n = data.size() - i < 3 ? data.size() - i : 3;
        std::uint32_t v = static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])) << 16;
        if (n > 1) {
            v |= static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8;
        }
        if (n > 2) {
            v |= static_cast<unsigned char>(data[i + 2]);
        }
        out += k_alphabet[(v >> 18) & 63];
        out += k_alphabet[(v >> 12) & 63];
        out += n > 1 ? k_alphabet[(v >> 6) & 63] : '=';
        out += n > 2 ? k_alphabet[v & 63] : '=';
    }
    return out;
}

std::string crlf_lines(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 32);
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') {
            out += "\r\n";
            if (i + 1 < text.size() && text[i + 1] == '\n') {
                ++i;
            }
        } else if (text[i] == '\n') {
            out += "\r\n";
        } else {
            out += text[i];
        }
    }
    return out;
}

std::string quoted_printable(std::string_view crlf_text) {
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string out;
    std::size_t start = 0;
    while (start < crlf_text.size()) {
        std::size_t end = crlf_text.find("\r\n", start);
        const bool last = end == std::string_view::npos;
        std::string_view line = crlf_text.substr(start, last ? std::string_view::npos : end - start);
        std::string current;
        for (std::size_t i = 0; i < line.size(); ++i) {
            const unsigned char c = static_cast<unsigned char>(line[i]);
            const bool line_end = i + 1 == line.size();
            std::string unit;
            if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !line_end)) {
                unit = static_cast<char>(c);
            } else {
                unit = {'=', k_hex[c >> 4], k_hex[c & 15]};
            }
            // Room for the soft break's '=' unless this unit ends the line.
            const std::size_t limit = line_end ? 76 : 75;
            if (current.size() + unit.size() > limit) {
                out += current + "=\r\n";
                current.clear();
            }
            current += unit;
        }
        out += current;
        if (last) {
            break;
        }
        out += "\r\n";
        start = end + 2;
    }
    return out;
}

std::vector<std::string> encoded_words(std::string_view text) {
    std::vector<std::string> words;
    while (!text.empty()) {
        std::size_t n = text.size() < k_word_bytes ? text.size() : k_word_bytes;
        // Back off to a character boundary: RFC 2047 5 wants whole characters in each word.
        while (n < text.size() && n > 1 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) {
            --n;
        }
        words.push_back("=?utf-8?B?" + base64(text.substr(0, n)) + "?=");
        text.remove_prefix(n);
    }
    return words;
}

std::vector<std::string> mailbox_tokens(const Mailbox& mailbox) {
    if (mailbox.name.empty()) {
        return {mailbox.address};
    }
    std::vector<std::string> tokens;
    const std::string name = collapse_spaces(mailbox.name);
    if (printable_ascii(name) && !looks_encoded(name) && !has_specials(name) &&
        tokens_fit(split_spaces(name))) {
        tokens = split_spaces(name);
    } else if (printable_ascii(name) && !looks_encoded(name) && name.size() < k_max_plain_token) {
        std::string quoted = "\"";
        for (char c : name) {
            if (c == '"' || c == '\\') {
                quoted += '\\';
            }
            quoted += c;
        }
        tokens.push_back(quoted + "\"");
    } else {
        tokens = encoded_words(to_valid_utf8(name));
    }
    tokens.push_back("<" + mailbox.address + ">");
    return tokens;
}

std::string folded_header(std::string_view name, const std::vector<std::string>& tokens) {
    std::string out = std::string(name) + ":";
    std::size_t line = out.size();
    bool line_has_token = false;
    for (const auto& token : tokens) {
        if (!token.empty() && line_has_token && line + 1 + token.size() > k_fold_at) {
            out += "\r\n";
            line = 0;
            line_has_token = false;
        }
        out += ' ';
        out += token;
        line += 1 + token.size();
        line_has_token = line_has_token || !token.empty();
    }
    return out + "\r\n";
}

std::string unstructured_header(std::string_view name, std::string_view value) {
    if (printable_ascii(value) && !looks_encoded(value)) {
        std::vector<std::string> tokens = split_spaces(value);
        if (tokens_fit(tokens)) {
            return folded_header(name, tokens);
        }
    }
    return folded_header(name, encoded_words(to_valid_utf8(value)));
}

std::string rfc5322_date(std::int64_t unix_seconds) {
    static constexpr std::array<const char*, 7> k_days = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> k_months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    // Names from our own tables: strftime's %a and %b follow the process's locale.
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d +0000", k_days[tm.tm_wday % 7],
                  tm.tm_mday, k_months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buffer;
}

std::string message_id(std::string_view unique, std::string_view domain) {
    return "<" + std::string(unique) + "@" + std::string(domain) + ">";
}

std::string build_message(const Message& message) {
    std::string out = "Date: " + rfc5322_date(message.date) + "\r\n";
    out += folded_header("From", mailbox_tokens(message.from));
    std::vector<std::string> to;
    for (std::size_t i = 0; i < message.to.size(); ++i) {
        std::vector<std::string> tokens = mailbox_tokens(message.to[i]);
        if (i + 1 < message.to.size()) {
            tokens.back() += ",";
        }
        to.insert(to.end(), tokens.begin(), tokens.end());
    }
    out += folded_header("To", to);
    out += unstructured_header("Subject", message.subject);
    out += "Message-ID: " + message.message_id + "\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "Content-Type: text/plain; charset=utf-8\r\n";

    std::string body = crlf_lines(to_valid_utf8(message.body));
    if (!body.empty() && !body.ends_with("\r\n")) {
        body += "\r\n";
    }
    bool plain = true;
    std::size_t line = 0;
    for (char c : body) {
        if (c == '\n') {
            line = 0;
            continue;
        }
        ++line;
        if (static_cast<unsigned char>(c) >= 0x80 || c == '\0' || line > k_max_line) {
            plain = false;
            break;
        }
    }
    out += std::string("Content-Transfer-Encoding: ") + (plain ? "7bit" : "quoted-printable") + "\r\n";
    // RFC 3834: tells auto-responders (vacation replies) not to answer a machine's notice.
    out += "Auto-Submitted: auto-generated\r\n";
    if (!message.mailer.empty()) {
        out += "X-Mailer: " + message.mailer + "\r\n";
    }
    out += "\r\n";
    out += plain ? body : quoted_printable(body);
    return out;
}

std::string dot_stuffed(std::string_view message) {
    const std::string text = crlf_lines(message);
    std::string out;
    out.reserve(text.size() + 16);
    bool line_start = true;
    for (char c : text) {
        if (line_start && c == '.') {
            out += '.';
        }
        out += c;
        line_start = c == '\n';
    }
    if (!out.empty() && !line_start) {
        out += "\r\n";
    }
    return out + ".\r\n";
}

}  // namespace loads::observers::email
