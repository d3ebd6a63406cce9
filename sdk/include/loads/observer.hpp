/// @file observer.hpp
/// @brief The C++ face of observer plugins: derive from loads::Observer, register with
/// LOADS_OBSERVER.
///
/// @code
/// #include <loads/observer.hpp>
///
/// class Logbook : public loads::Observer {
/// public:
///     explicit Logbook(const loads::ObserverOptions& options) : m_path(options.string("path")) {}
///     std::string notify(const loads_run_summary& run) override {
///         std::FILE* f = std::fopen(m_path.c_str(), "a");
///         if (f == nullptr) throw std::runtime_error("cannot open " + m_path);
///         std::fprintf(f, "%s\n", std::string(loads::text(run.text)).c_str());
///         std::fclose(f);
///         return "appended to " + m_path;
///     }
/// private:
///     std::string m_path;
/// };
///
/// constexpr loads_option_v1 k_logbook_options[] = {
///     loads::option("path", "the file runs are logged to", LOADS_OPTION_STRING, "runs.log"),
/// };
/// LOADS_OBSERVER(Logbook, logbook, "appends a line per run to a file", k_logbook_options)
/// @endcode
///
/// Built as `liblogbook.so` (loads_add_observer_plugin in CMake), it runs with
/// `loads-runner --observer logbook --observer-logbook-path /tmp/runs.log module.Class.test`.
///
/// The constructor and notify run once per run, one after the other, in a process of their own
/// (loads-notify) that the host kills at the deadline. Any exception becomes the one line the
/// host reports ("observer 'logbook' failed: ..."); the run's outcome never depends on it.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>

#include "abi.h"
#include "plugin_options.hpp"

namespace loads {

/// An observer's option values, by the names it declared, and its time limit.
class ObserverOptions : public PluginOptions {
public:
    explicit ObserverOptions(const loads_observer_config& config) noexcept
        : PluginOptions(config), m_deadline_us(config.deadline_us) {}

    /// When notify must have returned: bound every connect, read and retry by it.
    std::chrono::system_clock::time_point deadline() const noexcept {
        return std::chrono::system_clock::time_point(std::chrono::microseconds(m_deadline_us));
    }

private:
    std::int64_t m_deadline_us;
};

/// Base class of observer plugins. The derived class's constructor takes
/// `const loads::ObserverOptions&` (copy what you need: the options live only during the call).
class Observer {
public:
    virtual ~Observer() = default;
    /// Sends the notification of `run` (it lives only during the call). Throw to report that it
    /// could not be delivered; the message should be one line naming the server and the reason.
    /// @return what was done, in a few words ("sent to #loads on irc.example.org:6697"), or "".
    virtual std::string notify(const loads_run_summary& run) = 0;
};

/// `v` with `decimals` digits after the point.
inline std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

/// The run in a few lines for people (an email body, a chat message's details): the summary
/// sentence, then latency percentiles, statuses, the most common failures and errors, custom
/// counters and the agents that did not finish. Lines end with '\n'.
inline std::string run_details(const loads_run_summary& run) {
    std::string out = std::string(text(run.text)) + "\n\n";
    out += "Test: " + std::string(text(run.fqn)) + "\nRun ID: " + std::string(text(run.run_id)) +
           "\nStatus: " + std::string(text(run.status)) + "\n";
    const double seconds = double(run.ended_us - run.started_us) / 1e6;
    out += "Duration: " + fixed(seconds > 0 ? seconds : 0.0, 2) + " s\n";
    if (run.total == nullptr) {
        return out;
    }
    const loads_stats& t = *run.total;
    out += "Tests: " + std::to_string(t.tests_finished) + " finished, " + std::to_string(t.successes) +
           " passed, " + std::to_string(t.failures) + " failures, " + std::to_string(t.errors) + " errors\n";
    out += "Hits: " + std::to_string(t.hits) + "\n";
    if (t.latency.count > 0) {
        const auto ms = [](std::uint64_t us) { return fixed(double(us) / 1000.0, 2); };
        out += "Latency (ms): p50 " + ms(t.latency.p50_us) + ", p90 " + ms(t.latency.p90_us) + ", p99 " +
               ms(t.latency.p99_us) + ", max " + ms(t.latency.max_us) + "\n";
    }
    if (t.status_count > 0) {
        out += "Statuses:";
        for (std::size_t i = 0; i < t.status_count; ++i) {
            out += (i == 0 ? " " : ", ") + std::to_string(t.statuses[i].status) + ": " +
                   std::to_string(t.statuses[i].count);
        }
        out += "\n";
    }
    if (t.sockets_opened > 0) {
        out += "Web sockets: " + std::to_string(t.sockets_opened) + " opened, " +
               std::to_string(t.socket_bytes) + " bytes received\n";
    }
    constexpr std::size_t k_shown = 5;
    for (std::size_t i = 0; i < t.problem_count && i < k_shown; ++i) {
        const loads_problem& p = *t.problems[i];
        out += std::string(p.kind == LOADS_STATUS_FAILURE ? "Failure" : "Error") + " x" +
               std::to_string(p.count) + ": ";
        if (p.error_type.len > 0) {
            out += std::string(text(p.error_type)) + ": ";
        }
        out += std::string(text(p.message));
        if (p.location.len > 0) {
            out += " (" + std::string(text(p.location)) + ")";
        }
        out += "\n";
    }
    if (t.problem_count > k_shown) {
        out += "... and " + std::to_string(t.problem_count - k_shown) + " more kinds of problems\n";
    }
    for (std::size_t i = 0; i < t.counter_count; ++i) {
        out += "Counter " + std::string(text(t.counters[i].name)) + ": " +
               std::to_string(t.counters[i].value) + "\n";
    }
    for (std::size_t i = 0; i < run.agent_count; ++i) {
        const loads_agent_report& a = *run.agents[i];
        out += "Agent " + std::string(text(a.agent_id)) + ": " + std::string(text(a.state));
        if (a.message.len > 0) {
            out += " (" + std::string(text(a.message)) + ")";
        }
        out += "\n";
    }
    return out;
}

namespace detail {

template <class O>
std::int32_t observer_notify(const loads_observer_config* config, const loads_run_summary* run,
                             loads_outcome* outcome) noexcept {
    // notify is called once per process (loads-notify), so one static string can hold the
    // message for as long as the host reads it.
    static std::string message;
    try {
        O observer{ObserverOptions(*config)};
        message = observer.notify(*run);
        fill(outcome, message);
        return LOADS_STATUS_SUCCESS;
    } catch (...) {
        try {
            message = describe_current_exception();
        } catch (...) {
            message.clear();
        }
        fill(outcome, message);
        return LOADS_STATUS_ERROR;
    }
}

}  // namespace detail
}  // namespace loads

