// The irc observer's protocol, without a server (observers/irc/irc_protocol.hpp): parsing the
// server's lines, cutting the summary into lines that fit, the fallback nicknames and each step of
// the dialogue. tests/integration/test_observer_irc.py runs it against ngircd.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "irc_protocol.hpp"

using loads::observers::irc::Dialogue;
using loads::observers::irc::DialogueError;
using loads::observers::irc::DialogueSettings;
using loads::observers::irc::fallback_nick;
using loads::observers::irc::parse_message;
using loads::observers::irc::printable;
using loads::observers::irc::privmsg_lines;
using loads::observers::irc::same_channel;
using loads::observers::irc::split_text;
using loads::observers::irc::strip_line_breaks;

namespace {

const std::string k_summary =
    "Test over. Ran 2 tests in 1.00 s. 2 hits, 2.00 RPS. 0 failures, 0 errors, p50 1.20 ms, p99 8.30 ms. "
    "Run 0b7e4a52-65c4-4f3e-9d55-0f7a3c1d2e4b: completed.";

bool valid_utf8_boundaries(const std::string& s) {
    // Starts and ends on a whole character: no continuation byte first, no lead byte cut short.
    if (!s.empty() && (static_cast<unsigned char>(s.front()) & 0xC0) == 0x80) {
        return false;
    }
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
        if (i + len > s.size()) {
            return false;
        }
        i += len;
    }
    return true;
}

// The dialogue up to the point where it has sent its message.
Dialogue delivered_dialogue(const std::string& channel = "#loads") {
    Dialogue d(DialogueSettings{"loads", channel, "", k_summary});
    d.start();
    d.receive(":irc.test 001 loads :Welcome to the Internet Relay Network loads!~loads@localhost");
    d.receive(":irc.test 366 loads " + channel + " :End of NAMES list");
    REQUIRE(d.delivered());
    return d;
}

}  // namespace

TEST_CASE("parse_message splits prefix, command and parameters") {
    auto m = parse_message(":irc.test 433 * loads :Nickname already in use");
    CHECK(m.prefix == "irc.test");
    CHECK(m.command == "433");
    CHECK(m.numeric() == 433);
    REQUIRE(m.params.size() == 3);
    CHECK(m.params[0] == "*");
    CHECK(m.params[1] == "loads");
    CHECK(m.params[2] == "Nickname already in use");

    m = parse_message("PING :irc.test");
    CHECK(m.prefix.empty());
    CHECK(m.command == "PING");
    CHECK(m.numeric() == 0);
    CHECK(m.params == std::vector<std::string>{"irc.test"});

    // Tags skipped, command upper-cased, a trailing parameter keeps its colons and spaces.
    m = parse_message("@time=2024-01-01T00:00:00Z :nick!user@host privmsg #c :a :b  c\r");
    CHECK(m.prefix == "nick!user@host");
    CHECK(m.command == "PRIVMSG");
    CHECK(m.params == std::vector<std::string>{"#c", "a :b  c"});

    m = parse_message(":srv 366 me #chan");  // no trailing parameter
    CHECK(m.params == std::vector<std::string>{"me", "#chan"});
    CHECK(m.param(1) == "#chan");
    CHECK(m.param(5).empty());

    m = parse_message(":srv 001 me :");  // an empty trailing parameter is still one
    CHECK(m.params == std::vector<std::string>{"me", ""});

    CHECK(parse_message("").command.empty());
    CHECK(parse_message(":onlyprefix").command.empty());
    CHECK(parse_message("12").numeric() == 0);
    CHECK(parse_message("1a3").numeric() == 0);
}

TEST_CASE("strip_line_breaks and printable") {
    CHECK(strip_line_breaks(std::string("a\r\nb\0c", 7)) == "abc");
    CHECK(strip_line_breaks("plain text") == "plain text");
    CHECK(printable("bold \x02on\x02, tab\there\r") == "bold on, tab here");
    CHECK(printable("caf\xc3\xa9") == "caf\xc3\xa9");
}

