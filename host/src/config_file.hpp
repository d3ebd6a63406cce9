// Config file (--config): the INI `[loads]` section, whose keys are the long option names
// (`server_url` and `server-url` alike) plus `fqn` for the test, and the `[output]` section,
// whose key `json_filename` is the option --output-json-filename (the seed's convention). A line
// indented deeper than the key above it continues that key's value (the seed's multi-line lists). Other
// sections are left to the observers. The command line always wins over the file.
#pragma once

#include <string>
#include <vector>

namespace loads::host {

struct ConfigEntry {
    std::string key;      ///< Normalised: '_' and '.' replaced by '-'; [output] keys get "output-".
    std::string section;  ///< "loads" or "output".
    std::string value;    ///< Trimmed; surrounding double quotes removed.
    int line = 0;
};

/// Reads the `[loads]` and `[output]` sections of `path`. @throws UsageError (unreadable file, syntax error).
std::vector<ConfigEntry> read_config_file(const std::string& path);

}  // namespace loads::host