#if defined(__GNUC__) || defined(__clang__)
#define LOADS_DETAIL_OBSERVER_ATTRIBUTES \
    __attribute__((visibility("default"), used, section(LOADS_OBSERVER_SECTION)))
#else
#error "loads plugins need GCC or Clang (named sections for observer discovery)"
#endif

/// Registers `Class` (derived from loads::Observer) as the observer `NAME`: an identifier of
/// lower case letters, digits and '_', written without quotes; it is the name used with
/// --observer and the plugin's file name (lib<NAME>.so). `DESCRIPTION` is one line for --help;
/// the optional last argument a constexpr array of loads_option_v1 made with loads::option. Use
/// it once per observer, at namespace scope.
#define LOADS_OBSERVER(Class, NAME, DESCRIPTION, ...)                                                     \
    static_assert(std::is_base_of_v<::loads::Observer, Class>,                                            \
                  "LOADS_OBSERVER: " #Class " must derive from loads::Observer");                         \
    static_assert(std::is_constructible_v<Class, const ::loads::ObserverOptions&>,                        \
                  "LOADS_OBSERVER: " #Class " needs a constructor taking const loads::ObserverOptions&"); \
    static constexpr ::loads::detail::OptionTable loads_detail_observer_options__##NAME =                 \
        ::loads::detail::option_table(__VA_ARGS__);                                                       \
    static constexpr ::loads_observer_v1 loads_detail_observer__##NAME = {                                \
        sizeof(::loads_observer_v1),                                                                      \
        LOADS_ABI_MAJOR,                                                                                  \
        LOADS_ABI_MINOR,                                                                                  \
        ::loads::detail::literal(#NAME),                                                                  \
        ::loads::detail::literal(DESCRIPTION),                                                            \
        loads_detail_observer_options__##NAME.options,                                                    \
        loads_detail_observer_options__##NAME.count,                                                      \
        &::loads::detail::observer_notify<Class>};                                                        \
    extern "C" LOADS_DETAIL_OBSERVER_ATTRIBUTES const ::loads_observer_v1* const loads_n__##NAME =        \
        &loads_detail_observer__##NAME;
