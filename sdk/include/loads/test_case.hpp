/// @file test_case.hpp
/// @brief loads::TestCase: the base class of every load test, after Python's unittest.TestCase.
///
/// The runner makes one instance per virtual user and reuses it for all of that user's tests, so
/// `session` keeps its connections between hits. For every test run it calls setUp(), the test
/// method, then tearDown() (tearDown is skipped when setUp did not succeed). Declare setUp,
/// tearDown and the test methods public; they are found by name, no `override` needed.
///
/// Keep the destructor free of anything that can throw (requests included): destructors are
/// noexcept in C++, so an exception there ends the whole runner. Clean up in tearDown instead.
#pragma once

#include <cstdint>
#include <source_location>
#include <string>
#include <string_view>

#include "abi.h"
#include "assertions.hpp"
#include "exceptions.hpp"
#include "session.hpp"

namespace loads {

class TestCase : public Assertions {
public:
    TestCase() = default;
    TestCase(const TestCase&) = delete;
    TestCase& operator=(const TestCase&) = delete;
    virtual ~TestCase() = default;

    /// Runs before every test method. Override (hide) it in the test class.
    void setUp() {}
    /// Runs after every test method whose setUp succeeded.
    void tearDown() {}

    /// This virtual user's HTTP client.
    Session session;
    /// Base URL of the service under test. A value set in the constructor is the class default;
    /// `--server-url` replaces it before the first setUp.
    std::string server_url;

    /// Adds `delta` to the custom counter `name` (shown under "Custom metrics").
    void incr_counter(std::string_view name, std::int64_t delta = 1) {
        if (m_host != nullptr) {
            m_host->incr_counter(m_vu, {name.data(), name.size()}, delta);
        }
    }
    /// Pauses this virtual user only (like gevent.sleep): other users keep running on the thread.
    /// A blocking call such as std::this_thread::sleep_for would stall every user of the thread
    /// (unless the run uses --no-patching, which gives each user its own thread).
    /// @throws Cancelled when the runner stops this user during the pause.
    void sleep(double seconds, std::source_location where = std::source_location::current()) {
        if (m_host != nullptr && m_host->sleep(m_vu, seconds) == LOADS_HTTP_CANCELLED) {
            throw Cancelled("virtual user stopped by the runner during sleep", where);
        }
    }
    /// Writes a line to the runner's log (stderr).
    void log(std::string_view message, int32_t level = LOADS_LOG_INFO) {
        if (m_host != nullptr) {
            m_host->log(m_vu, level, {message.data(), message.size()});
        }
    }

    /// SDK internal: binds the instance to its virtual user. Called once, right after construction.
    void loads_attach(const loads_host_api* host, loads_vu* vu) noexcept {
        m_host = host;
        m_vu = vu;
        session.attach(host, vu);
    }

private:
    const loads_host_api* m_host = nullptr;
    loads_vu* m_vu = nullptr;
};

}  // namespace loads
