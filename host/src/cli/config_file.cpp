#include "cli/config_file.hpp"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

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

std::optional<bool> bool_value(const std::string& v) {
    if (v == "true" || v == "True" || v == "yes" || v == "on" || v == "1") {
        return true;
    }
    if (v == "false" || v == "False" || v == "no" || v == "off" || v == "0") {
        return false;
    }
    return std::nullopt;
}

bool parse_bool(const ConfigEntry& e, const std::string& path) {
    if (const auto b = bool_value(e.value)) {
        return *b;
    }
    throw UsageError(path + ":" + std::to_string(e.line) + ": '" + e.key + "' takes true or false, not '" +
                     e.value + "'");
}

// The options a file may not set: it cannot name another file, nor ask for what is no run.
bool settable_from_file(const std::string& key) {
    return key != "config" && key != "help" && key != "version" && key != "list";
}

// The arguments of one entry whose key is the option `desc`.
void add_arguments(const ConfigEntry& e, const std::string& path,
                   const boost::program_options::option_description& desc, std::vector<std::string>& args) {
    // A switch (--quiet, --detach...) takes no value: true turns it on.
    const bool is_switch = desc.semantic()->max_tokens() == 0;
    if (is_switch) {
        if (parse_bool(e, path)) {
            args.push_back("--" + e.key);
        }
    } else if (e.key == "include-file" || e.key == "observer" || e.key == "python-dep") {
        std::istringstream lines(e.value);
        for (std::string item; std::getline(lines, item);) {
            if (!item.empty()) {
                args.push_back("--" + e.key + "=" + item);
            }
        }
    } else if (e.key == "output") {
        std::vector<std::string> items;
        split_names(e.value, items);
        for (const auto& item : items) {
            args.push_back("--output=" + item);
        }
    } else {
        args.push_back("--" + e.key + "=" + e.value);
    }
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
        if (section != "loads" && section != "output" && section != "observer" && section != "thresholds") {
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
        if (section == "thresholds") {
            // NAME = EXPRESSION: the name is the reader's label, the value one --threshold.
            entry.key = "threshold";
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

std::vector<std::string> config_arguments(const std::vector<ConfigEntry>& entries, const std::string& path,
                                          const boost::program_options::options_description& known) {
    std::vector<std::string> args;
    for (const ConfigEntry& e : entries) {
        const boost::program_options::option_description* desc = known.find_nothrow(e.key, false);
        if (!settable_from_file(e.key) || desc == nullptr) {
            throw UsageError(path + ":" + std::to_string(e.line) + ": unknown key '" + e.key + "' in [" +
                             e.section + "]");
        }
        add_arguments(e, path, *desc, args);
    }
    return args;
}

void split_names(const std::string& value, std::vector<std::string>& into) {
    std::string item;
    for (char c : value + ",") {
        if (c == ',' || c == ' ' || c == '\t' || c == '\n') {
            if (!item.empty() && std::find(into.begin(), into.end(), item) == into.end()) {
                into.push_back(item);
            }
            item.clear();
        } else {
            item += c;
        }
    }
}

}  // namespace loads::host
