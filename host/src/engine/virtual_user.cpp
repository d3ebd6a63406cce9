#include "engine/virtual_user.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <optional>
#include <string>

#include <boost/asio/post.hpp>

#include "base/abi_strings.hpp"
#include "http/text.hpp"

namespace loads::host {
namespace asio = boost::asio;

VirtualUser::VirtualUser(const UserContext& context, const RunPlan& plan, std::uint32_t index,
                         std::uint32_t cycle_users)
    : m_context(context),
      m_plan(plan),
      m_index(index),
      m_cycle_users(cycle_users),
      m_recorder(context.stats, &context.events, context.event_mask,
                 EventPlace{context.cycle.index, cycle_users, 0, 0, index}),
      m_http(context.io, context.dns, context.lookups, context.steps, plan.http, index),
      m_sleep_timer(context.io) {}

namespace {

// steady_clock's clock (CLOCK_MONOTONIC) as of the kernel's last tick: a few milliseconds behind
// at most, and read without the TSC (about 70 ns a read on this KVM VM, 2% of the runner's CPU at
// three reads a request). Good enough to decide whether another test starts before the deadline.
std::chrono::steady_clock::time_point coarse_now() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return std::chrono::steady_clock::time_point(std::chrono::seconds(ts.tv_sec) +
                                                 std::chrono::nanoseconds(ts.tv_nsec));
}

}  // namespace

bool VirtualUser::may_start_test() const {
    if (m_cancelled || m_context.cycle.stop_new_tests.load(std::memory_order_relaxed)) {
        return false;
    }
    return !m_plan.duration || coarse_now() < m_context.cycle.deadline;
}

void* VirtualUser::create_instance() {
    loads_instance_config config{};
    config.struct_size = sizeof(config);
    config.server_url = {m_plan.server_url.data(), m_plan.server_url.size()};
    config.user_index = m_index;
    config.cycle_users = m_cycle_users;
    void* instance = m_plan.test->klass->create(m_context.host_api, handle(), &config);
    if (instance == nullptr) {
        m_recorder.begin_test(m_plan.duration ? 0 : m_plan.hits.front(), 1);
        m_recorder.problem(ProblemKind::error, "std::bad_alloc",
                           "out of memory while creating the test instance", {}, 0);
        m_recorder.end_test(LOADS_STATUS_ERROR);
        note_test_finished();
    }
    return instance;
}

void VirtualUser::end_instance(void* instance) {
    m_plan.test->klass->destroy(instance);
    close_sockets();  // those the test left open (the seed closed them when the user ended, too)
}

void VirtualUser::run(Yield yield) {
    m_yield = &yield;
    if (m_plan.user_stages) {
        run_stages();
        m_yield = nullptr;
        return;
    }
    void* instance = create_instance();
    if (instance == nullptr) {
        m_yield = nullptr;
        return;
    }
    if (m_context.pool != nullptr) {
        run_arrivals(instance);
    } else if (m_plan.duration) {
        for (std::uint32_t n = 1; may_start_test(); ++n) {
            run_and_share_thread(instance, 0, n);
        }
    } else {
        for (std::uint32_t series : m_plan.hits) {
            for (std::uint32_t i = 0; i < series && may_start_test(); ++i) {
                run_and_share_thread(instance, series, i + 1);
            }
        }
    }
    end_instance(instance);
    m_yield = nullptr;
}

double VirtualUser::stage_seconds(std::chrono::steady_clock::time_point now) const {
    return std::chrono::duration<double>(now - m_context.cycle.start).count();
}

// User u runs while the stages ask for more than u users. The precise clock, not coarse_now():
// a user woken at the time its ramp reaches it must see itself active. The tolerance absorbs the
// rounding of that time (LoadProfile::first_time_at_least).
bool VirtualUser::active_now() const {
    const double level = m_plan.user_stages->level_at(stage_seconds(std::chrono::steady_clock::now()));
    return level + 1e-9 >= double(m_index) + 1;
}

