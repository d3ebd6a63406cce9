// How loads-broker and loads-agent are stopped: SIGINT or SIGTERM (a supervisor's stop) raise a
// flag their loop checks, so they leave cleanly (an agent stops its runs and unregisters first).
#pragma once

#include <atomic>

namespace loads::host {

/// Installs the handlers (and ignores SIGPIPE). @return the flag they raise.
const std::atomic<bool>& stop_on_signals();

}  // namespace loads::host
