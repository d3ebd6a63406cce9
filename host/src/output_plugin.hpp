// OutputPlugin: one output (stdout, json, a user's own...) found by name and loaded. Built-in
// outputs are plugins like any other, in the runner's output directory; the runner links none.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <loads/abi.h>

namespace loads::host {

struct OutputOption {
    std::string name;  ///< As declared ("filename").
    std::string help;
    std::int32_t type = LOADS_OPTION_STRING;
    std::string default_value;
};

class OutputPlugin {
public:
    /// Finds and loads output `name`: `lib<name>.so` in the built-in directory, then in `search`
    /// (the test module path). @throws UsageError (unknown name, not an output, ABI mismatch).
    static std::shared_ptr<const OutputPlugin> load(const std::string& name,
                                                    const std::vector<std::filesystem::path>& search);

    const std::string& name() const noexcept { return m_name; }
    const std::string& description() const noexcept { return m_description; }
    const std::filesystem::path& file() const noexcept { return m_file; }
    const std::vector<OutputOption>& options() const noexcept { return m_options; }
    const loads_output_v1& descriptor() const noexcept { return *m_descriptor; }

private:
    OutputPlugin() = default;

    std::string m_name;
    std::string m_description;
    std::filesystem::path m_file;
    std::vector<OutputOption> m_options;
    const loads_output_v1* m_descriptor = nullptr;
};

/// The directory of the built-in outputs: `<dir of loads-runner>/../lib/loads/outputs`, or
/// LOADS_OUTPUT_DIR when set (tests of an uninstalled runner).
std::filesystem::path builtin_output_dir();

/// Names of the built-in outputs (the `lib<name>.so` files of builtin_output_dir()), sorted.
std::vector<std::string> builtin_output_names();

/// `value` as an option of `type` receives it ("yes" → "true" for BOOL), or nothing when it is not
/// one (an INT that is not an integer...).
std::optional<std::string> normalised_option_value(std::int32_t type, const std::string& value);

/// "an integer", "a number", "true or false" or "text": what an option of `type` takes.
const char* option_type_text(std::int32_t type);

/// The long option an output option becomes: `output-<output>-<option>`.
std::string output_option_key(const std::string& output, const std::string& option);

}  // namespace loads::host
