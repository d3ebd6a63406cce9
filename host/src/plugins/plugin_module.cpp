#include "plugins/plugin_module.hpp"

#include <algorithm>
#include <cstddef>
#include <set>

#include <dlfcn.h>

#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>

#include "base/usage_error.hpp"

namespace loads::host {

struct PluginModule::Library {
    boost::dll::shared_library lib;
};

std::vector<TestName> list_tests(const std::filesystem::path& file) {
    std::vector<std::string> symbols;
    try {
        boost::dll::library_info info(file);
        symbols = info.symbols(LOADS_TEST_SECTION);
    } catch (const std::exception& e) {
        throw UsageError(file.string() + " is not a loads plugin: not a readable shared library (" +
                         e.what() + ")");
    }
    std::vector<TestName> tests;
    for (const auto& s : symbols) {
        TestName t = parse_test_symbol(s);
        if (!t.klass.empty()) {
            tests.push_back(std::move(t));
        }
    }
    if (tests.empty()) {
        throw UsageError(file.string() +
                         " is not a loads plugin: it exports no tests (build it with loads-build "
                         "or loads_add_test_plugin, and register tests with LOADS_TESTS)");
    }
    std::sort(tests.begin(), tests.end(), [](const TestName& a, const TestName& b) {
        return std::tie(a.klass, a.test) < std::tie(b.klass, b.test);
    });
    return tests;
}

PluginModule::PluginModule(std::filesystem::path file, std::unique_ptr<Library> lib,
                           std::vector<TestName> tests)
    : m_file(std::move(file)), m_lib(std::move(lib)), m_tests(std::move(tests)) {}

PluginModule::~PluginModule() = default;

std::shared_ptr<PluginModule> PluginModule::load(const std::filesystem::path& file) {
    std::vector<TestName> tests = list_tests(file);
    auto lib = std::make_unique<Library>();
    try {
        // RTLD_NODELETE: even when the shared_library handle goes, the code stays mapped, so no
        // instance, outcome string or code pointer can ever dangle (Boost.DLL passes the native
        // flags through to dlopen).
        const auto mode = static_cast<boost::dll::load_mode::type>(RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        lib->lib.load(std::filesystem::absolute(file), mode);
    } catch (const std::exception& e) {
        throw UsageError("cannot load plugin " + file.string() + ": " + e.what());
    }
    return std::shared_ptr<PluginModule>(new PluginModule(file, std::move(lib), std::move(tests)));
}

void check_test_listed(const std::vector<TestName>& tests, const Fqn& fqn,
                       const std::filesystem::path& file) {
    const bool class_known =
        std::any_of(tests.begin(), tests.end(), [&](const TestName& t) { return t.klass == fqn.klass; });
    if (!class_known) {
        std::set<std::string> classes;
        for (const auto& t : tests) {
            classes.insert(t.klass);
        }
        std::string list;
        for (const auto& c : classes) {
            list += (list.empty() ? "" : ", ") + c;
        }
        throw UsageError("class '" + fqn.klass + "' not found in module '" + fqn.module + "' (" +
                         file.string() + "); it has: " + list);
    }
    const bool test_known = std::any_of(tests.begin(), tests.end(), [&](const TestName& t) {
        return t.klass == fqn.klass && t.test == fqn.test;
    });
    if (!test_known) {
        std::string list;
        for (const auto& t : tests) {
            if (t.klass == fqn.klass) {
                list += (list.empty() ? "" : ", ") + t.test;
            }
        }
        throw UsageError("test '" + fqn.test + "' not found in class '" + fqn.klass + "' of module '" +
                         fqn.module + "'; it has: " + list);
    }
}

const loads_test_v1* PluginModule::resolve(const Fqn& fqn) const {
    check_test_listed(m_tests, fqn, m_file);
    const loads_test_v1* test = nullptr;
    try {
        test = m_lib->lib.get<const loads_test_v1*>(fqn.symbol());
    } catch (const std::exception& e) {
        throw UsageError("cannot read test " + fqn.str() + " from " + m_file.string() + ": " + e.what());
    }
    // struct_size and the version pair are the frozen head of every descriptor version.
    if (test == nullptr || !LOADS_HAS_FIELD(test, loads_test_v1, abi_minor)) {
        throw UsageError(m_file.string() + " is not a loads plugin: test symbol " + fqn.symbol() +
                         " has no valid descriptor");
    }
    if (test->abi_major != LOADS_ABI_MAJOR || test->abi_minor > LOADS_ABI_MINOR) {
        throw UsageError(m_file.string() + " was built for loads ABI " + std::to_string(test->abi_major) +
                         "." + std::to_string(test->abi_minor) + " but this loads-runner supports ABI " +
                         std::to_string(LOADS_ABI_MAJOR) + "." + std::to_string(LOADS_ABI_MINOR) +
                         "; rebuild the plugin against this SDK");
    }
    const loads_class_v1* klass = test->klass;
    // Every field of version 1 must be there (a struct that grows later stays acceptable).
    if (!LOADS_HAS_FIELD(test, loads_test_v1, run) || test->run == nullptr || klass == nullptr ||
        !LOADS_HAS_FIELD(klass, loads_class_v1, tear_down) || klass->create == nullptr ||
        klass->destroy == nullptr || klass->set_up == nullptr || klass->tear_down == nullptr) {
        throw UsageError(m_file.string() + ": test " + fqn.str() + " has an incomplete descriptor");
    }
    return test;
}

}  // namespace loads::host
