/// @file registration.hpp
/// @brief LOADS_TESTS(Class, test_a, test_b, ...): exports test methods through the C ABI.
///
/// For each method the macro emits, with constant initialisation only (nothing runs at dlopen):
///  - a static loads_class_v1 for the class (once per LOADS_TESTS),
///  - a static loads_test_v1 for the method,
///  - an exported, unmangled pointer `loads_t__<Class>__<method>` in the `loadstst` section, which
///    loads-runner lists without loading the plugin and resolves by name when running it.
/// Every call from the host enters through the noexcept trampolines below, which turn exceptions
/// into outcomes: AssertionError → failure, anything else → error. No exception crosses the ABI.
///
/// Use LOADS_TESTS once per class, at namespace scope, in the namespace that declares the class,
/// naming the class without qualification. The class must be default-constructible and derive
/// from loads::TestCase; each method must be a public `void name()`.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>

#if defined(__GNUC__) || defined(__clang__)
#include <cxxabi.h>
#endif

#include "abi.h"
#include "exceptions.hpp"
#include "test_case.hpp"

namespace loads::detail {

/// Human-readable name of a C++ type (demangled where the compiler allows).
inline std::string type_name(const std::type_info* type) {
    if (type == nullptr) {
        return "unknown exception";
    }
#if defined(__GNUC__) || defined(__clang__)
    int status = 0;
    char* demangled = abi::__cxa_demangle(type->name(), nullptr, nullptr, &status);
    if (status == 0 && demangled != nullptr) {
        std::string out(demangled);
        std::free(demangled);
        return out;
    }
    std::free(demangled);
#endif
    return type->name();
}

inline std::string current_exception_type_name() {
#if defined(__GNUC__) || defined(__clang__)
    return type_name(abi::__cxa_current_exception_type());
#else
    return "unknown exception";
#endif
}

/// Plugin-owned storage behind the strings of a loads_outcome (valid until the next call).
struct OutcomeStore {
    std::string type;
    std::string message;
    std::string file;
    std::uint32_t line = 0;

    void publish(loads_outcome* out) const noexcept {
        if (out == nullptr) {
            return;
        }
        out->error_type = {type.data(), type.size()};
        out->message = {message.data(), message.size()};
        out->file = {file.data(), file.size()};
        out->line = line;
    }
    void fill(loads_outcome* out, std::string_view t, std::string_view m, std::string_view f,
              std::uint32_t l) noexcept {
        try {
            type.assign(t);
            message.assign(m);
            file.assign(f);
            line = l;
        } catch (...) {  // out of memory while reporting: report with what fits
            type.clear();
            message.clear();
            file.clear();
            line = 0;
        }
        publish(out);
    }
};

/// Runs `f`, mapping every exception to a loads_status and an outcome. Never throws.
template <class F>
std::int32_t guarded(OutcomeStore& store, loads_outcome* out, F&& f) noexcept {
    try {
        f();
        return LOADS_STATUS_SUCCESS;
    } catch (const AssertionError& e) {
        store.fill(out, e.type_name(), e.what(), e.file(), e.line());
        return LOADS_STATUS_FAILURE;
    } catch (const Exception& e) {
        store.fill(out, e.type_name(), e.what(), e.file(), e.line());
        return LOADS_STATUS_ERROR;
    } catch (const std::exception& e) {
        std::string name;
        try {
            name = type_name(&typeid(e));
        } catch (...) {
        }
        store.fill(out, name, e.what(), {}, 0);
        return LOADS_STATUS_ERROR;
    } catch (...) {
        std::string name;
        try {
            name = current_exception_type_name();
        } catch (...) {
        }
        store.fill(out, name, "exception not derived from std::exception", {}, 0);
        return LOADS_STATUS_ERROR;
    }
}

/// What the host's `void* instance` points to: the user's object plus the outcome storage.
template <class C>
struct Instance {
    OutcomeStore store;
    OutcomeStore construction;  ///< Set when the constructor threw; every setUp then reports it.
    bool broken = false;
    std::optional<C> object;
};

template <class C>
void* create(const loads_host_api* host, loads_vu* vu, const loads_instance_config* config) noexcept {
    auto* inst = new (std::nothrow) Instance<C>();
    if (inst == nullptr) {
        return nullptr;
    }
    const std::int32_t status = guarded(inst->construction, nullptr, [&] {
        inst->object.emplace();
        TestCase& base = *inst->object;
        base.loads_attach(host, vu);
        if (config != nullptr && config->server_url.len > 0) {
            base.server_url.assign(config->server_url.ptr, config->server_url.len);
        }
        if (config != nullptr) {
            base.user_index = config->user_index;
            base.cycle_users = config->cycle_users;
        }
    });
    inst->broken = status != LOADS_STATUS_SUCCESS;
    return inst;
}

template <class C>
void destroy(void* instance) noexcept {
    auto* inst = static_cast<Instance<C>*>(instance);
    // A throwing destructor must not cross the ABI: swallow it, the object is gone either way.
    try {
        delete inst;
    } catch (...) {
    }
}

template <class C>
std::int32_t set_up(void* instance, loads_outcome* out) noexcept {
    auto* inst = static_cast<Instance<C>*>(instance);
    if (inst->broken) {
        inst->construction.publish(out);
        return LOADS_STATUS_ERROR;
    }
    return guarded(inst->store, out, [&] { inst->object->setUp(); });
}

template <class C>
std::int32_t tear_down(void* instance, loads_outcome* out) noexcept {
    auto* inst = static_cast<Instance<C>*>(instance);
    if (inst->broken) {
        return LOADS_STATUS_SUCCESS;
    }
    return guarded(inst->store, out, [&] { inst->object->tearDown(); });
}

template <class C, void (C::*Method)()>
std::int32_t run_test(void* instance, loads_outcome* out) noexcept {
    auto* inst = static_cast<Instance<C>*>(instance);
    if (inst->broken) {
        inst->construction.publish(out);
        return LOADS_STATUS_ERROR;
    }
    return guarded(inst->store, out, [&] { ((*inst->object).*Method)(); });
}

/// Whether a class name can be encoded in a test symbol: `loads_t__<Class>__<method>` is split at
/// the first "__", so the class name may neither contain "__" nor end with '_'.
constexpr bool encodable_class_name(std::string_view name) {
    return !name.empty() && name.find("__") == std::string_view::npos && name.back() != '_';
}

}  // namespace loads::detail

