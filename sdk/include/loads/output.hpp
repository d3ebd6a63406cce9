/// @file output.hpp
/// @brief The C++ face of output plugins: derive from loads::Output, register with LOADS_OUTPUT.
///
/// @code
/// #include <loads/output.hpp>
///
/// class Tally : public loads::Output {
/// public:
///     explicit Tally(const loads::OutputOptions& options) : m_path(options.string("filename")) {}
///     void finish(const loads_snapshot& s) override {
///         loads::write_file(m_path, std::to_string(s.total->hits) + " hits\n");
///     }
/// private:
///     std::string m_path;
/// };
///
/// constexpr loads_option_v1 k_tally_options[] = {
///     loads::option("filename", "where to write the tally", LOADS_OPTION_STRING, "tally.txt"),
/// };
/// LOADS_OUTPUT(Tally, tally, "writes the number of hits to a file", 0, k_tally_options)
/// @endcode
///
/// Built as `libtally.so` (loads_add_output_plugin in CMake), it runs with
/// `loads-runner --output tally --output-tally-filename /tmp/t.txt module.Class.test`.
///
/// Only the calls a class overrides are wired (the others stay NULL in the descriptor), so an
/// output without `refresh` costs the runner no snapshot every second.
///
/// Threads: the constructor and destructor run on the runner's main thread; start, event,
/// progress, refresh and finish run one at a time on a thread of the output's own, so an
/// output needs no locking of its own state. Exceptions never cross into the runner: one thrown
/// by the constructor, start or finish becomes the one-line error the runner prints; one thrown
/// by event, progress or refresh is kept and reported by finish (later calls still happen).
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include <sys/stat.h>
#include <unistd.h>

#include "abi.h"
#include "plugin_options.hpp"

namespace loads {

/// An output's option values, by the names it declared (see loads::PluginOptions).
using OutputOptions = PluginOptions;

/// Base class of output plugins. Override what you need; `finish` is where a report is written.
/// The derived class's constructor takes `const loads::OutputOptions&`.
class Output {
public:
    virtual ~Output() = default;
    /// The run begins (copy what you keep from `run`: it lives only during the call).
    virtual void start(const loads_run_info& run) { (void)run; }
    /// One event of a kind the output asked for in LOADS_OUTPUT's mask.
    virtual void event(const loads_event& event) { (void)event; }
    /// About every 100 ms.
    virtual void progress(const loads_progress& progress) { (void)progress; }
    /// About every second: the figures so far and those of the last interval.
    virtual void refresh(const loads_snapshot& snapshot) { (void)snapshot; }
    /// The run is over. Throw to report that the output could not do its job (the runner then
    /// exits with status 5).
    virtual void finish(const loads_snapshot& snapshot) = 0;
};

/// Opens `path` for writing ("-" means stdout), or throws a one-line std::runtime_error naming
/// the file and the reason. The caller closes it with close_file.
inline std::FILE* open_file(const std::string& path, const char* mode = "w") {
    if (path == "-") {
        return stdout;
    }
    std::FILE* f = std::fopen(path.c_str(), mode);
    if (f == nullptr) {
        throw std::runtime_error("cannot write '" + path + "': " + std::strerror(errno));
    }
    return f;
}

/// Flushes and closes a file from open_file; throws a one-line error if anything was lost.
inline void close_file(std::FILE* f, const std::string& path) {
    errno = 0;
    const bool failed = std::fflush(f) != 0 || std::ferror(f) != 0;
    const int flush_errno = errno;
    const bool close_failed = f != stdout && std::fclose(f) != 0;
    if (failed || close_failed) {
        const int why = flush_errno != 0 ? flush_errno : (errno != 0 ? errno : EIO);
        throw std::runtime_error("cannot write '" + path + "': " + std::strerror(why));
    }
}

/// Throws a one-line std::runtime_error unless `path` ("-" is stdout) could be written, without
/// touching it: an output checks its report's path when it is created, so a bad path stops the
/// runner before the load, and an old report stays as it was until the new one is written.
inline void check_writable(const std::string& path) {
    if (path == "-") {
        return;
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            throw std::runtime_error("cannot write '" + path + "': it is a directory");
        }
        if (::access(path.c_str(), W_OK) != 0) {
            throw std::runtime_error("cannot write '" + path + "': " + std::strerror(errno));
        }
        return;
    }
    std::FILE* f = std::fopen(path.c_str(), "w");  // creatable? then leave nothing behind
    if (f == nullptr) {
        throw std::runtime_error("cannot write '" + path + "': " + std::strerror(errno));
    }
    std::fclose(f);
    std::remove(path.c_str());
}

