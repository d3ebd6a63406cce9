#include "cluster/run_submission.hpp"

#include <cstdlib>

#include "cluster/file_archive.hpp"

namespace loads::host {

namespace {

std::string number_text(double v) {
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (s.ends_with('.')) {
        s.pop_back();
    }
    return s;
}

}  // namespace

RunSubmission prepare_submission(const Options& o, const Fqn& fqn,
                                 const std::optional<std::filesystem::path>& module_file) {
    RunSubmission s;
    auto& a = s.args;
    // Every value is text, as on a command line: the agent turns them back into one.
    a["fqn"] = JsonValue(fqn.str());
    if (!o.user_stages) {  // the stages say the users
        a["users"] = JsonValue(o.users);
    }
    if (o.hits) {
        a["hits"] = JsonValue(*o.hits);
    }
    if (o.duration) {
        a["duration"] = JsonValue(number_text(*o.duration));
    }
    // The load profile: the agents share the rate out and follow the stages on the broker's clock.
    if (o.rate) {
        a["rate"] = JsonValue(number_text(*o.rate));
    }
    if (o.max_users) {
        a["max-users"] = JsonValue(std::to_string(*o.max_users));
    }
    if (o.user_stages) {
        a["stages"] = JsonValue(stages_text(*o.user_stages));
    }
    if (o.rate_stages) {
        a["rate-stages"] = JsonValue(stages_text(*o.rate_stages));
    }
    a["grace"] = JsonValue(number_text(o.grace));
    a["server-url"] = JsonValue(o.server_url);
    if (o.threads > 0) {
        a["threads"] = JsonValue(std::to_string(o.threads));
    }
    a["no-patching"] = JsonValue(o.no_patching ? "true" : "false");
    a["stack-size"] = JsonValue(std::to_string(o.stack_kib));
    a["timeout"] = JsonValue(number_text(o.timeout));
    a["connect-timeout"] = JsonValue(number_text(o.connect_timeout));
    // The seed's BYPASS_SSL_CHECK, read here, goes to the agents as --insecure: the same command
    // must verify (or not) the same way wherever it runs.
    const char* bypass = std::getenv("BYPASS_SSL_CHECK");
    const bool insecure = o.insecure || (bypass != nullptr && *bypass != '\0');
    a["insecure"] = JsonValue(insecure ? "true" : "false");
    a["ca-file"] = JsonValue(o.ca_file);
    a["test-dir"] = JsonValue(o.test_dir);
    if (!o.test_runner.empty()) {
        a["test-runner"] = JsonValue(o.test_runner);
        a["external-process-timeout"] = JsonValue(number_text(o.external_process_timeout));
    }
    // For the record (the database, an attaching runner): not used by the agents.
    a["agents"] = JsonValue(std::to_string(o.agents));
    JsonValue::Array includes;
    for (const auto& pattern : o.include_files) {
        includes.emplace_back(pattern);
    }
    a["include-file"] = JsonValue(std::move(includes));
    JsonValue::Array outputs;
    for (const auto& name : o.outputs) {
        outputs.emplace_back(name);
    }
    a["output"] = JsonValue(std::move(outputs));

    ArchiveWriter archive(k_max_shipped_bytes);
    const std::filesystem::path here = std::filesystem::current_path();
    for (const auto& pattern : o.include_files) {
        archive.add_pattern(pattern, here);
    }
    if (module_file) {
        // Shipped where the agent's runner looks first (its working directory), under the
        // module's own path: `pkg.sub.mod` is `pkg/sub/libmod.so`.
        std::string path;
        if (const auto dot = fqn.module.rfind('.'); dot != std::string::npos) {
            path = fqn.module.substr(0, dot);
            for (char& c : path) {
                c = c == '.' ? '/' : c;
            }
            path += '/';
        }
        path += module_file->filename().string();
        if (!archive.contains(path)) {
            archive.add_file(*module_file, path);
        }
    }
    s.files = archive.entry_count();
    if (s.files > 0) {
        s.archive = archive.bytes();
    }
    return s;
}

}  // namespace loads::host
