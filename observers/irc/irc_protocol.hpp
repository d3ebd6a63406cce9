// The IRC side of the irc observer, free of sockets: parsing the server's lines, splitting the
// summary into PRIVMSG lines that fit IRC's 512-byte limit, the nicknames tried when ours is
// taken, and the dialogue itself (Dialogue) as a machine fed one received line at a time, so
// every step of it can be unit tested without a server.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "text.hpp"

namespace loads::observers::irc {

/// One line from the server: "[@tags] [:prefix] COMMAND param... [:trailing]".
struct Message {
    std::string prefix;               ///< Without the ':'; empty when absent.
    std::string command;              ///< Upper-cased; a numeric reply stays its three digits.
    std::vector<std::string> params;  ///< The trailing parameter, when present, is the last.

    /// Parameter `i`, or "" when there are fewer.
    std::string_view param(std::size_t i) const noexcept {
        return i < params.size() ? std::string_view(params[i]) : std::string_view();
    }
    /// The numeric reply code (1 to 999), or 0 for a command.
    int numeric() const noexcept;
};

/// Parses one line (without its line break). IRCv3 message tags are skipped. A line with no
/// command (empty, or only a prefix) gives a Message whose command is empty.
Message parse_message(std::string_view line);

/// `s` without CR, LF and NUL, which would end or cut an IRC line and let a value inject commands.
std::string strip_line_breaks(std::string_view s);

/// `s` made one line of plain text for an error message: control characters (IRC formatting
/// codes, stray CR) removed (the observers' common helper).
using observers::printable;

/// Cuts `text` into pieces of at most `max_bytes` bytes, at spaces where it can (the space at a cut
/// is dropped) and otherwise between two UTF-8 characters, never inside one. Empty pieces are
/// never produced; an empty or all-blank text gives no piece.
std::vector<std::string> split_text(std::string_view text, std::size_t max_bytes);

/// How long the nicknames we fall back to may be: RFC 2812's limit, which every server accepts,
/// unless ours is longer (the server rejected it as taken, not as too long, so that length fits).
inline constexpr std::size_t k_min_nick_length = 9;

/// The nickname to try when `nick` is taken, for the `attempt`th time (1, 2...): "loads_",
/// "loads__", then "loads3", "loads4"... Each fits in max(9, nick's length) bytes, shortening the
/// base as needed, so that the server does not refuse it as too long.
std::string fallback_nick(std::string_view nick, int attempt);

/// Whether two channel names are the same for the server (RFC 1459 case mapping: ASCII case, and
/// "[]\~" are the upper case of "{}|^").
bool same_channel(std::string_view a, std::string_view b);

/// The PRIVMSG lines (each ending in CRLF) that post `text` to `channel`: the first starts with
/// "[loads] Test over. " and the underline code (the seed's "[loads] Test Over. \x1f<result>"), the
/// others with "[loads] " and the underline code. `text` is the host's summary sentence; its own
/// leading "Test over. " is not repeated. Each line leaves room for the prefix the server adds when
/// it relays the message (":nick!user@host "), so no part of the text is cut off on the way.
std::vector<std::string> privmsg_lines(std::string_view channel, std::string_view text);

/// A refusal or failure the server told us about, in its own words (one line).
class DialogueError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// What the dialogue needs to know.
struct DialogueSettings {
    std::string nickname;
    std::string channel;   ///< '#' is added when it starts with none of "#&+!".
    std::string password;  ///< Sent with PASS when not empty.
    std::string text;      ///< The summary sentence to post.
};

/// The client's side of one notification: register (PASS, NICK, USER; another nickname when ours
/// is taken), wait for the welcome, JOIN, wait for the end of NAMES, post the text, QUIT, and wait
/// for the server to close. PING is answered at any time.
class Dialogue {
public:
    enum class Phase {
        registering,  ///< NICK and USER sent, waiting for 001.
        joining,      ///< JOIN sent, waiting for 366 of our channel.
        quitting,     ///< PRIVMSG and QUIT sent, waiting for ERROR or the end of the connection.
        done,         ///< The server said ERROR after our QUIT: it is closing the connection.
    };

    /// @throws std::invalid_argument when the nickname or the channel cannot be sent as given
    /// (empty, or holding a space, comma or control character).
    explicit Dialogue(DialogueSettings settings);

    /// The lines that open the dialogue (CRLF-terminated, concatenated).
    std::string start() const;
    /// Takes one line from the server. @return the lines to send in answer, "" for none.
    /// @throws DialogueError when the server refuses us (nickname, password, ban, join, message)
    /// or says ERROR before our message was sent.
    std::string receive(std::string_view line);

    Phase phase() const noexcept { return m_phase; }
    /// True once the PRIVMSG lines and QUIT were handed out.
    bool delivered() const noexcept { return m_phase == Phase::quitting || m_phase == Phase::done; }
    /// The nickname in use (the server's word for it once welcomed).
    const std::string& nick() const noexcept { return m_nick; }
    /// The channel as joined ('#' added when needed).
    const std::string& channel() const noexcept { return m_settings.channel; }

    /// How many other nicknames are tried when ours is taken.
    static constexpr int k_nick_attempts = 8;

private:
    [[noreturn]] void fail(std::string_view what, const Message& message) const;

    DialogueSettings m_settings;
    std::string m_nick;
    int m_nick_attempt = 0;
    Phase m_phase = Phase::registering;
};

}  // namespace loads::observers::irc
