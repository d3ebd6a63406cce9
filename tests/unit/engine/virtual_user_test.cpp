// VirtualUser with a test class written against the plain C ABI, its HTTP and web socket calls
// going through the host API table to in-memory peers: the plan's tests run as setUp / test /
// tearDown, outcomes are counted, a cancel ends a blocked test, and a plugin's bad handle or
// forgotten socket is handled by the host.
#include <doctest/doctest.h>

#include <atomic>
#include <functional>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "engine/cycle_state.hpp"
#include "engine/host_api.hpp"
#include "engine/run_plan.hpp"
#include "engine/user_context.hpp"
#include "engine/virtual_user.hpp"
#include "results/event_buffer.hpp"
#include "support/session_fixture.hpp"
#include "support/stream_peer.hpp"

using namespace loads::host;
using loads::test::http_response;
using loads::test::LocalSocket;
using loads::test::SessionFixture;
using loads::test::StreamPeer;

namespace {

// The instance of the test class: what the host handed it, and what the test body does.
struct Instance {
    const loads_host_api* host;
    loads_vu* vu;
};

// The test body of the current test case, and how often each method ran.
std::function<int32_t(Instance&, loads_outcome&)> g_body;
int g_set_ups = 0;
int g_tear_downs = 0;

void* create(const loads_host_api* host, loads_vu* vu, const loads_instance_config*) {
    return new Instance{host, vu};
}
void destroy(void* instance) {
    delete static_cast<Instance*>(instance);
}
int32_t set_up(void*, loads_outcome*) {
    ++g_set_ups;
    return LOADS_STATUS_SUCCESS;
}
int32_t tear_down(void*, loads_outcome*) {
    ++g_tear_downs;
    return LOADS_STATUS_SUCCESS;
}
int32_t run_body(void* instance, loads_outcome* outcome) {
    return g_body(*static_cast<Instance*>(instance), *outcome);
}

const loads_class_v1 k_class{sizeof(loads_class_v1), {"Suite", 5}, create, destroy, set_up, tear_down};
const loads_test_v1 k_test{sizeof(loads_test_v1), LOADS_ABI_MAJOR, LOADS_ABI_MINOR, &k_class,
                           {"test", 4},           run_body};

loads_str str(std::string_view s) {
    return {s.data(), s.size()};
}

int32_t get(Instance& in, std::string_view url, loads_http_response& resp) {
    loads_http_request req{};
    req.struct_size = sizeof(req);
    req.method = str("GET");
    req.url = str(url);
    resp = {};
    resp.struct_size = sizeof(resp);
    return in.host->http_request(in.vu, &req, &resp);
}

// One user of a worker, as the worker makes it, its session wired to the fixture's peers.
struct UserFixture : SessionFixture {
    explicit UserFixture(Cycle hits, std::function<int32_t(Instance&, loads_outcome&)> body) {
        g_body = std::move(body);
        g_set_ups = g_tear_downs = 0;
        plan.test = &k_test;
        plan.fqn = "unit.Suite.test";
        plan.hits = std::move(hits);
        plan.http.connector = peers;
    }
    void run_user() {
        VirtualUser& vu = user();
        run([&](Yield& yield) { vu.run(yield); });
    }
    void stop_clients() override {
        user().cancel();
        SessionFixture::stop_clients();
    }
    VirtualUser& user() {
        if (!m_user) {
            m_user = std::make_unique<VirtualUser>(context, plan, 0, 1);
        }
        return *m_user;
    }

    RunPlan plan;
    EventBuffer events;
    CycleState cycle;
    std::atomic<std::uint64_t> finished{0};
    std::atomic<std::uint32_t> active{0};
    UserContext context{io,       stats, events,     0,        dns,     lookups,
                        watchdog, cycle, host_api(), finished, nullptr, active};

private:
    std::unique_ptr<VirtualUser> m_user;
};

}  // namespace

TEST_CASE("a user runs each of its plan's tests as setUp, test, tearDown, over one keep-alive connection") {
    UserFixture f({3}, [](Instance& in, loads_outcome&) {
        loads_http_response resp;
        return get(in, "http://app.test/", resp) == LOADS_HTTP_OK && resp.status == 200 ? LOADS_STATUS_SUCCESS
                                                                                        : LOADS_STATUS_ERROR;
    });
    f.peers->expect([](StreamPeer& peer, Yield& yield) {
        for (int i = 0; i < 3; ++i) {
            CHECK_FALSE(peer.read_request(yield).empty());
            peer.write(http_response(200, "OK", "ok"), yield);
        }
    });
    f.run_user();
    CHECK(g_set_ups == 3);
    CHECK(g_tear_downs == 3);
    CHECK(f.stats.tests_finished() == 3);
    CHECK(f.stats.successes() == 3);
    CHECK(f.stats.hits() == 3);
    CHECK(f.finished.load() == 3);
    CHECK(f.peers->connections() == 1);
}

