// Config file (--config): the INI `[loads]` section, whose keys are the long option names
// (`server_url` and `server-url` alike) plus `fqn` for the test, the `[output]` section, whose
// key `json_filename` is the option --output-json-filename (the seed's convention), and the
// `[observer]` section, whose key `irc_server` is --observer-irc-server. A line indented deeper
// than the key above it continues that key's value (the seed's multi-line lists). Other sections
// are skipped. The command line always wins over the file.
#pragma once

#include <string>
#include <vector>

namespace loads::host {

struct ConfigEntry {
    std::string key;      ///< Normalised: '_' and '.' replaced by '-'; [output] and [observer]
                          ///< keys get "output-" and "observer-".
    std::string section;  ///< "loads", "output" or "observer".
    std::string value;    ///< Trimmed; surrounding double quotes removed.
    int line = 0;
};

/// Reads the `[loads]`, `[output]` and `[observer]` sections of `path`. @throws UsageError (unreadable file,
/// syntax error).
std::vector<ConfigEntry> read_config_file(const std::string& path);

}  // namespace loads::host
