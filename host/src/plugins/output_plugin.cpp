#include "plugins/output_plugin.hpp"

#include <cstddef>

#include "base/usage_error.hpp"

namespace loads::host {
namespace fs = std::filesystem;

fs::path builtin_output_dir() {
    return builtin_plugin_folder("LOADS_OUTPUT_DIR", "outputs");
}

std::vector<std::string> builtin_output_names() {
    return plugin_names_in(builtin_output_dir());
}

std::string output_option_key(const std::string& output, const std::string& option) {
    return plugin_option_key("output", output, option);
}

std::shared_ptr<const OutputPlugin> OutputPlugin::load(const std::string& name,
                                                       const std::vector<fs::path>& search) {
    const PluginKind kind{"output", LOADS_OUTPUT_SECTION, LOADS_OUTPUT_SYMBOL_PREFIX, "LOADS_OUTPUT",
                          builtin_output_dir()};
    const LoadedRegistration loaded = load_registration(kind, name, search);
    const std::string file = loaded.file.string();
    const auto* d = static_cast<const loads_output_v1*>(loaded.descriptor);

    check_registration_head(kind, name, loaded, 2);
    // The 1.2 layout is the least a plugin may have; slots appended later are read only when
    // struct_size covers them.
    if (!LOADS_HAS_FIELD(d, loads_output_v1, finish) || d->create == nullptr || d->destroy == nullptr ||
        d->finish == nullptr || (d->option_count > 0 && d->options == nullptr)) {
        throw UsageError(file + ": output '" + name + "' has an incomplete descriptor");
    }
    std::shared_ptr<OutputPlugin> plugin(new OutputPlugin());
    plugin->m_info = plugin_info(kind, name, loaded, d->name, d->description, d->options, d->option_count);
    plugin->m_descriptor = d;
    return plugin;
}

}  // namespace loads::host
