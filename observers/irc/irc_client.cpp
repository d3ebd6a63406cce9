#include "irc_client.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>

#include "irc_protocol.hpp"

namespace loads::observers::irc {
namespace {

// IRC lines are at most 512 bytes, 8 KiB more with IRCv3 tags: longer is not IRC.
constexpr std::size_t k_max_line = 16 * 1024;
// After QUIT we wait for the server to close, so that our message is not lost to a reset when we
// close first with its lines unread; a server slow to close costs no more than this.
constexpr std::chrono::seconds k_quit_wait{5};
// ...and we stop waiting this long before the deadline, so that a delivered message is reported as
// such rather than as the host's timeout.
constexpr std::chrono::milliseconds k_deadline_margin{300};

std::string stage(const Dialogue& dialogue) {
    switch (dialogue.phase()) {
        case Dialogue::Phase::registering:
            return "waiting for the welcome as " + dialogue.nick();
        case Dialogue::Phase::joining:
            return "joining " + dialogue.channel();
        default:
            return "sending to " + dialogue.channel();
    }
}

}  // namespace

std::string post(const ClientSettings& settings, const std::string& text, Deadline deadline) {
    const std::string server = settings.server + ":" + std::to_string(settings.port);
    std::optional<Dialogue> built;
    try {
        built.emplace(DialogueSettings{settings.nickname, settings.channel, settings.password, text});
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error("not sent to " + server + ": " + e.what());
    }
    Dialogue& dialogue = *built;

    Connection connection(settings.server, settings.port, deadline);
    if (settings.ssl) {
        connection.start_tls(TlsSettings{settings.ca_file}, deadline);
    }
    const std::string& peer = connection.peer();
    try {
        connection.write(dialogue.start(), deadline);
        while (!dialogue.delivered()) {
            std::string line;
            try {
                line = connection.read_line(deadline, k_max_line);
            } catch (const std::runtime_error& e) {
                throw std::runtime_error(std::string(e.what()) + " (" + stage(dialogue) + ")");
            }
            const std::string answer = dialogue.receive(line);
            if (!answer.empty()) {
                connection.write(answer, deadline);
            }
        }
        const Deadline quit_deadline =
            std::min(Deadline(std::chrono::system_clock::now() + k_quit_wait), deadline - k_deadline_margin);
        while (dialogue.phase() != Dialogue::Phase::done) {
            std::string line;
            try {
                line = connection.read_line(quit_deadline, k_max_line);
            } catch (const std::runtime_error&) {
                break;  // closed (what QUIT asks for) or slow to close: the message went first
            }
            // Still answered: a refusal of our message (404...) arrives here, before the ERROR.
            const std::string answer = dialogue.receive(line);
            if (!answer.empty()) {
                try {
                    connection.write(answer, quit_deadline);
                } catch (const std::runtime_error&) {
                    break;
                }
            }
        }
    } catch (const DialogueError& e) {
        throw std::runtime_error(peer + ": " + e.what());
    }

    std::string done = "sent to " + dialogue.channel() + " on " + peer;
    if (connection.tls()) {
        done += " over TLS";
    }
    if (dialogue.nick() != settings.nickname) {
        done += " as " + dialogue.nick();
    }
    return done;
}

}  // namespace loads::observers::irc
