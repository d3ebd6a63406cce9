// OutputChannel: one output instance and the thread that feeds it. Whatever the run produces
// for the output (start, event batches, progress, snapshots, finish) is queued here by the
// engine's threads and delivered, in order and one call at a time, on the channel's thread; a
// slow output holds up only its own queue.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>

#include "plugins/output_plugin.hpp"
#include "reporting/run_info.hpp"
#include "results/event_buffer.hpp"
#include "results/snapshot.hpp"

namespace loads::host {

class OutputChannel {
public:
    /// Events queued for one output beyond this many bytes are dropped (and counted) rather than
    /// letting a stuck output eat the machine's memory.
    static constexpr std::size_t k_max_queued_bytes = std::size_t{512} << 20;
    /// Refreshes queued beyond this many (an hour's worth) are dropped (and counted) likewise.
    static constexpr std::size_t k_max_queued_refreshes = 3600;

    /// Takes ownership of `instance` (made by the plugin's create).
    OutputChannel(std::shared_ptr<const OutputPlugin> plugin, void* instance);
    ~OutputChannel();
    OutputChannel(const OutputChannel&) = delete;
    OutputChannel& operator=(const OutputChannel&) = delete;

    const OutputPlugin& plugin() const noexcept { return *m_plugin; }
    std::uint32_t wanted_events() const noexcept { return m_plugin->descriptor().events; }
    bool wants_refresh() const noexcept { return m_plugin->descriptor().refresh != nullptr; }

    /// Starts the thread with the run's description as its first call.
    void start(std::shared_ptr<const RunInfo> run);
    void push_events(std::shared_ptr<const EventBatch> batch);
    void push_progress(const loads_progress& progress);
    void push_refresh(std::shared_ptr<const Snapshot> snapshot);
    /// Queues the final call.
    void push_finish(std::shared_ptr<const Snapshot> snapshot);
    /// Waits until the output has handled everything, finish included.
    /// @return the output's error message, empty when it succeeded.
    std::string wait();

    /// Read after wait(), or any time (the counts may still grow while workers run).
    std::uint64_t dropped_events() const noexcept { return m_dropped.load(std::memory_order_relaxed); }
    std::uint64_t dropped_refreshes() const noexcept {
        return m_dropped_refreshes.load(std::memory_order_relaxed);
    }

private:
    struct Finish {
        std::shared_ptr<const Snapshot> snapshot;
    };
    using Item = std::variant<std::shared_ptr<const EventBatch>, std::shared_ptr<const Snapshot>, Finish>;

    void thread_main();
    void deliver(const Item& item);
    void report(const char* what, std::int32_t status, const loads_outcome& outcome);

    std::shared_ptr<const OutputPlugin> m_plugin;
    void* m_instance;
    std::shared_ptr<const RunInfo> m_run;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Item> m_queue;
    std::optional<loads_progress> m_progress;  ///< Only the latest matters.
    std::size_t m_queued_bytes = 0;
    std::size_t m_queued_refreshes = 0;
    std::atomic<std::uint64_t> m_dropped{0};
    std::atomic<std::uint64_t> m_dropped_refreshes{0};
    std::atomic<bool> m_failed{false};  ///< start failed: the output gets nothing more.
    bool m_done = false;
    std::string m_error;
    std::thread m_thread;
};

}  // namespace loads::host