TEST_CASE("split_text cuts at spaces within the limit") {
    CHECK(split_text("short", 10) == std::vector<std::string>{"short"});
    CHECK(split_text("", 10).empty());
    CHECK(split_text("   ", 10).empty());
    CHECK(split_text("aaa bbb ccc", 7) == std::vector<std::string>{"aaa bbb", "ccc"});
    // A space exactly after the limit still cuts there.
    CHECK(split_text("aaaa bbbb", 4) == std::vector<std::string>{"aaaa", "bbbb"});
    // Runs of spaces vanish at cuts, stay inside a piece.
    CHECK(split_text("  aa  bb    cc  ", 6) == std::vector<std::string>{"aa  bb", "cc"});
    // A word longer than a line is cut where it must be.
    CHECK(split_text("abcdefghij xy", 4) == std::vector<std::string>{"abcd", "efgh", "ij", "xy"});
    CHECK_THROWS_AS(split_text("x", 0), std::invalid_argument);
}

TEST_CASE("split_text never cuts a UTF-8 character") {
    // "é" is 2 bytes, "€" 3 and "𝄞" 4: no limit may split one.
    const std::string word = "\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e";
    for (std::size_t limit = 1; limit <= word.size(); ++limit) {
        CAPTURE(limit);
        const auto pieces = split_text(word, limit);
        std::string joined;
        for (const auto& p : pieces) {
            CHECK(valid_utf8_boundaries(p));
            CHECK(!p.empty());
            // Only a character longer than the limit may exceed it (it cannot be cut).
            if (limit >= 4) {
                CHECK(p.size() <= limit);
            }
            joined += p;
        }
        CHECK(joined == word);
    }
}

TEST_CASE("fallback_nick: underscores, then numbers, within the length limit") {
    CHECK(fallback_nick("loads", 1) == "loads_");
    CHECK(fallback_nick("loads", 2) == "loads__");
    CHECK(fallback_nick("loads", 3) == "loads2");
    CHECK(fallback_nick("loads", 8) == "loads7");
    // Nine bytes is RFC 2812's limit: a longer fallback shortens the base.
    CHECK(fallback_nick("loadsbot9", 1) == "loadsbot_");
    CHECK(fallback_nick("loadsbot9", 2) == "loadsbo__");
    CHECK(fallback_nick("loadsbot9", 3) == "loadsbot2");
    // A nickname the server took as longer than nine keeps its own length.
    CHECK(fallback_nick("loads-notifier", 1) == "loads-notifie_");
    CHECK(fallback_nick("loads-notifier", 5) == "loads-notifie4");
    for (int attempt = 1; attempt <= Dialogue::k_nick_attempts; ++attempt) {
        CHECK(fallback_nick("abcdefghi", attempt).size() <= 9);
        CHECK(fallback_nick("abcdefghi", attempt) != "abcdefghi");
    }
}

TEST_CASE("same_channel uses IRC's case mapping") {
    CHECK(same_channel("#Loads", "#loads"));
    CHECK(same_channel("#a[b]\\~", "#A{B}|^"));
    CHECK_FALSE(same_channel("#loads", "#loads2"));
    CHECK_FALSE(same_channel("#loads", ""));
}

TEST_CASE("privmsg_lines: the seed's prefix and underline, the summary's own words") {
    const auto lines = privmsg_lines("#loads", k_summary);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] ==
          "PRIVMSG #loads :[loads] Test over. \x1fRan 2 tests in 1.00 s. 2 hits, 2.00 RPS. 0 failures, 0 "
          "errors, p50 1.20 ms, p99 8.30 ms. Run 0b7e4a52-65c4-4f3e-9d55-0f7a3c1d2e4b: completed.\r\n");

    // Line breaks in the text never reach the wire as such.
    const auto clean = privmsg_lines("#loads", "Test over.\r\nQUIT :injected\nx");
    REQUIRE(clean.size() == 1);
    CHECK(clean[0] == "PRIVMSG #loads :[loads] Test over. \x1fQUIT :injected x\r\n");

    CHECK(privmsg_lines("#loads", "") == std::vector<std::string>{"PRIVMSG #loads :[loads] Test over.\r\n"});
    CHECK(privmsg_lines("#loads", "no usual start") ==
          std::vector<std::string>{"PRIVMSG #loads :[loads] Test over. \x1fno usual start\r\n"});
}

