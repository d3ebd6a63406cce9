// The broker's and the agent's log: one line per event, `[2026-11-27 12:00:00,123][pid] text`
// (the original Loads' format), to stdout or a file, flushed at once so a supervisor or a test
// reading the log sees each line as it happens. Both daemons are single-threaded; the lock only
// guards against a stray call from another thread.
#pragma once

#include <string>
#include <string_view>

namespace loads::host {

/// Sends the log to `target`: "stdout" (the default) or a file path, appended.
/// @throws EnvironmentError when the file cannot be opened.
void open_log(const std::string& target, bool debug);

void log_info(std::string_view line);
void log_debug(std::string_view line);  ///< Only with --debug.

/// `text` made safe for one log line: control characters become spaces, at most `max` bytes.
std::string log_text(std::string_view text, std::size_t max = 300);

}  // namespace loads::host
