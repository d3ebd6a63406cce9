// Config file (--config): the INI `[loads]` section, whose keys are the long option names
// (`server_url` and `server-url` alike) plus `fqn` for the test, the `[output]` section, whose
// key `json_filename` is the option --output-json-filename (the seed's convention), and the
// `[observer]` section, whose key `irc_server` is --observer-irc-server, and the `[thresholds]`
// section, whose every `NAME = EXPRESSION` is one --threshold (NAME only labels it). A line indented deeper
// than the key above it continues that key's value (the seed's multi-line lists). Other sections
// are skipped. The entries read become the command-line arguments they stand for, parsed after
// the command line's: the command line always wins over the file.
#pragma once

#include <string>
#include <vector>

#include <boost/program_options/options_description.hpp>

namespace loads::host {

struct ConfigEntry {
    std::string key;      ///< Normalised: '_' and '.' replaced by '-'; [output] and [observer]
                          ///< keys get "output-" and "observer-".
    std::string section;  ///< "loads", "output", "observer" or "thresholds".
    std::string value;    ///< Trimmed; surrounding double quotes removed.
    int line = 0;
};

/// Reads the `[loads]`, `[output]`, `[observer]` and `[thresholds]` sections of `path`. @throws UsageError
/// (unreadable file, syntax error).
std::vector<ConfigEntry> read_config_file(const std::string& path);

/// The command-line arguments `entries` (read from `path`) stand for, for a parser of the
/// options `known`: `--key=value`; a switch (`quiet = true`) given or not; one `--output` per name
/// of an `output` value; one argument per line of an `include-file`, `observer` or `python-dep`
/// value (paths may hold spaces and commas).
/// @throws UsageError naming the file and line of a key that is no option (or one a file may not
/// set: config, help, version, list), or of a switch that is neither true nor false.
std::vector<std::string> config_arguments(const std::vector<ConfigEntry>& entries, const std::string& path,
                                          const boost::program_options::options_description& known);

/// Adds the names `value` holds to `into`, each once (those already there are kept): "json, junit"
/// and "json junit" are two, as --output, --observer and their config keys write them.
void split_names(const std::string& value, std::vector<std::string>& into);

}  // namespace loads::host