/// Writes `content` to `path` ("-": stdout) in one go; throws a one-line error on failure.
inline void write_file(const std::string& path, std::string_view content) {
    std::FILE* f = open_file(path);
    std::fwrite(content.data(), 1, content.size(), f);
    close_file(f, path);
}

namespace detail {

/// One output instance as the runner holds it, with the storage for the error it reports.
template <class O>
struct OutputInstance {
    std::optional<O> object;
    std::string error;          ///< The message behind the last loads_outcome filled.
    std::string pending_error;  ///< First exception from event/progress/refresh, for finish.
};

template <class O>
void* output_create(const loads_output_config* config, loads_outcome* error) noexcept {
    // The message must outlive this call, and there is no instance to hold it when the
    // constructor fails. The runner calls create from its main thread only, so one static string
    // will do; not a thread_local: in a dlopen'ed plugin that would be dynamic TLS, which
    // LeakSanitizer (GCC 12) scans wrongly at exit and then crashes.
    static std::string failure;
    auto* inst = new (std::nothrow) OutputInstance<O>();
    if (inst == nullptr) {
        failure = "out of memory";
        fill(error, failure);
        return nullptr;
    }
    try {
        inst->object.emplace(OutputOptions(*config));
        return inst;
    } catch (...) {
        try {
            failure = describe_current_exception();
        } catch (...) {
            failure.clear();
        }
        delete inst;
        fill(error, failure);
        return nullptr;
    }
}

template <class O>
void output_destroy(void* self) noexcept {
    try {
        delete static_cast<OutputInstance<O>*>(self);
    } catch (...) {
    }
}

template <class O, class F>
std::int32_t output_guarded(void* self, loads_outcome* error, F&& f) noexcept {
    auto* inst = static_cast<OutputInstance<O>*>(self);
    try {
        f(*inst->object);
        return LOADS_STATUS_SUCCESS;
    } catch (...) {
        try {
            inst->error = describe_current_exception();
        } catch (...) {
            inst->error.clear();
        }
        fill(error, inst->error);
        return LOADS_STATUS_ERROR;
    }
}

template <class O, class F>
void output_quiet(void* self, F&& f) noexcept {
    auto* inst = static_cast<OutputInstance<O>*>(self);
    try {
        f(*inst->object);
    } catch (...) {
        if (inst->pending_error.empty()) {
            try {
                inst->pending_error = describe_current_exception();
            } catch (...) {
            }
        }
    }
}

// The runner skips the calls an output does not override (a NULL slot): no refresh snapshot is
// even built when no output overrides refresh. `&O::f` names Output::f unless O declares its own.
template <class O>
constexpr bool overrides_start =
    !std::is_same_v<decltype(&O::start), void (Output::*)(const loads_run_info&)>;
template <class O>
constexpr bool overrides_event = !std::is_same_v<decltype(&O::event), void (Output::*)(const loads_event&)>;
template <class O>
constexpr bool overrides_progress =
    !std::is_same_v<decltype(&O::progress), void (Output::*)(const loads_progress&)>;
template <class O>
constexpr bool overrides_refresh =
    !std::is_same_v<decltype(&O::refresh), void (Output::*)(const loads_snapshot&)>;

template <class O>
std::int32_t output_start(void* self, const loads_run_info* run, loads_outcome* error) noexcept {
    return output_guarded<O>(self, error, [&](O& o) { o.start(*run); });
}
template <class O>
void output_event(void* self, const loads_event* event) noexcept {
    output_quiet<O>(self, [&](O& o) { o.event(*event); });
}
template <class O>
void output_progress(void* self, const loads_progress* progress) noexcept {
    output_quiet<O>(self, [&](O& o) { o.progress(*progress); });
}
template <class O>
void output_refresh(void* self, const loads_snapshot* snapshot) noexcept {
    output_quiet<O>(self, [&](O& o) { o.refresh(*snapshot); });
}
template <class O>
std::int32_t output_finish(void* self, const loads_snapshot* snapshot, loads_outcome* error) noexcept {
    auto* inst = static_cast<OutputInstance<O>*>(self);
    const std::int32_t status = output_guarded<O>(self, error, [&](O& o) { o.finish(*snapshot); });
    if (status == LOADS_STATUS_SUCCESS && !inst->pending_error.empty()) {
        inst->error = inst->pending_error;
        fill(error, inst->error);
        return LOADS_STATUS_ERROR;
    }
    return status;
}

}  // namespace detail
}  // namespace loads