#if defined(__GNUC__) || defined(__clang__)
#define LOADS_DETAIL_TEST_ATTRIBUTES __attribute__((visibility("default"), used, section(LOADS_TEST_SECTION)))
#else
#error "loads plugins need GCC or Clang (named sections for test discovery)"
#endif

// LOADS_DETAIL_FOR_EACH(m, cls, a, b, c) → m(cls, a) m(cls, b) m(cls, c); up to 256 arguments.
#define LOADS_DETAIL_PARENS ()
#define LOADS_DETAIL_EXPAND(...) LOADS_DETAIL_EXPAND3(LOADS_DETAIL_EXPAND3(LOADS_DETAIL_EXPAND3(__VA_ARGS__)))
#define LOADS_DETAIL_EXPAND3(...) \
    LOADS_DETAIL_EXPAND2(LOADS_DETAIL_EXPAND2(LOADS_DETAIL_EXPAND2(__VA_ARGS__)))
#define LOADS_DETAIL_EXPAND2(...) \
    LOADS_DETAIL_EXPAND1(LOADS_DETAIL_EXPAND1(LOADS_DETAIL_EXPAND1(__VA_ARGS__)))
#define LOADS_DETAIL_EXPAND1(...) __VA_ARGS__
#define LOADS_DETAIL_FOR_EACH(macro, cls, ...) \
    __VA_OPT__(LOADS_DETAIL_EXPAND(LOADS_DETAIL_FOR_EACH_STEP(macro, cls, __VA_ARGS__)))
#define LOADS_DETAIL_FOR_EACH_STEP(macro, cls, first, ...) \
    macro(cls, first) __VA_OPT__(LOADS_DETAIL_FOR_EACH_AGAIN LOADS_DETAIL_PARENS(macro, cls, __VA_ARGS__))
#define LOADS_DETAIL_FOR_EACH_AGAIN() LOADS_DETAIL_FOR_EACH_STEP

#define LOADS_DETAIL_EXPORT_TEST(Class, method)                                                          \
    static_assert(std::is_same_v<decltype(&Class::method), void (Class::*)()>,                           \
                  "LOADS_TESTS: " #Class "::" #method " must be a public, non-overloaded `void " #method \
                  "()`");                                                                                \
    static constexpr ::loads_test_v1 loads_detail_test__##Class##__##method = {                          \
        sizeof(::loads_test_v1),                                                                         \
        LOADS_ABI_MAJOR,                                                                                 \
        LOADS_ABI_MINOR,                                                                                 \
        &loads_detail_class__##Class,                                                                    \
        {#method, sizeof(#method) - 1},                                                                  \
        &::loads::detail::run_test<Class, &Class::method>};                                              \
    extern "C" LOADS_DETAIL_TEST_ATTRIBUTES const ::loads_test_v1* const loads_t__##Class##__##method =  \
        &loads_detail_test__##Class##__##method;

/// Registers test methods of a loads::TestCase subclass: LOADS_TESTS(MyTests, test_a, test_b).
#define LOADS_TESTS(Class, ...)                                                               \
    static_assert(std::is_base_of_v<::loads::TestCase, Class>,                                \
                  "LOADS_TESTS: " #Class " must derive from loads::TestCase");                \
    static_assert(std::is_default_constructible_v<Class>,                                     \
                  "LOADS_TESTS: " #Class " must be default-constructible");                   \
    static_assert(::loads::detail::encodable_class_name(#Class),                              \
                  "LOADS_TESTS: class name " #Class " may not contain '__' or end with '_'"); \
    static constexpr ::loads_class_v1 loads_detail_class__##Class = {                         \
        sizeof(::loads_class_v1),        {#Class, sizeof(#Class) - 1},                        \
        &::loads::detail::create<Class>, &::loads::detail::destroy<Class>,                    \
        &::loads::detail::set_up<Class>, &::loads::detail::tear_down<Class>};                 \
    LOADS_DETAIL_FOR_EACH(LOADS_DETAIL_EXPORT_TEST, Class, __VA_ARGS__)
