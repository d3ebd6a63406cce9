// OutputChannel with a real output plugin (tests/plugins/c_output.c, written in C): order of
// delivery, event filtering by the output's mask, finish errors, and a channel that is
// destroyed before its run finished.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include "reporting/output_channel.hpp"

using namespace loads::host;

namespace {

std::string temp_path(const char* name) {
    return (std::filesystem::temp_directory_path() /
            ("loads-unit-" + std::to_string(::getpid()) + "-" + name))
        .string();
}

std::unique_ptr<OutputChannel> make_channel(const std::string& filename) {
    auto plugin = OutputPlugin::load("c_output", {LOADS_C_OUTPUT_DIR});
    loads_option_value value{{"filename", 8}, {filename.data(), filename.size()}};
    loads_output_config config{};
    config.struct_size = sizeof(config);
    config.values = &value;
    config.value_count = 1;
    loads_outcome error{};
    error.struct_size = sizeof(error);
    void* instance = plugin->descriptor().create(&config, &error);
    REQUIRE(instance != nullptr);
    return std::make_unique<OutputChannel>(plugin, instance);
}

std::shared_ptr<const RunInfo> run_info() {
    return std::make_shared<const RunInfo>(Fqn{"m", "C", "t"}, RunPlan{}, std::chrono::system_clock::now(),
                                           std::vector<std::pair<std::string, std::string>>{});
}

std::shared_ptr<const EventBatch> batch_of_hits(int hits) {
    auto batch = std::make_shared<EventBatch>();
    for (int i = 0; i < hits; ++i) {
        EventRecord& r = batch->events.add(LOADS_EVENT_HIT, 1, EventPlace{});
        r.url = batch->events.store("http://h/");
        r.status = 200;
        batch->events.add(LOADS_EVENT_COUNTER, 1, EventPlace{});  // not in c_output's mask
    }
    batch->test = "m.C.t";
    return batch;
}

std::shared_ptr<const Snapshot> snapshot_of(std::uint64_t hits, bool final) {
    RunStats total;
    for (std::uint64_t i = 0; i < hits; ++i) {
        total.record_hit("http://h/", 200, 100);
    }
    return std::make_shared<const Snapshot>(total, RunStats{}, SnapshotTimes{1, 1, 0}, final, false);
}

std::string read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("OutputChannel delivers the run in order, only the events the output wants") {
    const std::string path = temp_path("channel.txt");
    auto channel = make_channel(path);
    CHECK(channel->wanted_events() == (1u << LOADS_EVENT_HIT));
    CHECK(channel->wants_refresh());
    channel->start(run_info());
    channel->push_events(batch_of_hits(3));
    channel->push_refresh(snapshot_of(2, false));
    channel->push_events(batch_of_hits(2));
    loads_progress progress{};
    progress.struct_size = sizeof(progress);
    channel->push_progress(progress);
    channel->push_finish(snapshot_of(5, true));
    CHECK(channel->wait().empty());
    CHECK(read(path) == "hit_events=5 hits=5 urls=1 final=1 refreshes=1\n");
    CHECK(channel->dropped_events() == 0);
    std::filesystem::remove(path);
}

TEST_CASE("OutputChannel reports an output's failure to finish") {
    auto channel = make_channel("/nonexistent-dir/counts.txt");
    channel->start(run_info());
    channel->push_finish(snapshot_of(1, true));
    CHECK(channel->wait() == "failed: cannot write /nonexistent-dir/counts.txt");
}

TEST_CASE("OutputChannel destroyed before the run finished stops without calling finish") {
    const std::string path = temp_path("never.txt");
    {
        auto channel = make_channel(path);
        channel->start(run_info());
        channel->push_events(batch_of_hits(100));
    }  // no hang, destroy called (ASan would see the leak otherwise)
    CHECK_FALSE(std::filesystem::exists(path));
}
