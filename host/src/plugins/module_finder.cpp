#include "plugins/module_finder.hpp"

#include <cstdlib>
#include <system_error>

#include "base/process_info.hpp"
#include "base/usage_error.hpp"

namespace loads::host {

std::vector<std::filesystem::path> split_path_list(std::string_view list) {
    std::vector<std::filesystem::path> dirs;
    while (!list.empty()) {
        const auto colon = list.find(':');
        const std::string_view entry = list.substr(0, colon);
        if (!entry.empty()) {
            dirs.emplace_back(std::string(entry));
        }
        list = colon == std::string_view::npos ? std::string_view{} : list.substr(colon + 1);
    }
    return dirs;
}

std::vector<std::filesystem::path> loads_path() {
    const char* env = std::getenv("LOADS_PATH");
    return split_path_list(env != nullptr ? env : "");
}

std::vector<std::filesystem::path> module_search_path(const std::string& test_dir) {
    std::vector<std::filesystem::path> dirs{"."};
    if (!test_dir.empty()) {
        dirs.emplace_back(test_dir);
    }
    for (auto& dir : loads_path()) {
        dirs.push_back(std::move(dir));
    }
    return dirs;
}

std::filesystem::path find_module(const std::string& module,
                                  const std::vector<std::filesystem::path>& search) {
    // pkg.sub.name → pkg/sub + {libname.so, name.so}
    std::filesystem::path subdir;
    std::string base = module;
    if (const auto dot = module.rfind('.'); dot != std::string::npos) {
        std::string dirs = module.substr(0, dot);
        for (char& c : dirs) {
            c = c == '.' ? '/' : c;
        }
        subdir = dirs;
        base = module.substr(dot + 1);
    }
    const std::string names[] = {"lib" + base + ".so", base + ".so"};
    std::string tried;
    for (const auto& dir : search) {
        for (const auto& name : names) {
            const std::filesystem::path candidate = dir / subdir / name;
            std::error_code ec;
            if (std::filesystem::is_regular_file(candidate, ec)) {
                return candidate;
            }
        }
        tried += (tried.empty() ? "" : ", ") + (dir / subdir).string();
    }
    throw UsageError("module '" + module + "' not found: looked for " + names[0] + " and " + names[1] +
                     " in " + tried + " (set --test-dir or LOADS_PATH)");
}

std::filesystem::path builtin_plugin_dir() {
    if (const char* dir = std::getenv("LOADS_PLUGIN_DIR"); dir != nullptr && *dir != '\0') {
        return dir;
    }
    const std::filesystem::path dir = program_dir();
    return dir.empty() ? dir : (dir / ".." / "lib" / "loads" / "plugins").lexically_normal();
}

}  // namespace loads::host