bool VirtualUser::wait_until_active() {
    while (may_start_test()) {
        if (active_now()) {
            return true;
        }
        const auto now = std::chrono::steady_clock::now();
        const auto at = m_plan.user_stages->first_time_at_least(double(m_index) + 1, stage_seconds(now));
        // The stages never come back up to this user: it waits out their length all the same, so
        // that a run whose last stages hold no user still lasts its time (and its rate is over it).
        const auto wake = at ? m_context.cycle.start +
                                   std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                       std::chrono::duration<double>(*at)) +
                                   std::chrono::microseconds(1)
                             : m_context.cycle.deadline;
        m_sleep_timer.expires_at(wake);
        boost::system::error_code ec;
        m_sleep_timer.async_wait((*m_yield)[ec]);  // ends at `wake`, or by cancel()
        if (!at) {
            return false;
        }
    }
    return false;
}

// A stopped user finishes its test, then leaves as a user of a site would: its instance is
// destroyed, its connections close and its cookies go; if the stages rise again it comes back as a
// new user (a new instance).
void VirtualUser::run_stages() {
    std::uint32_t n = 1;
    while (wait_until_active()) {
        void* instance = create_instance();
        if (instance == nullptr) {
            return;
        }
        m_context.active_users.fetch_add(1, std::memory_order_relaxed);
        while (may_start_test() && active_now()) {
            run_and_share_thread(instance, 0, n++);
        }
        m_context.active_users.fetch_sub(1, std::memory_order_relaxed);
        end_instance(instance);
        m_http.leave();
    }
}

namespace {

// A failure or error kept until the test's fate is known (its strings copied: the plugin's are
// only valid until the next call).
struct Problem {
    ProblemKind kind;
    std::string type;
    std::string message;
    std::string file;
    std::uint32_t line;
};

Problem copy_problem(int32_t status, const loads_outcome& o) {
    return {status == LOADS_STATUS_FAILURE ? ProblemKind::failure : ProblemKind::error,
            std::string(text(o.error_type)), std::string(text(o.message)), std::string(text(o.file)), o.line};
}

}  // namespace

void VirtualUser::run_one_test(void* instance) {
    const loads_test_v1* test = m_plan.test;
    const loads_class_v1* klass = test->klass;
    std::optional<Problem> set_up_problem;
    std::optional<Problem> test_problem;
    std::optional<Problem> tear_down_problem;
    loads_outcome outcome{};
    outcome.struct_size = sizeof(outcome);
    if (const int32_t status = klass->set_up(instance, &outcome); status != LOADS_STATUS_SUCCESS) {
        set_up_problem = copy_problem(status, outcome);  // unittest: no test, no tearDown
    } else {
        outcome = loads_outcome{};
        outcome.struct_size = sizeof(outcome);
        if (const int32_t run = test->run(instance, &outcome); run != LOADS_STATUS_SUCCESS) {
            test_problem = copy_problem(run, outcome);
        }
        outcome = loads_outcome{};
        outcome.struct_size = sizeof(outcome);
        if (const int32_t down = klass->tear_down(instance, &outcome); down != LOADS_STATUS_SUCCESS) {
            tear_down_problem = copy_problem(down, outcome);
        }
    }

    // A test the runner interrupted is neither a success nor a problem of the service: it is
    // counted apart, whatever it reported on its way out.
    if (m_cancelled) {
        m_recorder.end_test(LOADS_STATUS_CANCELLED);
        return;
    }
    std::int32_t status = LOADS_STATUS_SUCCESS;
    for (const auto* p : {&set_up_problem, &test_problem, &tear_down_problem}) {
        if (*p) {
            m_recorder.problem((*p)->kind, (*p)->type, (*p)->message, (*p)->file, (*p)->line);
            // The execution's status is its worst outcome: an error outranks a failure.
            status = std::max(status, (*p)->kind == ProblemKind::failure ? std::int32_t{LOADS_STATUS_FAILURE}
                                                                         : std::int32_t{LOADS_STATUS_ERROR});
        }
    }
    if (status == LOADS_STATUS_SUCCESS) {
        m_recorder.success();
    }
    m_recorder.end_test(status);
    note_test_finished();
}

