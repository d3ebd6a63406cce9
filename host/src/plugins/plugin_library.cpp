#include "plugins/plugin_library.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <dlfcn.h>

#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>

#include "base/abi_strings.hpp"
#include "base/process_info.hpp"
#include "base/usage_error.hpp"

namespace loads::host {
namespace fs = std::filesystem;

namespace {

// Plugin names: [a-z0-9_] (they are C identifiers in the registration macros); option names:
// [a-z0-9-].
bool valid_name(std::string_view name, char separator) {
    if (name.empty() || name.size() > 64) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [&](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == separator;
    });
}

// The fields every registration struct starts with (a common initial sequence).
struct RegistrationHead {
    std::uint32_t struct_size;
    std::uint16_t abi_major;
    std::uint16_t abi_minor;
};

}  // namespace

bool valid_plugin_name(std::string_view name) {
    return valid_name(name, '_');
}

fs::path builtin_plugin_folder(const char* env, const char* folder) {
    if (const char* dir = std::getenv(env); dir != nullptr && *dir != '\0') {
        return dir;
    }
    const fs::path dir = program_dir();
    return dir.empty() ? fs::path() : (dir / ".." / "lib" / "loads" / folder).lexically_normal();
}

void check_registration_head(const PluginKind& kind, const std::string& name,
                             const LoadedRegistration& loaded, std::uint16_t min_minor) {
    const auto* head = static_cast<const RegistrationHead*>(loaded.descriptor);
    const std::string file = loaded.file.string();
    if (head == nullptr || !LOADS_HAS_FIELD(head, RegistrationHead, abi_minor)) {
        throw UsageError(file + ": " + kind.noun + " '" + name + "' has no valid descriptor");
    }
    if (head->abi_major != LOADS_ABI_MAJOR || head->abi_minor > LOADS_ABI_MINOR ||
        head->abi_minor < min_minor) {
        const std::string major = std::to_string(LOADS_ABI_MAJOR);
        throw UsageError(file + " was built for loads ABI " + std::to_string(head->abi_major) + "." +
                         std::to_string(head->abi_minor) + " but this loads supports " + kind.noun +
                         "s of ABI " + major + "." + std::to_string(min_minor) + " to " + major + "." +
                         std::to_string(LOADS_ABI_MINOR) + "; rebuild the " + kind.noun +
                         " against this SDK");
    }
}

std::vector<std::string> plugin_names_in(const fs::path& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string file = entry.path().filename().string();
        if (file.size() > 6 && file.starts_with("lib") && file.ends_with(".so")) {
            names.push_back(file.substr(3, file.size() - 6));
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

LoadedRegistration load_registration(const PluginKind& kind, const std::string& name,
                                     const std::vector<fs::path>& search) {
    const std::string noun = kind.noun;
    if (!valid_plugin_name(name)) {
        throw UsageError("invalid " + noun + " name '" + name + "': use lower case letters, digits and '_'");
    }
    std::vector<fs::path> candidates;
    if (!kind.builtin_dir.empty()) {
        candidates.push_back(kind.builtin_dir / ("lib" + name + ".so"));
    }
    for (const auto& dir : search) {
        candidates.push_back(dir / ("lib" + name + ".so"));
    }
    fs::path file;
    std::string tried;
    for (const auto& candidate : candidates) {
        std::error_code ec;
        if (fs::is_regular_file(candidate, ec)) {
            file = candidate;
            break;
        }
        tried += (tried.empty() ? "" : ", ") + candidate.string();
    }
    if (file.empty()) {
        std::string list;
        for (const auto& b : plugin_names_in(kind.builtin_dir)) {
            list += (list.empty() ? "" : ", ") + b;
        }
        throw UsageError("unknown " + noun + " '" + name + "': the built-in " + noun + "s are " +
                         (list.empty() ? std::string("missing") : list) + ", and no lib" + name +
                         ".so was found (looked for " + tried + ")");
    }

    const std::string symbol = kind.symbol_prefix + name;
    std::vector<std::string> symbols;
    try {
        symbols = boost::dll::library_info(file).symbols(kind.section);
    } catch (const std::exception& e) {
        throw UsageError(file.string() + " is not a loads " + noun + ": not a readable shared library (" +
                         e.what() + ")");
    }
    if (std::find(symbols.begin(), symbols.end(), symbol) == symbols.end()) {
        throw UsageError(file.string() + " is not a loads " + noun + ": it does not export the " + noun +
                         " '" + name + "' (register it with " + kind.macro + "(Class, " + name + ", ...))");
    }
    // RTLD_NODELETE: the code stays mapped when `lib` goes, until the process exits.
    boost::dll::shared_library lib;
    LoadedRegistration loaded;
    loaded.file = file;
    try {
        const auto mode = static_cast<boost::dll::load_mode::type>(RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        lib.load(fs::absolute(file), mode);
        loaded.descriptor = lib.get<const void*>(symbol);
    } catch (const std::exception& e) {
        throw UsageError("cannot load " + noun + " " + file.string() + ": " + e.what());
    }
    return loaded;
}

PluginInfo plugin_info(const PluginKind& kind, const std::string& name, const LoadedRegistration& loaded,
                       loads_str registered_name, loads_str description, const loads_option_v1* options,
                       std::size_t count) {
    const fs::path& file = loaded.file;
    if (text(registered_name) != name) {
        throw UsageError(file.string() + ": " + kind.noun + " symbol '" + kind.symbol_prefix + name +
                         "' describes " + kind.noun + " '" + std::string(text(registered_name)) + "'");
    }
    PluginInfo info{name, std::string(text(description)), file, {}};
    std::vector<PluginOption>& out = info.options;
    for (std::size_t i = 0; i < count; ++i) {
        const loads_option_v1& o = options[i];
        PluginOption option{std::string(text(o.name)), std::string(text(o.help)), o.type,
                            std::string(text(o.default_value))};
        if (!valid_name(option.name, '-') || o.type < LOADS_OPTION_STRING || o.type > LOADS_OPTION_BOOL) {
            throw UsageError(file.string() + ": " + kind.noun + " '" + name +
                             "' declares an invalid option '" + option.name +
                             "' (names are lower case letters, digits and '-')");
        }
        // A default is what the plugin receives when the option is not given: it must be a value
        // of the option's type like any other.
        const auto normalised = normalised_option_value(o.type, option.default_value);
        if (!normalised) {
            throw UsageError(file.string() + ": " + kind.noun + " '" + name + "' declares option '" +
                             option.name + "' with the default '" + option.default_value +
                             "', which is not " + option_type_text(o.type));
        }
        option.default_value = *normalised;
        out.push_back(std::move(option));
    }
    return info;
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

std::string plugin_option_key(const std::string& prefix, const std::string& plugin,
                              const std::string& option) {
    std::string key = prefix + "-" + plugin + "-" + option;
    std::replace(key.begin(), key.end(), '_', '-');
    return key;
}

}  // namespace loads::host
