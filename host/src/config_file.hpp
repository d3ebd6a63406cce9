// Config file (--config): the INI `[loads]` section, whose keys are the long option names
// (`server_url` and `server-url` alike) plus `fqn` for the test. Other sections are left to
// future outputs and observers. The command line always wins over the file.
#pragma once

#include <string>
#include <vector>

namespace loads::host {

struct ConfigEntry {
    std::string key;    ///< Normalised: '_' and '.' replaced by '-'.
    std::string value;  ///< Trimmed; surrounding double quotes removed.
    int line = 0;
};

/// Reads the `[loads]` section of `path`. @throws UsageError (unreadable file, syntax error).
std::vector<ConfigEntry> read_config_file(const std::string& path);

}  // namespace loads::host
