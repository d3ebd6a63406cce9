// ObserverDispatch: the broker's observer threads. When a run ends, the broker's loop posts its
// notification here and goes on at once; one of a few threads tells the run's observers (each in
// a loads-notify process, bounded by the run's --observer-timeout) and logs one line per
// observer. Heartbeats never wait on an IRC server, and one run's dead webhook holds up at most
// one thread, not the notifications of every later run.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "reporting/notification.hpp"

namespace loads::host {

class ObserverDispatch {
public:
    /// `search`: where observers are looked for after the built-ins (--observer-path).
    explicit ObserverDispatch(std::vector<std::filesystem::path> search);
    /// Stops: observers still running are killed, those not started yet are dropped, each with a
    /// log line.
    ~ObserverDispatch();
    ObserverDispatch(const ObserverDispatch&) = delete;
    ObserverDispatch& operator=(const ObserverDispatch&) = delete;

    /// Runs told at once; more wait their turn.
    static constexpr std::size_t k_threads = 4;
    /// Runs waiting at most; past it a run's observers are not told (and the log says so), so a
    /// flood of runs cannot grow the broker without bound.
    static constexpr std::size_t k_max_waiting = 256;

    /// Queues the telling of `names` about `n`; returns at once.
    void post(Notification n, std::vector<std::string> names, std::chrono::milliseconds timeout);

private:
    struct Job {
        Notification notification;
        std::vector<std::string> names;
        std::chrono::milliseconds timeout;
    };
    void loop();

    std::vector<std::filesystem::path> m_search;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Job> m_jobs;
    std::atomic<bool> m_stopping{false};
    std::vector<std::thread> m_threads;
};

}  // namespace loads::host
