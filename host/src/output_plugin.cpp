#include "output_plugin.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdlib>

#include <dlfcn.h>

#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>

#include "abi_strings.hpp"
#include "process_info.hpp"
#include "usage_error.hpp"

namespace loads::host {
namespace fs = std::filesystem;

namespace {

// Output names: [a-z0-9_] (they are C identifiers in LOADS_OUTPUT); option names: [a-z0-9-].
bool valid_name(std::string_view name, char separator) {
    if (name.empty() || name.size() > 64) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [&](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == separator;
    });
}

std::vector<fs::path> candidates(const std::string& name, const std::vector<fs::path>& search) {
    std::vector<fs::path> out;
    if (const fs::path builtin = builtin_output_dir(); !builtin.empty()) {
        out.push_back(builtin / ("lib" + name + ".so"));
    }
    for (const auto& dir : search) {
        out.push_back(dir / ("lib" + name + ".so"));
    }
    return out;
}

}  // namespace

fs::path builtin_output_dir() {
    if (const char* dir = std::getenv("LOADS_OUTPUT_DIR"); dir != nullptr && *dir != '\0') {
        return dir;
    }
    const fs::path dir = program_dir();
    return dir.empty() ? fs::path() : (dir / ".." / "lib" / "loads" / "outputs").lexically_normal();
}