TEST_CASE("a failure and an error are counted and described, and the user goes on") {
    int n = 0;
    UserFixture f({3}, [&](Instance&, loads_outcome& out) {
        switch (++n) {
            case 1:
                out.message = str("200 != 500");
                out.file = str("suite.cpp");
                out.line = 12;
                return LOADS_STATUS_FAILURE;
            case 2:
                out.error_type = str("std::runtime_error");
                out.message = str("no such user");
                return LOADS_STATUS_ERROR;
            default:
                return LOADS_STATUS_SUCCESS;
        }
    });
    f.run_user();
    CHECK(f.stats.failures() == 1);
    CHECK(f.stats.errors() == 1);
    CHECK(f.stats.successes() == 1);
    CHECK(f.stats.tests_finished() == 3);
    REQUIRE(f.stats.problems().size() == 2);
    const auto& failure = f.stats.problems().begin()->first;
    CHECK(failure.kind == ProblemKind::failure);
    CHECK(failure.message == "200 != 500");
    CHECK(failure.location == "suite.cpp:12");
    const auto& error = std::next(f.stats.problems().begin())->first;
    CHECK(error.kind == ProblemKind::error);
    CHECK(error.type == "std::runtime_error");
    CHECK(error.message == "no such user");
    CHECK(error.location.empty());
}

TEST_CASE("cancel() ends a test blocked on a request: it counts as cancelled and no other test starts") {
    UserFixture f({5}, [](Instance& in, loads_outcome&) {
        loads_http_response resp;
        return get(in, "http://app.test/slow", resp) == LOADS_HTTP_OK ? LOADS_STATUS_SUCCESS
                                                                      : LOADS_STATUS_ERROR;
    });
    f.peers->expect([&](StreamPeer& peer, Yield& yield) {
        peer.read_request(yield);
        f.user().cancel();  // the grace period is over while the reply is awaited
        peer.wait_for_close(yield);
    });
    f.run_user();
    CHECK(g_set_ups == 1);
    CHECK(f.stats.cancelled() == 1);
    CHECK(f.stats.successes() == 0);
    CHECK(f.stats.hits() == 0);
    CHECK(f.peers->connections() == 1);
}

TEST_CASE("a web socket handle the user does not hold is refused with an error, not followed") {
    int32_t rc = -1;
    std::string error;
    UserFixture f({1}, [&](Instance& in, loads_outcome&) {
        loads_str why{};
        alignas(16) char not_a_socket[64] = {};
        rc = in.host->ws_send(in.vu, reinterpret_cast<loads_ws*>(not_a_socket), str("x"), 0, &why);
        error.assign(why.ptr, why.len);
        return LOADS_STATUS_SUCCESS;
    });
    f.run_user();
    CHECK(rc == LOADS_WS_CLOSED);
    CHECK(error == "unknown or released web socket handle");
}

TEST_CASE("a web socket the test leaves open is closed, with a close frame, when the user ends") {
    boost::beast::error_code server_saw;
    UserFixture f({1}, [](Instance& in, loads_outcome&) {
        loads_ws_request req{};
        req.struct_size = sizeof(req);
        req.url = str("ws://app.test/live");
        loads_ws_reply reply{};
        reply.struct_size = sizeof(reply);
        return in.host->ws_connect(in.vu, &req, &reply) == LOADS_HTTP_OK ? LOADS_STATUS_SUCCESS
                                                                         : LOADS_STATUS_ERROR;
    });
    f.peers->expect([&](StreamPeer& peer, Yield& yield) {
        boost::beast::websocket::stream<LocalSocket&> ws(peer.socket());
        ws.async_accept(yield);
        boost::beast::flat_buffer buffer;
        ws.async_read(buffer, yield[server_saw]);
    });
    f.run_user();
    CHECK(f.stats.successes() == 1);
    CHECK(server_saw == boost::beast::websocket::error::closed);
    CHECK(f.stats.sockets_opened() == 1);
    CHECK(f.stats.sockets_closed() == 1);
}
