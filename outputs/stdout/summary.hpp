// The end-of-run text: the seed's summary on stdout and the digest of the most common failures
// and errors on stderr.
#pragma once

#include <string>

#include "run_report.hpp"

namespace loads::outputs {

/// The stdout summary (everything after the progress bar).
std::string format_summary(const loads::host::RunReport& report);

/// The stderr digest: up to `limit` distinct failures/errors, most common first. Empty when none.
std::string format_problems(const loads::host::RunReport& report, std::size_t limit);

}  // namespace loads::outputs
