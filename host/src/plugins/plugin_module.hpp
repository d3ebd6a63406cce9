// PluginModule: one loaded test-suite plugin. Listing reads the ELF symbol table only (no plugin
// code runs); running loads the library once and keeps it loaded for the rest of the process,
// because instances, outcome strings and code pointers all live inside it.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <loads/abi.h>

#include "plugins/fqn.hpp"

namespace loads::host {

/// The tests a plugin file exports, sorted by class then method, without loading it.
/// @throws UsageError if the file is not a shared library or exports no loads tests.
std::vector<TestName> list_tests(const std::filesystem::path& file);

/// Checks that `tests` (a module's, from list_tests) hold fqn's class and test.
/// @throws UsageError naming what the module has instead.
void check_test_listed(const std::vector<TestName>& tests, const Fqn& fqn, const std::filesystem::path& file);

class PluginModule {
public:
    /// Loads the plugin. @throws UsageError (not a plugin, cannot be loaded).
    static std::shared_ptr<PluginModule> load(const std::filesystem::path& file);
    ~PluginModule();

    /// The descriptor of fqn's test, after checking that the plugin speaks this host's ABI.
    /// @throws UsageError: class or test not found (naming what the module has), ABI mismatch.
    const loads_test_v1* resolve(const Fqn& fqn) const;

    const std::filesystem::path& file() const noexcept { return m_file; }

private:
    struct Library;
    PluginModule(std::filesystem::path file, std::unique_ptr<Library> lib, std::vector<TestName> tests);

    std::filesystem::path m_file;
    std::unique_ptr<Library> m_lib;
    std::vector<TestName> m_tests;
};

}  // namespace loads::host
