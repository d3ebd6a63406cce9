// What loading an output and loading an observer have in common: finding `lib<name>.so` (the
// built-in directory first, then the test module path), checking that it registers the plugin in
// its ELF section without running any of its code, dlopen'ing it for good, and reading the
// options it declares. OutputPlugin and ObserverPlugin add the checks of their own descriptor.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <loads/abi.h>

namespace loads::host {

/// One option a plugin declares (loads_option_v1), its default checked and normalised.
struct PluginOption {
    std::string name;  ///< As declared ("filename").
    std::string help;
    std::int32_t type = LOADS_OPTION_STRING;
    std::string default_value;
};

/// How a kind of plugin is found and registered.
struct PluginKind {
    const char* noun;           ///< "output", "observer": used in messages.
    const char* section;        ///< LOADS_OUTPUT_SECTION...
    const char* symbol_prefix;  ///< LOADS_OUTPUT_SYMBOL_PREFIX...
    const char* macro;          ///< "LOADS_OUTPUT": named in the hint of a missing registration.
    std::filesystem::path builtin_dir;
};

/// What every kind of plugin knows of one it loaded.
struct PluginInfo {
    std::string name;
    std::string description;
    std::filesystem::path file;
    std::vector<PluginOption> options;
};

/// A plugin file found and loaded: its registration pointer, read after dlopen.
struct LoadedRegistration {
    std::filesystem::path file;
    const void* descriptor = nullptr;  ///< What the exported symbol points to (may be NULL).
};

/// A built-in plugin folder: `<program dir>/../lib/loads/<folder>`, or the directory named by the
/// environment variable `env` when it is set (tests of an uninstalled build).
std::filesystem::path builtin_plugin_folder(const char* env, const char* folder);

/// Checks what every registration starts with (struct_size, abi_major, abi_minor, as in
/// loads_test_v1) against this host's ABI: the same major, a minor from `min_minor` to ours.
/// @throws UsageError naming `file`, the plugin and what to do.
void check_registration_head(const PluginKind& kind, const std::string& name,
                             const LoadedRegistration& loaded, std::uint16_t min_minor);

/// Whether `name` may name a plugin: 1 to 64 of [a-z0-9_] (a C identifier in the registration
/// macros, and part of a file name).
bool valid_plugin_name(std::string_view name);

/// Names of the plugins in `dir` (its `lib<name>.so` files), sorted.
std::vector<std::string> plugin_names_in(const std::filesystem::path& dir);

/// Finds `lib<name>.so` in `kind.builtin_dir`, then in `search`, checks that it exports
/// `<prefix><name>` in the kind's section, and loads it (RTLD_NODELETE: never unloaded).
/// @throws UsageError (invalid or unknown name, not such a plugin, not loadable).
LoadedRegistration load_registration(const PluginKind& kind, const std::string& name,
                                     const std::vector<std::filesystem::path>& search);

/// Checks that the registration of `name` describes a plugin of that name and reads its
/// description and the options it declares (names, types, defaults of their type).
/// @throws UsageError naming the file and the plugin.
PluginInfo plugin_info(const PluginKind& kind, const std::string& name, const LoadedRegistration& loaded,
                       loads_str registered_name, loads_str description, const loads_option_v1* options,
                       std::size_t count);

/// `value` as an option of `type` receives it ("yes" → "true" for BOOL), or nothing when it is not
/// one (an INT that is not an integer...).
std::optional<std::string> normalised_option_value(std::int32_t type, const std::string& value);

/// "an integer", "a number", "true or false" or "text": what an option of `type` takes.
const char* option_type_text(std::int32_t type);

/// The long option a plugin option becomes: `<prefix>-<plugin>-<option>` ('_' as '-'), e.g.
/// `output-json-filename`, `observer-irc-server`.
std::string plugin_option_key(const std::string& prefix, const std::string& plugin,
                              const std::string& option);

}  // namespace loads::host
