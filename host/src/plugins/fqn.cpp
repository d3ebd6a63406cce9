#include "plugins/fqn.hpp"

#include <vector>

#include <loads/abi.h>

#include "base/usage_error.hpp"

namespace loads::host {
namespace {

bool is_identifier(std::string_view s, bool allow_dash) {
    if (s.empty() || (s[0] >= '0' && s[0] <= '9')) {
        return false;
    }
    for (char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '_' || (allow_dash && c == '-');
        if (!ok) {
            return false;
        }
    }
    return true;
}

std::vector<std::string_view> split_dots(std::string_view text) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = text.find('.', start);
        parts.push_back(text.substr(start, dot == std::string_view::npos ? text.npos : dot - start));
        if (dot == std::string_view::npos) {
            return parts;
        }
        start = dot + 1;
    }
}

}  // namespace

std::string Fqn::symbol() const {
    return std::string(LOADS_TEST_SYMBOL_PREFIX) + klass + "__" + test;
}

Fqn external_test_name(std::string_view text) {
    if (text.empty() || text.size() > 1024 || text.front() == '-') {
        throw UsageError(
            "invalid test name '" + std::string(text.substr(0, 100)) +
            "': expected the name the external runner understands (1 to 1024 bytes, not starting "
            "with '-')");
    }
    for (const char c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            throw UsageError("invalid test name: it holds a control character");
        }
    }
    try {
        return parse_fqn(text);
    } catch (const UsageError&) {
        Fqn whole;
        whole.module = std::string(text);
        return whole;
    }
}

void check_module_name(std::string_view module) {
    for (std::string_view part : split_dots(module)) {
        if (!is_identifier(part, true)) {
            throw UsageError("invalid module name '" + std::string(module) +
                             "': expected dot-separated names such as example or pkg.example");
        }
    }
}

Fqn parse_fqn(std::string_view text) {
    const std::vector<std::string_view> parts = split_dots(text);
    const std::string shown(text);
    if (parts.size() < 3) {
        throw UsageError("invalid test name '" + shown +
                         "': expected module.Class.test, e.g. example.TestWebSite.test_es");
    }
    Fqn fqn;
    fqn.klass = parts[parts.size() - 2];
    fqn.test = parts[parts.size() - 1];
    for (std::size_t i = 0; i + 2 < parts.size(); ++i) {
        if (!is_identifier(parts[i], true)) {
            throw UsageError("invalid test name '" + shown + "': module part '" + std::string(parts[i]) +
                             "' is not a name (expected module.Class.test)");
        }
        if (i > 0) {
            fqn.module += '.';
        }
        fqn.module += parts[i];
    }
    if (!is_identifier(fqn.klass, false) || !is_identifier(fqn.test, false)) {
        throw UsageError("invalid test name '" + shown +
                         "': class and test must be C++ identifiers (expected module.Class.test)");
    }
    // The symbol joins class and method with "__": a class name containing "__" or ending in '_'
    // would make the split ambiguous (Foo_ + bar and Foo + _bar give the same symbol).
    if (fqn.klass.find("__") != std::string::npos || fqn.klass.back() == '_') {
        throw UsageError("invalid test name '" + shown +
                         "': class names may not contain '__' or end with '_'");
    }
    return fqn;
}

TestName parse_test_symbol(std::string_view symbol) {
    const std::string_view prefix = LOADS_TEST_SYMBOL_PREFIX;
    if (symbol.substr(0, prefix.size()) != prefix) {
        return {};
    }
    symbol.remove_prefix(prefix.size());
    const std::size_t sep = symbol.find("__");
    if (sep == std::string_view::npos || sep == 0 || sep + 2 >= symbol.size()) {
        return {};
    }
    return {std::string(symbol.substr(0, sep)), std::string(symbol.substr(sep + 2))};
}

}  // namespace loads::host