void VirtualUser::run_and_share_thread(void* instance, std::uint32_t series, std::uint32_t hit) {
    const std::uint64_t before = m_http.suspensions() + m_sleeps;
    m_recorder.begin_test(series, hit);
    run_one_test(instance);
    // A test that never waited (no I/O, or it failed before any) would otherwise loop without
    // giving the other users of this thread, the watchdog or a cancellation a turn.
    if (m_http.suspensions() + m_sleeps == before) {
        boost::asio::post(m_context.io.get_executor(), *m_yield);
    }
}

bool VirtualUser::wait_for_arrival() {
    if (!m_arrival_pending && !m_cancelled && !m_context.pool->closed()) {
        m_context.pool->park(this);
        m_sleep_timer.expires_at(std::chrono::steady_clock::time_point::max());
        boost::system::error_code ec;
        m_sleep_timer.async_wait((*m_yield)[ec]);  // ends by assign(), wake() or cancel()
    }
    return m_arrival_pending && !m_cancelled;
}

void VirtualUser::run_arrivals(void* instance) {
    for (std::uint32_t n = 1; wait_for_arrival(); ++n) {
        m_arrival_pending = false;
        // How late the iteration starts: the worker's own delays (a late timer, a busy thread, a
        // user made on demand) that a closed-model measurement would leave out.
        const auto late = std::chrono::steady_clock::now() - m_arrival;
        const auto lag_us = std::chrono::duration_cast<std::chrono::microseconds>(late).count();
        m_recorder.begin_arrival(n, lag_us > 0 ? static_cast<std::uint64_t>(lag_us) : 0);
        run_one_test(instance);
    }
}

void VirtualUser::assign(std::chrono::steady_clock::time_point arrival) {
    m_arrival = arrival;
    m_arrival_pending = true;
    m_sleep_timer.cancel();
}

void VirtualUser::cancel() {
    m_cancelled = true;
    m_http.cancel();
    m_sleep_timer.cancel();
    for (auto& ws : m_sockets) {
        ws->abort();
    }
}

void VirtualUser::close_sockets() {
    for (auto& ws : m_sockets) {
        if (m_cancelled) {
            ws->abort();
        } else {
            ws->close_in_background();
        }
    }
    m_sockets.clear();
}

WebSocket* VirtualUser::find_socket(loads_ws* handle) {
    for (auto& ws : m_sockets) {
        if (reinterpret_cast<loads_ws*>(ws.get()) == handle) {
            return ws.get();
        }
    }
    return nullptr;
}

int32_t VirtualUser::ws_connect(const loads_ws_request& request, loads_ws_reply& reply) {
    auto fail = [&](int32_t kind, std::string message) {
        m_ws_error = std::move(message);
        reply.error_kind = kind;
        reply.error = view(m_ws_error);
        return kind;
    };
    if (m_yield == nullptr) {
        return fail(LOADS_HTTP_CONNECTION, "web sockets can only be opened while a test runs");
    }
    if (m_cancelled) {
        return fail(LOADS_HTTP_CANCELLED, std::string(k_cancelled_message));
    }
    std::string error;
    const auto url = parse_url(text(request.url), error);
    if (!url) {
        return fail(LOADS_HTTP_INVALID_URL, error);
    }
    if (!url->web_socket()) {
        return fail(LOADS_HTTP_INVALID_URL,
                    "'" + std::string(text(request.url)) + "' is not a web socket URL (ws:// or wss://)");
    }
    const bool verify =
        m_http.tls_client().verifies_by_default() && !(LOADS_HAS_FIELD(&request, loads_ws_request, flags) &&
                                                       (request.flags & LOADS_REQUEST_NO_VERIFY) != 0);
    auto ws = std::make_shared<WebSocket>(m_http, m_recorder);
    const int32_t rc = ws->open(*url, request, verify, *m_yield);
    if (rc != LOADS_HTTP_OK) {
        return fail(rc, ws->error());
    }
    m_sockets.push_back(ws);
    reply.error_kind = LOADS_HTTP_OK;
    reply.ws = reinterpret_cast<loads_ws*>(ws.get());
    reply.protocol = view(ws->protocol());
    return LOADS_HTTP_OK;
}

