#include "irc_protocol.hpp"

#include <algorithm>
#include <utility>

namespace loads::observers::irc {
namespace {

// RFC 2812: a line is at most 512 bytes with its CRLF, and the server relays our PRIVMSG to the
// channel as ":nick!user@host PRIVMSG ...". Host names reach 63 bytes and nick plus user name
// about 30 on common servers, so 100 bytes kept for that prefix mean nothing is cut off on the
// way to the channel.
constexpr std::size_t k_line_limit = 512;
constexpr std::size_t k_relay_prefix = 100;
// Shorter lines read better in a client window than one of the full length.
constexpr std::size_t k_max_text = 400;
// Channel names are at most 50 bytes by RFC 2812; well past that no text would fit in a line.
constexpr std::size_t k_max_channel = 200;

constexpr std::string_view k_first_head = "[loads] Test over. \x1f";
constexpr std::string_view k_next_head = "[loads] \x1f";
constexpr std::string_view k_summary_start = "Test over.";

bool is_utf8_continuation(char c) noexcept {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

char irc_lower(char c) noexcept {
    switch (c) {
        case '[':
            return '{';
        case ']':
            return '}';
        case '\\':
            return '|';
        case '~':
            return '^';
        default:
            return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
    }
}

bool has_control(std::string_view s) noexcept {
    return std::any_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// A parameter as the last one of a command: with ':' when it could not be read as a middle one.
std::string last_param(std::string_view value) {
    if (value.empty() || value.front() == ':' || value.find(' ') != std::string_view::npos) {
        return ":" + std::string(value);
    }
    return std::string(value);
}

std::string_view trim_spaces(std::string_view s) noexcept {
    while (!s.empty() && s.front() == ' ') {
        s.remove_prefix(1);
    }
    while (!s.empty() && s.back() == ' ') {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace

int Message::numeric() const noexcept {
    if (command.size() != 3 ||
        !std::all_of(command.begin(), command.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return 0;
    }
    return (command[0] - '0') * 100 + (command[1] - '0') * 10 + (command[2] - '0');
}

Message parse_message(std::string_view line) {
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) {
        line.remove_suffix(1);
    }
    const auto skip_spaces = [&line] {
        while (!line.empty() && line.front() == ' ') {
            line.remove_prefix(1);
        }
    };
    const auto next_word = [&line] {
        const std::size_t end = std::min(line.find(' '), line.size());
        std::string_view word = line.substr(0, end);
        line.remove_prefix(end);
        return word;
    };

    Message message;
    skip_spaces();
    if (!line.empty() && line.front() == '@') {  // IRCv3 tags: nothing we need
        next_word();
        skip_spaces();
    }
    if (!line.empty() && line.front() == ':') {
        line.remove_prefix(1);
        message.prefix = next_word();
        skip_spaces();
    }
    message.command = next_word();
    std::transform(message.command.begin(), message.command.end(), message.command.begin(),
                   [](char c) { return (c >= 'a' && c <= 'z') ? char(c - 'a' + 'A') : c; });
    for (;;) {
        skip_spaces();
        if (line.empty()) {
            break;
        }
        if (line.front() == ':') {
            message.params.emplace_back(line.substr(1));
            break;
        }
        message.params.emplace_back(next_word());
    }
    return message;
}

std::string strip_line_breaks(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        if (c != '\r' && c != '\n' && c != '\0') {
            out += c;
        }
    }
    return out;
}

std::vector<std::string> split_text(std::string_view text, std::size_t max_bytes) {
    if (max_bytes == 0) {
        throw std::invalid_argument("split_text: max_bytes must not be 0");
    }
    std::vector<std::string> pieces;
    std::size_t pos = 0;
    for (;;) {
        while (pos < text.size() && text[pos] == ' ') {
            ++pos;
        }
        if (pos >= text.size()) {
            break;
        }
        const std::string_view rest = text.substr(pos);
        if (rest.size() <= max_bytes) {
            pieces.emplace_back(trim_spaces(rest));
            break;
        }
        // A space right after the limit still allows a cut there, hence max_bytes + 1.
        const std::size_t space = rest.substr(0, max_bytes + 1).rfind(' ');
        if (space != std::string_view::npos) {
            pieces.emplace_back(trim_spaces(rest.substr(0, space)));
            pos += space + 1;
            continue;
        }
        // One word longer than a line: cut it between two characters.
        std::size_t cut = max_bytes;
        while (cut > 0 && is_utf8_continuation(rest[cut])) {
            --cut;
        }
        if (cut == 0) {  // a limit smaller than one character: that character alone
            cut = 1;
            while (cut < rest.size() && is_utf8_continuation(rest[cut])) {
                ++cut;
            }
        }
        pieces.emplace_back(rest.substr(0, cut));
        pos += cut;
    }
    return pieces;
}

std::string fallback_nick(std::string_view nick, int attempt) {
    const std::size_t limit = std::max(k_min_nick_length, nick.size());
    const std::string suffix = attempt == 1 ? "_" : attempt == 2 ? "__" : std::to_string(attempt - 1);
    return std::string(nick.substr(0, std::min(nick.size(), limit - suffix.size()))) + suffix;
}

bool same_channel(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return irc_lower(x) == irc_lower(y); });
}

std::vector<std::string> privmsg_lines(std::string_view channel, std::string_view text) {
    std::string clean(text);
    std::replace_if(
        clean.begin(), clean.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; }, ' ');
    std::string_view body = trim_spaces(clean);
    if (body.substr(0, k_summary_start.size()) == k_summary_start) {
        body = trim_spaces(body.substr(k_summary_start.size()));
    }

    const std::string command = "PRIVMSG " + std::string(channel) + " :";
    const std::size_t room = k_line_limit - 2 - k_relay_prefix;
    std::size_t width = std::min(k_max_text, room > command.size() ? room - command.size() : 0);
    // Never fewer than a few words a line, even for a channel name past any server's limit.
    width = std::max<std::size_t>(width, k_first_head.size() + 64) - k_first_head.size();

    std::vector<std::string> lines;
    const std::vector<std::string> pieces = split_text(body, width);
    if (pieces.empty()) {
        lines.push_back(command + "[loads] Test over.\r\n");
    }
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        lines.push_back(command + std::string(i == 0 ? k_first_head : k_next_head) + pieces[i] + "\r\n");
    }
    return lines;
}

Dialogue::Dialogue(DialogueSettings settings) : m_settings(std::move(settings)) {
    m_settings.nickname = strip_line_breaks(m_settings.nickname);
    m_settings.channel = strip_line_breaks(m_settings.channel);
    m_settings.password = strip_line_breaks(m_settings.password);
    const std::string& nick = m_settings.nickname;
    if (nick.empty() || has_control(nick) || nick.find_first_of(" ,!@:") != std::string::npos) {
        throw std::invalid_argument("invalid nickname '" + printable(nick) + "'");
    }
    std::string& channel = m_settings.channel;
    if (channel.empty() || has_control(channel) || channel.find_first_of(" ,") != std::string::npos ||
        channel.size() > k_max_channel) {
        throw std::invalid_argument("invalid channel '" + printable(channel) + "'");
    }
    // The seed's default is "#services-dev"; "loads" for "#loads" saves a quoting '#' in shells
    // and config files, where it may start a comment.
    if (std::string_view("#&+!").find(channel.front()) == std::string_view::npos) {
        channel.insert(0, 1, '#');
    }
    m_nick = nick;
}

std::string Dialogue::start() const {
    std::string out;
    if (!m_settings.password.empty()) {
        out += "PASS " + last_param(m_settings.password) + "\r\n";
    }
    out += "NICK " + m_nick + "\r\n";
    out += "USER " + m_nick + " 0 * :loads\r\n";
    return out;
}

void Dialogue::fail(std::string_view what, const Message& message) const {
    std::string reason(what);
    const std::string said = message.params.empty() ? std::string() : printable(message.params.back());
    if (!said.empty()) {
        reason += ": " + said;
    }
    if (message.numeric() != 0) {
        reason += " (" + message.command + ")";
    }
    throw DialogueError(reason);
}

std::string Dialogue::receive(std::string_view line) {
    const Message message = parse_message(line);
    if (message.command == "PING") {
        // Servers check that we are alive before and after the welcome; an unanswered PING ends
        // the connection.
        return "PONG :" +
               (message.params.empty() ? std::string() : strip_line_breaks(message.params.back())) + "\r\n";
    }
    if (message.command == "ERROR") {
        if (m_phase == Phase::quitting || m_phase == Phase::done) {
            m_phase = Phase::done;  // the answer to our QUIT
            return "";
        }
        fail("the server closed the link", message);
    }
    const int code = message.numeric();
    const bool refusal = code >= 400 && code < 600;
    switch (m_phase) {
        case Phase::registering:
            if (code == 1) {
                if (!message.param(0).empty()) {
                    m_nick = message.param(0);
                }
                m_phase = Phase::joining;
                return "JOIN " + m_settings.channel + "\r\n";
            }
            // 433: in use; 436: collision with another server's user; 437: held after a recent use.
            if (code == 433 || code == 436 || code == 437) {
                if (m_nick_attempt >= k_nick_attempts) {
                    fail("nickname " + m_settings.nickname + " and " + std::to_string(k_nick_attempts) +
                             " others are taken",
                         message);
                }
                m_nick = fallback_nick(m_settings.nickname, ++m_nick_attempt);
                return "NICK " + m_nick + "\r\n";
            }
            if (code == 432) {
                fail("nickname " + m_nick + " refused", message);
            }
            if (code == 464) {
                fail("password refused", message);
            }
            // 463: host not allowed, 465: banned. Other errors before the welcome are notes (UnrealIRCd's
            // 439 "please wait while we process your connection"); a server that will not have us
            // says ERROR and closes.
            if (code == 463 || code == 465) {
                fail("connection refused", message);
            }
            return "";
        case Phase::joining:
            if (code == 366 && same_channel(message.param(1), m_settings.channel)) {
                m_phase = Phase::quitting;
                std::string out;
                for (const std::string& privmsg : privmsg_lines(m_settings.channel, m_settings.text)) {
                    out += privmsg;
                }
                return out + "QUIT :Bye !\r\n";
            }
            // 403 no such channel, 405 too many channels, 471 full, 473 invite only, 474 banned,
            // 475 bad key, 476 bad mask, 477 registered nicks only...: all name the channel.
            if (refusal && same_channel(message.param(1), m_settings.channel)) {
                fail("cannot join " + m_settings.channel, message);
            }
            return "";
        case Phase::quitting:
            // 404 cannot send to channel (moderated, no external messages...), 401, 403.
            if (refusal && same_channel(message.param(1), m_settings.channel)) {
                fail("cannot send to " + m_settings.channel, message);
            }
            return "";
        case Phase::done:
            return "";
    }
    return "";
}

}  // namespace loads::observers::irc
