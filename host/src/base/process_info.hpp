// What the running program knows of itself: the machine's host name and the directory its
// executable lives in (built-in plugins and sibling programs are found from there).
#pragma once

#include <filesystem>
#include <string>

namespace loads::host {

/// The machine's host name ("localhost" when it has none).
std::string host_name();

/// The directory of the running executable (/proc/self/exe), or empty when it cannot be read.
std::filesystem::path program_dir();

}  // namespace loads::host