#if defined(__GNUC__) || defined(__clang__)
#define LOADS_DETAIL_OUTPUT_ATTRIBUTES \
    __attribute__((visibility("default"), used, section(LOADS_OUTPUT_SECTION)))
#else
#error "loads plugins need GCC or Clang (named sections for output discovery)"
#endif

/// Registers `Class` (derived from loads::Output) as the output `NAME`: an identifier of lower
/// case letters, digits and '_', written without quotes; it is the name used with --output and
/// the plugin's file name (lib<NAME>.so). `DESCRIPTION` is one
/// line for --help; `EVENTS` the mask of loads_event kinds wanted (0, LOADS_EVENTS_ALL or
/// `1u << LOADS_EVENT_HIT | ...`); the optional last argument a constexpr array of
/// loads_option_v1 made with loads::option. Use it once per output, at namespace scope.
#define LOADS_OUTPUT(Class, NAME, DESCRIPTION, EVENTS, ...)                                              \
    static_assert(std::is_base_of_v<::loads::Output, Class>,                                             \
                  "LOADS_OUTPUT: " #Class " must derive from loads::Output");                            \
    static_assert(std::is_constructible_v<Class, const ::loads::OutputOptions&>,                         \
                  "LOADS_OUTPUT: " #Class " needs a constructor taking const loads::OutputOptions&");    \
    static constexpr ::loads::detail::OptionTable loads_detail_options__##NAME =                         \
        ::loads::detail::option_table(__VA_ARGS__);                                                      \
    static constexpr ::loads_output_v1 loads_detail_output__##NAME = {                                   \
        sizeof(::loads_output_v1),                                                                       \
        LOADS_ABI_MAJOR,                                                                                 \
        LOADS_ABI_MINOR,                                                                                 \
        ::loads::detail::literal(#NAME),                                                                 \
        ::loads::detail::literal(DESCRIPTION),                                                           \
        loads_detail_options__##NAME.options,                                                            \
        loads_detail_options__##NAME.count,                                                              \
        (EVENTS),                                                                                        \
        &::loads::detail::output_create<Class>,                                                          \
        &::loads::detail::output_destroy<Class>,                                                         \
        ::loads::detail::overrides_start<Class> ? &::loads::detail::output_start<Class> : nullptr,       \
        ::loads::detail::overrides_event<Class> ? &::loads::detail::output_event<Class> : nullptr,       \
        ::loads::detail::overrides_progress<Class> ? &::loads::detail::output_progress<Class> : nullptr, \
        ::loads::detail::overrides_refresh<Class> ? &::loads::detail::output_refresh<Class> : nullptr,   \
        &::loads::detail::output_finish<Class>};                                                         \
    extern "C" LOADS_DETAIL_OUTPUT_ATTRIBUTES const ::loads_output_v1* const loads_o__##NAME =           \
        &loads_detail_output__##NAME;
