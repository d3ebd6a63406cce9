// OutputPlugin: one output (stdout, json, a user's own...) found by name and loaded. Built-in
// outputs are plugins like any other, in the runner's output directory; the runner links none.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <loads/abi.h>

#include "plugins/plugin_library.hpp"

namespace loads::host {

using OutputOption = PluginOption;

class OutputPlugin {
public:
    /// Finds and loads output `name`: `lib<name>.so` in the built-in directory, then in `search`
    /// (the test module path). @throws UsageError (unknown name, not an output, ABI mismatch).
    static std::shared_ptr<const OutputPlugin> load(const std::string& name,
                                                    const std::vector<std::filesystem::path>& search);

    const std::string& name() const noexcept { return m_info.name; }
    const std::string& description() const noexcept { return m_info.description; }
    const std::filesystem::path& file() const noexcept { return m_info.file; }
    const std::vector<OutputOption>& options() const noexcept { return m_info.options; }
    const loads_output_v1& descriptor() const noexcept { return *m_descriptor; }

private:
    OutputPlugin() = default;

    PluginInfo m_info;
    const loads_output_v1* m_descriptor = nullptr;
};

/// The directory of the built-in outputs: `<dir of loads-runner>/../lib/loads/outputs`, or
/// LOADS_OUTPUT_DIR when set (tests of an uninstalled runner).
std::filesystem::path builtin_output_dir();

/// Names of the built-in outputs (the `lib<name>.so` files of builtin_output_dir()), sorted.
std::vector<std::string> builtin_output_names();

/// The long option an output option becomes: `output-<output>-<option>`.
std::string output_option_key(const std::string& output, const std::string& option);

}  // namespace loads::host
