#include "cluster/broker/observer_dispatch.hpp"

#include "base/log.hpp"
#include "base/process_info.hpp"
#include "reporting/observer_calls.hpp"

namespace loads::host {

ObserverDispatch::ObserverDispatch(std::vector<std::filesystem::path> search) : m_search(std::move(search)) {
    for (std::size_t i = 0; i < k_threads; ++i) {
        m_threads.emplace_back([this] { loop(); });
    }
}

ObserverDispatch::~ObserverDispatch() {
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    for (auto& t : m_threads) {
        t.join();
    }
}

void ObserverDispatch::post(Notification n, std::vector<std::string> names,
                            std::chrono::milliseconds timeout) {
    n.search = m_search;
    n.node = host_name();
    {
        const std::lock_guard lock(m_mutex);
        if (m_jobs.size() >= k_max_waiting) {
            log_info("run " + n.run_id + ": observers not told: " + std::to_string(k_max_waiting) +
                     " runs already wait for theirs");
            return;
        }
        m_jobs.push_back({std::move(n), std::move(names), timeout});
    }
    m_wake.notify_one();
}

void ObserverDispatch::loop() {
    for (;;) {
        Job job;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [&] { return m_stopping || !m_jobs.empty(); });
            if (m_stopping) {
                for (const Job& dropped : m_jobs) {
                    log_info("run " + dropped.notification.run_id +
                             ": observers not told: the broker is stopping");
                }
                m_jobs.clear();
                return;
            }
            job = std::move(m_jobs.front());
            m_jobs.pop_front();
        }
        const std::string& run_id = job.notification.run_id;
        try {
            for (const ObserverResult& r :
                 call_observers(job.notification, job.names, job.timeout, &m_stopping)) {
                log_info("run " + run_id + ": " + log_text(observer_result_line(r), 600));
            }
        } catch (const std::exception& e) {
            log_info("run " + run_id + ": observers could not be told: " + log_text(e.what()));
        }
    }
}

}  // namespace loads::host
