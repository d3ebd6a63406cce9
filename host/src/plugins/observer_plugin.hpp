// ObserverPlugin: one observer (irc, email, webhook, a user's own...) found by name and loaded,
// to learn its options (the runner, the broker) or to call it (loads-notify). Built-in observers
// are plugins like any other, in lib/loads/observers; no program links one.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <loads/abi.h>

#include "plugins/plugin_library.hpp"

namespace loads::host {

/// The most observers one run may name.
constexpr std::size_t k_max_observers = 16;

class ObserverPlugin {
public:
    /// Finds and loads observer `name`: `lib<name>.so` in the built-in directory, then in
    /// `search`. @throws UsageError (unknown name, not an observer, ABI mismatch).
    static std::shared_ptr<const ObserverPlugin> load(const std::string& name,
                                                      const std::vector<std::filesystem::path>& search);

    const std::string& name() const noexcept { return m_info.name; }
    const std::string& description() const noexcept { return m_info.description; }
    const std::filesystem::path& file() const noexcept { return m_info.file; }
    const std::vector<PluginOption>& options() const noexcept { return m_info.options; }
    const loads_observer_v1& descriptor() const noexcept { return *m_descriptor; }

private:
    ObserverPlugin() = default;

    PluginInfo m_info;
    const loads_observer_v1* m_descriptor = nullptr;
};

/// The directory of the built-in observers: `<program dir>/../lib/loads/observers`, or
/// LOADS_OBSERVER_DIR when set.
std::filesystem::path builtin_observer_dir();

/// Names of the built-in observers, sorted.
std::vector<std::string> builtin_observer_names();

/// The long option an observer option becomes: `observer-<observer>-<option>`.
std::string observer_option_key(const std::string& observer, const std::string& option);

}  // namespace loads::host