std::vector<std::string> builtin_output_names() {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(builtin_output_dir(), ec)) {
        const std::string file = entry.path().filename().string();
        if (file.size() > 6 && file.starts_with("lib") && file.ends_with(".so")) {
            names.push_back(file.substr(3, file.size() - 6));
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::optional<std::string> normalised_option_value(std::int32_t type, const std::string& value) {
    if (type == LOADS_OPTION_INT) {
        std::size_t used = 0;
        try {
            (void)std::stoll(value, &used);
        } catch (const std::exception&) {
            return std::nullopt;
        }
        return used == value.size() ? std::optional(value) : std::nullopt;
    }
    if (type == LOADS_OPTION_FLOAT) {
        char* end = nullptr;
        const double v = std::strtod(value.c_str(), &end);
        if (value.empty() || end != value.c_str() + value.size() || !std::isfinite(v)) {
            return std::nullopt;
        }
        return value;
    }
    if (type == LOADS_OPTION_BOOL) {
        if (value == "true" || value == "True" || value == "yes" || value == "on" || value == "1") {
            return "true";
        }
        if (value == "false" || value == "False" || value == "no" || value == "off" || value == "0") {
            return "false";
        }
        return std::nullopt;
    }
    return value;
}

const char* option_type_text(std::int32_t type) {
    switch (type) {
        case LOADS_OPTION_INT:
            return "an integer";
        case LOADS_OPTION_FLOAT:
            return "a number";
        case LOADS_OPTION_BOOL:
            return "true or false";
        default:
            return "text";
    }
}

std::string output_option_key(const std::string& output, const std::string& option) {
    std::string key = "output-" + output + "-" + option;
    std::replace(key.begin(), key.end(), '_', '-');
    return key;
}

std::shared_ptr<const OutputPlugin> OutputPlugin::load(const std::string& name,
                                                       const std::vector<fs::path>& search) {
    if (!valid_name(name, '_')) {
        throw UsageError("invalid output name '" + name + "': use lower case letters, digits and '_'");
    }
    fs::path file;
    std::string tried;
    for (const auto& candidate : candidates(name, search)) {
        std::error_code ec;
        if (fs::is_regular_file(candidate, ec)) {
            file = candidate;
            break;
        }
        tried += (tried.empty() ? "" : ", ") + candidate.string();
    }
    if (file.empty()) {
        const auto builtins = builtin_output_names();
        std::string list;
        for (const auto& b : builtins) {
            list += (list.empty() ? "" : ", ") + b;
        }
        throw UsageError("unknown output '" + name + "': the built-in outputs are " +
                         (list.empty() ? std::string("missing") : list) + ", and no lib" + name +
                         ".so was found (looked for " + tried + ")");
    }

    const std::string symbol = LOADS_OUTPUT_SYMBOL_PREFIX + name;
    std::vector<std::string> symbols;
    try {
        symbols = boost::dll::library_info(file).symbols(LOADS_OUTPUT_SECTION);
    } catch (const std::exception& e) {
        throw UsageError(file.string() + " is not a loads output: not a readable shared library (" +
                         e.what() + ")");
    }
    if (std::find(symbols.begin(), symbols.end(), symbol) == symbols.end()) {
        throw UsageError(file.string() + " is not a loads output: it does not export the output '" + name +
                         "' (register it with LOADS_OUTPUT(Class, " + name + ", ...))");
    }
    // RTLD_NODELETE: the code stays mapped when `lib` goes, until the process exits.
    boost::dll::shared_library lib;
    const loads_output_v1* d = nullptr;
    try {
        const auto mode = static_cast<boost::dll::load_mode::type>(RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        lib.load(fs::absolute(file), mode);
        d = lib.get<const loads_output_v1*>(symbol);
    } catch (const std::exception& e) {
        throw UsageError("cannot load output " + file.string() + ": " + e.what());
    }

    constexpr std::size_t k_head = offsetof(loads_output_v1, abi_minor) + sizeof(std::uint16_t);
    if (d == nullptr || d->struct_size < k_head) {
        throw UsageError(file.string() + ": output '" + name + "' has no valid descriptor");
    }
    if (d->abi_major != LOADS_ABI_MAJOR || d->abi_minor > LOADS_ABI_MINOR || d->abi_minor < 2) {
        throw UsageError(file.string() + " was built for loads ABI " + std::to_string(d->abi_major) + "." +
                         std::to_string(d->abi_minor) + " but this loads-runner supports outputs of ABI " +
                         std::to_string(LOADS_ABI_MAJOR) + ".2 to " + std::to_string(LOADS_ABI_MAJOR) + "." +
                         std::to_string(LOADS_ABI_MINOR) + "; rebuild the output against this SDK");
    }
    // The 1.2 layout is the least a plugin may have; slots appended later are read only when
    // struct_size covers them.
    constexpr std::size_t k_v12_size = offsetof(loads_output_v1, finish) + sizeof(d->finish);
    if (d->struct_size < k_v12_size || d->create == nullptr || d->destroy == nullptr ||
        d->finish == nullptr || (d->option_count > 0 && d->options == nullptr)) {
        throw UsageError(file.string() + ": output '" + name + "' has an incomplete descriptor");
    }
    if (text(d->name) != name) {
        throw UsageError(file.string() + ": output symbol '" + symbol + "' describes an output named '" +
                         std::string(text(d->name)) + "'");
    }
    std::shared_ptr<OutputPlugin> plugin(new OutputPlugin());
    plugin->m_name = name;
    plugin->m_description = text(d->description);
    plugin->m_file = file;
    plugin->m_descriptor = d;
    for (std::size_t i = 0; i < d->option_count; ++i) {
        const loads_option_v1& o = d->options[i];
        OutputOption option{std::string(text(o.name)), std::string(text(o.help)), o.type,
                            std::string(text(o.default_value))};
        if (!valid_name(option.name, '-') || o.type < LOADS_OPTION_STRING || o.type > LOADS_OPTION_BOOL) {
            throw UsageError(file.string() + ": output '" + name + "' declares an invalid option '" +
                             option.name + "' (names are lower case letters, digits and '-')");
        }
        // A default is what create receives when the option is not given: it must be a value
        // of the option's type like any other.
        const auto normalised = normalised_option_value(o.type, option.default_value);
        if (!normalised) {
            throw UsageError(file.string() + ": output '" + name + "' declares option '" + option.name +
                             "' with the default '" + option.default_value + "', which is not " +
                             option_type_text(o.type));
        }
        option.default_value = *normalised;
        plugin->m_options.push_back(std::move(option));
    }
    return plugin;
}

}  // namespace loads::host
