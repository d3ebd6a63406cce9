// Module lookup: which .so file a module name such as `example` or `pkg.example` refers to.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace loads::host {

/// The directories of a colon-separated list (empty entries skipped).
std::vector<std::filesystem::path> split_path_list(std::string_view list);

/// The directories of the LOADS_PATH environment variable.
std::vector<std::filesystem::path> loads_path();

/// Directories searched, in order: the current directory, --test-dir (if given), then each entry
/// of the colon-separated LOADS_PATH environment variable.
std::vector<std::filesystem::path> module_search_path(const std::string& test_dir);

/// Finds `libNAME.so` or `NAME.so` for module NAME (`pkg.sub.NAME` → `pkg/sub/libNAME.so`).
/// @throws UsageError naming every directory and file name that was tried.
std::filesystem::path find_module(const std::string& module,
                                  const std::vector<std::filesystem::path>& search);

/// The test plugins that come with loads (the health check's): `<dir of the program>/../lib/loads/plugins`,
/// or LOADS_PLUGIN_DIR when set.
std::filesystem::path builtin_plugin_dir();

}  // namespace loads::host
