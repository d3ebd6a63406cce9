#include "reporting/output_channel.hpp"

#include "base/abi_strings.hpp"

namespace loads::host {

OutputChannel::OutputChannel(std::shared_ptr<const OutputPlugin> plugin, void* instance)
    : m_plugin(std::move(plugin)), m_instance(instance) {}

OutputChannel::~OutputChannel() {
    if (m_thread.joinable()) {  // finish() was never reached (an exception on the way): stop
        {
            std::lock_guard lock(m_mutex);
            m_failed = true;
            m_queue.clear();
            m_queue.emplace_back(Finish{});
        }
        m_wake.notify_one();
        m_thread.join();
    }
    m_plugin->descriptor().destroy(m_instance);
}

void OutputChannel::start(std::shared_ptr<const RunInfo> run) {
    m_run = std::move(run);
    m_thread = std::thread([this] { thread_main(); });
}

void OutputChannel::push_events(std::shared_ptr<const EventBatch> batch) {
    {
        std::lock_guard lock(m_mutex);
        const std::size_t bytes = batch->events.footprint();
        if (m_queued_bytes + bytes > k_max_queued_bytes) {
            m_dropped.fetch_add(batch->events.records().size(), std::memory_order_relaxed);
            return;
        }
        m_queued_bytes += bytes;
        m_queue.emplace_back(std::move(batch));
    }
    m_wake.notify_one();
}

void OutputChannel::push_progress(const loads_progress& progress) {
    {
        std::lock_guard lock(m_mutex);
        m_progress = progress;
    }
    m_wake.notify_one();
}

void OutputChannel::push_refresh(std::shared_ptr<const Snapshot> snapshot) {
    {
        std::lock_guard lock(m_mutex);
        if (m_queued_refreshes >= k_max_queued_refreshes) {
            m_dropped_refreshes.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        ++m_queued_refreshes;
        m_queue.emplace_back(std::move(snapshot));
    }
    m_wake.notify_one();
}

void OutputChannel::push_finish(std::shared_ptr<const Snapshot> snapshot) {
    {
        std::lock_guard lock(m_mutex);
        m_queue.emplace_back(Finish{std::move(snapshot)});
    }
    m_wake.notify_one();
}

std::string OutputChannel::wait() {
    if (m_thread.joinable()) {
        m_thread.join();
    }
    return m_error;
}

void OutputChannel::report(const char* what, std::int32_t status, const loads_outcome& outcome) {
    if (status == LOADS_STATUS_SUCCESS || !m_error.empty()) {
        return;
    }
    const std::string_view message = text(outcome.message);
    m_error = std::string(what) + ": " +
              (message.empty() ? std::string("failed without a message") : std::string(message));
}

void OutputChannel::thread_main() {
    const loads_output_v1& d = m_plugin->descriptor();
    if (d.start != nullptr) {
        loads_outcome outcome{};
        outcome.struct_size = sizeof(outcome);
        const std::int32_t status = d.start(m_instance, &m_run->get(), &outcome);
        report("cannot start", status, outcome);
        m_failed = status != LOADS_STATUS_SUCCESS;
    }
    for (;;) {
        std::optional<Item> item;
        std::optional<loads_progress> progress;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [&] { return !m_queue.empty() || m_progress; });
            progress.swap(m_progress);
            if (!m_queue.empty()) {
                item.emplace(std::move(m_queue.front()));
                m_queue.pop_front();
                if (const auto* batch = std::get_if<std::shared_ptr<const EventBatch>>(&*item)) {
                    m_queued_bytes -= (*batch)->events.footprint();
                } else if (std::holds_alternative<std::shared_ptr<const Snapshot>>(*item)) {
                    --m_queued_refreshes;
                }
            }
        }
        if (progress && !m_failed && d.progress != nullptr) {
            d.progress(m_instance, &*progress);
        }
        if (item) {
            const bool last = std::holds_alternative<Finish>(*item);
            deliver(*item);
            if (last) {
                return;
            }
        }
    }
}

void OutputChannel::deliver(const Item& item) {
    const loads_output_v1& d = m_plugin->descriptor();
    if (const auto* batch = std::get_if<std::shared_ptr<const EventBatch>>(&item)) {
        if (m_failed || d.event == nullptr) {
            return;
        }
        const auto& records = (*batch)->events.records();
        for (std::size_t i = 0; i < records.size(); ++i) {
            if (((d.events >> records[i].kind) & 1u) != 0) {
                const loads_event e = (*batch)->view(i);
                d.event(m_instance, &e);
            }
        }
    } else if (const auto* snapshot = std::get_if<std::shared_ptr<const Snapshot>>(&item)) {
        if (!m_failed && d.refresh != nullptr) {
            d.refresh(m_instance, &(*snapshot)->get());
        }
    } else if (const auto* finish = std::get_if<Finish>(&item)) {
        if (!m_failed && finish->snapshot) {
            loads_outcome outcome{};
            outcome.struct_size = sizeof(outcome);
            report("failed", d.finish(m_instance, &finish->snapshot->get(), &outcome), outcome);
        }
    }
}

}  // namespace loads::host
