// The --test-runner command: split into words as a POSIX shell would (so a path with a space can
// be quoted), then `{test}` filled in with the FQN. No shell ever runs: there is no expansion of
// variables, globs or `~`, and `|`, `;`, `>` or `#` are ordinary characters.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace loads::host {

/// Splits a --test-runner command line into words as a POSIX shell does: blanks (space, tab,
/// newline) separate words; single quotes keep everything literally; double quotes keep
/// everything but `\"`, `\\`, `\$`, `` \` `` (the character alone) and backslash-newline
/// (removed); outside quotes a backslash keeps the next character literally, and
/// backslash-newline is removed; `''` and `""` make an empty word.
/// @throws UsageError (usage_error.hpp) with a one-line message starting with "--test-runner: "
/// for an unterminated quote, a trailing backslash, no words at all or an empty program name.
std::vector<std::string> split_command_line(std::string_view text);

/// Replaces every "{test}" in every word with `fqn`. Done after splitting, so an FQN with blanks or
/// quotes stays one word; the FQN itself is not searched again, and other braces stay as they are.
std::vector<std::string> expand_test(std::vector<std::string> words, std::string_view fqn);

}  // namespace loads::host