TEST_CASE("privmsg_lines: a long summary in several lines that fit once relayed") {
    std::string text = "Test over.";
    std::vector<std::string> words;
    for (int i = 0; i < 150; ++i) {
        words.push_back("agent-" + std::to_string(i) + "\xc3\xa9");
        text += " " + words.back();
    }
    const std::string channel = "#a-rather-long-channel-name-for-notifications";
    const auto lines = privmsg_lines(channel, text);
    CHECK(lines.size() > 3);
    std::string joined;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string& line = lines[i];
        CAPTURE(line);
        // 512 bytes with CRLF, once the server put ":nick!user@host " (up to 100 bytes) in front.
        CHECK(line.size() + 100 <= 512);
        CHECK(line.substr(line.size() - 2) == "\r\n");
        CHECK(line.find_first_of("\r\n") == line.size() - 2);
        const std::string head =
            "PRIVMSG " + channel + (i == 0 ? " :[loads] Test over. \x1f" : " :[loads] \x1f");
        REQUIRE(line.substr(0, head.size()) == head);
        const std::string body = line.substr(head.size(), line.size() - head.size() - 2);
        CHECK(body.size() <= 400);
        CHECK(valid_utf8_boundaries(body));
        joined += (joined.empty() ? "" : " ") + body;
    }
    std::string expected;
    for (const auto& w : words) {
        expected += (expected.empty() ? "" : " ") + w;
    }
    CHECK(joined == expected);  // every word, in order, none cut
}

TEST_CASE("Dialogue: registration, PING at any time, JOIN on the welcome, message on the end of NAMES") {
    Dialogue d(DialogueSettings{"loads", "#loads", "", k_summary});
    CHECK(d.start() == "NICK loads\r\nUSER loads 0 * :loads\r\n");
    CHECK(d.phase() == Dialogue::Phase::registering);
    CHECK(d.receive(":irc.test NOTICE * :*** Looking up your hostname").empty());
    CHECK(d.receive(":irc.test 439 * :Please wait while we process your connection.").empty());
    CHECK(d.receive("PING :12345") == "PONG :12345\r\n");
    CHECK(d.receive("PING token") == "PONG :token\r\n");
    CHECK(d.receive(":irc.test 001 loads :Welcome") == "JOIN #loads\r\n");
    CHECK(d.phase() == Dialogue::Phase::joining);
    CHECK(d.receive(":irc.test 005 loads CHANTYPES=# :are supported").empty());
    CHECK(d.receive("PING :again") == "PONG :again\r\n");
    CHECK(d.receive(":loads!~loads@localhost JOIN :#loads").empty());
    CHECK(d.receive(":irc.test 353 loads = #loads :loads @someone").empty());
    // The end of NAMES of another channel (joined by an auto-join, say) is not ours.
    CHECK(d.receive(":irc.test 366 loads #other :End of NAMES list").empty());
    CHECK(!d.delivered());
    const std::string out = d.receive(":irc.test 366 loads #LOADS :End of NAMES list");
    CHECK(out == privmsg_lines("#loads", k_summary)[0] + "QUIT :Bye !\r\n");
    CHECK(d.delivered());
    CHECK(d.phase() == Dialogue::Phase::quitting);
    CHECK(d.receive("PING :late") == "PONG :late\r\n");
    CHECK(d.receive("ERROR :Closing connection").empty());
    CHECK(d.phase() == Dialogue::Phase::done);
}

TEST_CASE("Dialogue: PASS first when a password is given; values lose their line breaks") {
    CHECK(Dialogue(DialogueSettings{"loads", "#loads", "secret", ""}).start() ==
          "PASS secret\r\nNICK loads\r\nUSER loads 0 * :loads\r\n");
    CHECK(Dialogue(DialogueSettings{"loads", "#loads", "two words", ""}).start().substr(0, 17) ==
          "PASS :two words\r\n");
    CHECK(Dialogue(DialogueSettings{"loads", "#loads", ":colon", ""}).start().substr(0, 14) ==
          "PASS ::colon\r\n");
    CHECK(Dialogue(DialogueSettings{"lo\r\nads", "#lo\nads", "pa\r\nss", ""}).start() ==
          "PASS pass\r\nNICK loads\r\nUSER loads 0 * :loads\r\n");
    Dialogue d(DialogueSettings{"loads", "#loads", "", ""});
    CHECK(d.receive("PING :a\rb") == "PONG :ab\r\n");
}

