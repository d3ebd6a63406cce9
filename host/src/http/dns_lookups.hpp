// DnsLookups: the host-name lookups in flight on one worker. When thousands of users start at
// once, the first user to need an origin resolves it and the others wait for that answer instead
// of queueing thousands of identical lookups behind Asio's one resolver thread.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/asio_types.hpp"

namespace loads::host {

struct DnsLookup {
    explicit DnsLookup(boost::asio::io_context& ioc) : resolver(ioc) {}
    TcpResolver resolver;
    std::vector<SteadyTimer*> waiters;  ///< Timers of the users waiting; cancelled to wake them.
    boost::system::error_code result;   ///< How the lookup ended; waiters share a failure.
    bool finished = false;

    void wake_all() {
        for (SteadyTimer* t : waiters) {
            t->cancel();
        }
        waiters.clear();
    }
    void forget(SteadyTimer* t) {
        waiters.erase(std::remove(waiters.begin(), waiters.end(), t), waiters.end());
    }
};

/// Per worker, so used from one thread only: no lock.
using DnsLookups = std::unordered_map<std::string, std::shared_ptr<DnsLookup>>;

}  // namespace loads::host
