// Fqn: `module.Class.test`, the name of one test method, and the module part alone.
#pragma once

#include <string>
#include <string_view>

namespace loads::host {

struct Fqn {
    std::string module;  ///< "example", or "pkg.sub.example" for a plugin in pkg/sub/.
    std::string klass;   ///< Class name.
    std::string test;    ///< Method name.

    /// Symbol the SDK exports for this test.
    std::string symbol() const;
    /// The name as given: `module.Class.test`, or an external runner's name that is not one
    /// (klass and test empty, the whole name in module).
    std::string str() const { return klass.empty() ? module : module + "." + klass + "." + test; }
};

/// Parses `module.Class.test`. The last two parts are the class and the method; what comes
/// before is the module. Every part must be a C identifier (module parts may also hold '-').
/// @throws UsageError with a one-line explanation.
Fqn parse_fqn(std::string_view text);

/// The name of a test an external runner (--test-runner) runs: whatever that runner understands
/// (`tests.test_site.TestSite.test_es`, `javascript_tests.js`), split as parse_fqn does when it
/// has that shape. It must be printable text of at most 1024 bytes that does not start with '-'.
/// @throws UsageError.
Fqn external_test_name(std::string_view text);

/// Checks a module name as given to --list. @throws UsageError.
void check_module_name(std::string_view module);

/// The class and method encoded in a test symbol name, or empty strings if it is not one.
struct TestName {
    std::string klass;
    std::string test;
};
TestName parse_test_symbol(std::string_view symbol);

}  // namespace loads::host
