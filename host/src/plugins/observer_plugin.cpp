#include "plugins/observer_plugin.hpp"

#include <cstddef>

#include "base/usage_error.hpp"

namespace loads::host {
namespace fs = std::filesystem;

fs::path builtin_observer_dir() {
    return builtin_plugin_folder("LOADS_OBSERVER_DIR", "observers");
}

std::vector<std::string> builtin_observer_names() {
    return plugin_names_in(builtin_observer_dir());
}

std::string observer_option_key(const std::string& observer, const std::string& option) {
    return plugin_option_key("observer", observer, option);
}

std::shared_ptr<const ObserverPlugin> ObserverPlugin::load(const std::string& name,
                                                           const std::vector<fs::path>& search) {
    const PluginKind kind{"observer", LOADS_OBSERVER_SECTION, LOADS_OBSERVER_SYMBOL_PREFIX, "LOADS_OBSERVER",
                          builtin_observer_dir()};
    const LoadedRegistration loaded = load_registration(kind, name, search);
    const std::string file = loaded.file.string();
    const auto* d = static_cast<const loads_observer_v1*>(loaded.descriptor);

    check_registration_head(kind, name, loaded, 4);
    if (!LOADS_HAS_FIELD(d, loads_observer_v1, notify) || d->notify == nullptr ||
        (d->option_count > 0 && d->options == nullptr)) {
        throw UsageError(file + ": observer '" + name + "' has an incomplete descriptor");
    }
    std::shared_ptr<ObserverPlugin> plugin(new ObserverPlugin());
    plugin->m_info = plugin_info(kind, name, loaded, d->name, d->description, d->options, d->option_count);
    plugin->m_descriptor = d;
    return plugin;
}

}  // namespace loads::host
