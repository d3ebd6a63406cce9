// ExternalReceiver against real ZeroMQ sockets: the private endpoint, messages in order, the
// connection count the end of a run relies on, and an endpoint another run holds refused.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include <stdlib.h>

#include <zmq.hpp>

#include "base/usage_error.hpp"
#include "external/receiver.hpp"
#include "support/temp_dir.hpp"

using loads::host::ExternalReceiver;
using loads::host::UsageError;
using loads::test::TempDir;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// Waits (up to 5 s) for the receiver's connection count to become `n`.
bool wait_for_connections(ExternalReceiver& r, int n) {
    for (int i = 0; i < 500; ++i) {
        if (r.open_connections() == n) {
            return true;
        }
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

}  // namespace

TEST_CASE("external receiver: a private ipc socket, frames in order, connections counted") {
    TempDir dir("loads-unit-receiver", "/tmp");
    fs::path socket_file;
    {
        ExternalReceiver r("", dir.path());
        socket_file = dir.path() / "receiver.ipc";
        CHECK(r.endpoint() == "ipc://" + socket_file.string());
        CHECK(fs::exists(socket_file));
        CHECK(loads::host::unix_socket_in_use(socket_file));
        // That probe was a connection too, opened and closed at once.
        CHECK(wait_for_connections(r, 0));
        CHECK_FALSE(r.receive(10ms).has_value());

        zmq::context_t context;
        zmq::socket_t push(context, zmq::socket_type::push);
        push.set(zmq::sockopt::linger, 5000);
        push.connect(r.endpoint());
        for (const std::string s : {"one", "two", "three"}) {
            push.send(zmq::buffer(s));
        }
        for (const std::string expected : {"one", "two", "three"}) {
            const auto frame = r.receive(5000ms);
            REQUIRE(frame.has_value());
            CHECK(*frame == expected);
        }
        CHECK(wait_for_connections(r, 1));
        push.close();
        CHECK(wait_for_connections(r, 0));  // what the end of a run waits for
    }
    CHECK_FALSE(fs::exists(socket_file));  // removed with the receiver
}

TEST_CASE("external receiver: an endpoint of the user's, and one another run listens on") {
    TempDir dir("loads-unit-receiver", "/tmp");
    const std::string endpoint = "ipc://" + (dir.path() / "chosen.ipc").string();
    ExternalReceiver first(endpoint, dir.path());
    CHECK(first.endpoint() == endpoint);
    try {
        ExternalReceiver second(endpoint, dir.path());
        FAIL("a second run took the first one's socket");
    } catch (const UsageError& e) {
        CHECK(std::string(e.what()).find("another process is listening there") != std::string::npos);
    }
    // The first is untouched: it still receives.
    zmq::context_t context;
    zmq::socket_t push(context, zmq::socket_type::push);
    push.connect(endpoint);
    push.send(zmq::str_buffer("still mine"));
    const auto frame = first.receive(5000ms);
    REQUIRE(frame.has_value());
    CHECK(*frame == "still mine");

    // tcp with a port of the system's choice: the endpoint given to the processes names it.
    ExternalReceiver tcp("tcp://127.0.0.1:*", dir.path());
    CHECK(tcp.endpoint().starts_with("tcp://127.0.0.1:"));
    CHECK(tcp.endpoint() != "tcp://127.0.0.1:*");
    CHECK_THROWS_AS(ExternalReceiver("nonsense://x", dir.path()), UsageError);
}
