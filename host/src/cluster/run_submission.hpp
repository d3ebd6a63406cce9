// RunSubmission: what a runner sends the broker to start a distributed run — the options every
// agent's child runner needs (a JSON object) and the files shipped with the run: the test's
// module when the runner finds it (so agents need nothing installed), and every --include-file.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "base/json_value.hpp"
#include "cli/options.hpp"
#include "plugins/fqn.hpp"

namespace loads::host {

/// Most content a run ships (the agents' default --max-upload).
inline constexpr std::uint64_t k_max_shipped_bytes = std::uint64_t{256} << 20;

struct RunSubmission {
    JsonValue::Object args;  ///< The run's options, as agents and the run database read them.
    std::string archive;     ///< file_archive bytes; empty when nothing is shipped.
    std::size_t files = 0;
};

/// `module_file`: the test module as found on this machine (shipped under the module's own
/// path, e.g. `pkg/libmod.so`), or nothing when the agents must have it themselves.
/// @throws UsageError (an include pattern that matches nothing, too much to ship...).
RunSubmission prepare_submission(const Options& options, const Fqn& fqn,
                                 const std::optional<std::filesystem::path>& module_file);

}  // namespace loads::host
