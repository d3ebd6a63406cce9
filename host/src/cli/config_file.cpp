#include "cli/config_file.hpp"

#include <fstream>

#include "base/usage_error.hpp"

namespace loads::host {
namespace {

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) {
        return {};
    }
    const auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

}  // namespace

std::vector<ConfigEntry> read_config_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw UsageError("cannot read config file '" + path + "'");
    }
    std::vector<ConfigEntry> entries;
    std::string section;
    std::string raw;
    int number = 0;
    // After a key line, a line indented deeper than the key continues its value (appended when
    // the key was kept), as in Python's configparser.
    enum class After { other, kept_key, skipped_key } after = After::other;
    std::size_t key_indent = 0;
    while (std::getline(in, raw)) {
        ++number;
        const std::string line = trim(raw);
        if (line.empty() || line[0] == '#' || line[0] == ';') {
            continue;
        }
        const std::size_t indent = raw.find_first_not_of(" \t");
        if (after != After::other && indent > key_indent) {
            if (after == After::kept_key) {
                entries.back().value += "\n" + line;
            }
            continue;
        }
        after = After::other;
        key_indent = indent;
        if (line.front() == '[') {
            if (line.back() != ']') {
                throw UsageError(path + ":" + std::to_string(number) + ": malformed section header '" + line +
                                 "'");
            }
            section = trim(line.substr(1, line.size() - 2));
            continue;
        }
        const auto eq = line.find_first_of("=:");
        if (eq == std::string::npos) {
            throw UsageError(path + ":" + std::to_string(number) + ": expected 'key = value', got '" + line +
                             "'");
        }
        if (section != "loads" && section != "output" && section != "observer") {
            after = After::skipped_key;
            continue;
        }
        ConfigEntry entry;
        entry.section = section;
        // [output] json_filename is --output-json-filename; [observer] irc_server is
        // --observer-irc-server.
        entry.key = (section == "loads" ? "" : section + "-") + trim(line.substr(0, eq));
        for (char& c : entry.key) {
            c = (c == '_' || c == '.') ? '-' : c;
        }
        entry.value = trim(line.substr(eq + 1));
        if (entry.value.size() >= 2 && entry.value.front() == '"' && entry.value.back() == '"') {
            entry.value = entry.value.substr(1, entry.value.size() - 2);
        }
        entry.line = number;
        entries.push_back(std::move(entry));
        after = After::kept_key;
    }
    return entries;
}

}  // namespace loads::host
