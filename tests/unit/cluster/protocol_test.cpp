// Endpoints a broker reports as bound to every interface become ones a peer can dial.
#include <doctest/doctest.h>

#include "cluster/protocol.hpp"

using loads::host::dialable_endpoint;
using loads::host::endpoint_host;

TEST_CASE("the host of a tcp endpoint") {
    CHECK(endpoint_host("tcp://10.0.0.5:7780") == "10.0.0.5");
    CHECK(endpoint_host("tcp://[::1]:7780") == "[::1]");
    CHECK(endpoint_host("tcp://*:7780") == "*");
    CHECK(endpoint_host("ipc:///tmp/x.ipc") == "");
}

TEST_CASE("a wildcard host is replaced by the host the peer reached the broker at") {
    CHECK(dialable_endpoint("tcp://0.0.0.0:7776", "tcp://10.1.2.3:7780") == "tcp://10.1.2.3:7776");
    CHECK(dialable_endpoint("tcp://*:7776", "tcp://broker.example:7780") == "tcp://broker.example:7776");
    CHECK(dialable_endpoint("tcp://[::]:7776", "tcp://[::1]:7780") == "tcp://[::1]:7776");
    // Reached over ipc (same box): loopback.
    CHECK(dialable_endpoint("tcp://0.0.0.0:7776", "ipc:///tmp/loads-front.ipc") == "tcp://127.0.0.1:7776");
}

TEST_CASE("other endpoints are left alone") {
    CHECK(dialable_endpoint("tcp://10.0.0.9:7776", "tcp://10.1.2.3:7780") == "tcp://10.0.0.9:7776");
    CHECK(dialable_endpoint("ipc:///tmp/loads-publisher.ipc", "tcp://10.1.2.3:7780") ==
          "ipc:///tmp/loads-publisher.ipc");
}