TEST_CASE("Dialogue: the channel gets its '#', bad names are refused before connecting") {
    CHECK(Dialogue(DialogueSettings{"loads", "loads", "", ""}).channel() == "#loads");
    CHECK(Dialogue(DialogueSettings{"loads", "&local", "", ""}).channel() == "&local");
    CHECK(Dialogue(DialogueSettings{"loads", "#loads", "", ""}).channel() == "#loads");
    CHECK_THROWS_AS(Dialogue(DialogueSettings{"", "#loads", "", ""}), std::invalid_argument);
    CHECK_THROWS_AS(Dialogue(DialogueSettings{"two words", "#loads", "", ""}), std::invalid_argument);
    CHECK_THROWS_AS(Dialogue(DialogueSettings{"loads", "", "", ""}), std::invalid_argument);
    CHECK_THROWS_AS(Dialogue(DialogueSettings{"loads", "#a,#b", "", ""}), std::invalid_argument);
    CHECK_THROWS_AS(Dialogue(DialogueSettings{"loads", "#a b", "", ""}), std::invalid_argument);
    CHECK_THROWS_AS(Dialogue(DialogueSettings{"loads", "#a\x07", "", ""}), std::invalid_argument);
}

TEST_CASE("Dialogue: another nickname when ours is taken, a bounded number of times") {
    Dialogue d(DialogueSettings{"loads", "#loads", "", k_summary});
    d.start();
    CHECK(d.receive(":irc.test 433 * loads :Nickname already in use") == "NICK loads_\r\n");
    CHECK(d.nick() == "loads_");
    CHECK(d.receive(":irc.test 433 * loads_ :Nickname already in use") == "NICK loads__\r\n");
    CHECK(d.receive(":irc.test 437 * loads__ :Nick/channel is temporarily unavailable") == "NICK loads2\r\n");
    CHECK(d.receive(":irc.test 001 loads2 :Welcome") == "JOIN #loads\r\n");
    CHECK(d.nick() == "loads2");

    Dialogue taken(DialogueSettings{"loads", "#loads", "", k_summary});
    for (int i = 0; i < Dialogue::k_nick_attempts; ++i) {
        CHECK(taken.receive(":irc.test 433 * x :Nickname already in use").substr(0, 5) == "NICK ");
    }
    try {
        taken.receive(":irc.test 433 * loads7 :Nickname already in use");
        FAIL("the dialogue must give up");
    } catch (const DialogueError& e) {
        CHECK(std::string(e.what()) ==
              "nickname loads and 8 others are taken: Nickname already in use (433)");
    }
}

TEST_CASE("Dialogue: refusals fail with the server's words") {
    const auto failure = [](Dialogue& d, const std::string& line) {
        try {
            d.receive(line);
        } catch (const DialogueError& e) {
            return std::string(e.what());
        }
        return std::string("no failure");
    };
    {
        Dialogue d(DialogueSettings{"loads", "#loads", "", ""});
        CHECK(failure(d, ":irc.test 432 * loads :Erroneous nickname") ==
              "nickname loads refused: Erroneous nickname (432)");
    }
    {
        Dialogue d(DialogueSettings{"loads", "#loads", "bad", ""});
        CHECK(failure(d, ":irc.test 464 * :Password incorrect") ==
              "password refused: Password incorrect (464)");
    }
    {
        Dialogue d(DialogueSettings{"loads", "#loads", "", ""});
        CHECK(failure(d, ":irc.test 465 loads :You are banned from this server") ==
              "connection refused: You are banned from this server (465)");
    }
    {
        Dialogue d(DialogueSettings{"loads", "#loads", "", ""});
        CHECK(failure(d, "ERROR :Closing Link: 127.0.0.1 (Too many connections)") ==
              "the server closed the link: Closing Link: 127.0.0.1 (Too many connections)");
    }
    for (const char* code : {"403", "405", "471", "473", "474", "475"}) {
        CAPTURE(code);
        Dialogue d(DialogueSettings{"loads", "#loads", "", ""});
        d.receive(":irc.test 001 loads :Welcome");
        // An error about something else is not about our JOIN.
        CHECK(d.receive(std::string(":irc.test ") + code + " loads #other :Cannot join channel").empty());
        CHECK(failure(d, std::string(":irc.test ") + code + " loads #Loads :Cannot join \x02" + "channel") ==
              std::string("cannot join #loads: Cannot join channel (") + code + ")");
        CHECK(!d.delivered());
    }
    {
        Dialogue d(DialogueSettings{"loads", "#loads", "", ""});
        d.receive(":irc.test 001 loads :Welcome");
        CHECK(failure(d, "ERROR :Closing connection") == "the server closed the link: Closing connection");
    }
    {
        Dialogue d = delivered_dialogue();
        CHECK(failure(d, ":irc.test 404 loads #loads :Cannot send to channel") ==
              "cannot send to #loads: Cannot send to channel (404)");
    }
}