int32_t VirtualUser::ws_send(loads_ws* handle, std::string_view data, bool binary, loads_str& error) {
    WebSocket* ws = find_socket(handle);
    if (ws == nullptr || m_yield == nullptr) {
        static const char k_msg[] = "unknown or released web socket handle";
        error = {k_msg, sizeof(k_msg) - 1};
        return LOADS_WS_CLOSED;
    }
    const int32_t rc = ws->send(data, binary, *m_yield);
    if (rc != LOADS_HTTP_OK) {
        error = view(ws->error());
    }
    return rc;
}

int32_t VirtualUser::ws_receive(loads_ws* handle, bool wait, double timeout, loads_ws_message& out) {
    WebSocket* ws = find_socket(handle);
    if (ws == nullptr || m_yield == nullptr) {
        static const char k_msg[] = "unknown or released web socket handle";
        out.error = {k_msg, sizeof(k_msg) - 1};
        return LOADS_WS_CLOSED;
    }
    const auto limit = timeout_from_seconds(timeout, m_plan.http.timeout);
    const std::uint64_t before = m_http.suspensions();
    const int32_t rc = ws->receive(wait, limit, out, *m_yield);
    if (rc != LOADS_HTTP_OK) {
        out.error = view(ws->error());
    }
    if (m_http.suspensions() == before && rc != LOADS_HTTP_OK) {
        // A test polling a quiet socket in a loop must still let the thread's other users run.
        ++m_sleeps;
        asio::post(m_context.io.get_executor(), *m_yield);
    }
    return rc;
}

int32_t VirtualUser::ws_close(loads_ws* handle, std::uint16_t code, std::string_view reason) {
    WebSocket* ws = find_socket(handle);
    if (ws == nullptr || m_yield == nullptr) {
        return LOADS_WS_CLOSED;
    }
    return ws->close(code, reason, *m_yield);
}

void VirtualUser::ws_release(loads_ws* handle) {
    for (auto it = m_sockets.begin(); it != m_sockets.end(); ++it) {
        if (reinterpret_cast<loads_ws*>(it->get()) == handle) {
            if (m_cancelled) {
                (*it)->abort();
            } else {
                (*it)->close_in_background();
            }
            m_sockets.erase(it);
            return;
        }
    }
}

int32_t VirtualUser::http_request(const loads_http_request& request, loads_http_response& response) {
    if (m_yield == nullptr) {
        static const char k_msg[] = "HTTP requests are only possible while a test runs";
        response.error_kind = LOADS_HTTP_CONNECTION;
        response.error = {k_msg, sizeof(k_msg) - 1};
        return LOADS_HTTP_CONNECTION;
    }
    return m_http.perform(request, response, m_recorder, *m_yield);
}

void VirtualUser::incr_counter(std::string_view name, std::int64_t delta) {
    m_recorder.counter(name, delta);
}

int32_t VirtualUser::sleep(double seconds) {
    if (m_cancelled) {
        return LOADS_HTTP_CANCELLED;
    }
    if (!(seconds > 0) || m_yield == nullptr) {
        return 0;
    }
    const auto duration = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(std::min(seconds, 1e7)));
    ++m_sleeps;
    m_sleep_timer.expires_after(duration);
    boost::system::error_code ec;
    m_sleep_timer.async_wait((*m_yield)[ec]);
    return m_cancelled ? LOADS_HTTP_CANCELLED : 0;
}

}  // namespace loads::host
