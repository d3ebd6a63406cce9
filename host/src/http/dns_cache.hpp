// DnsCache: host names are resolved once per process and the addresses shared by every virtual
// user. Only connection set-up consults it (keep-alive requests never do), so a mutex is cheap.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

namespace loads::host {

class DnsCache {
public:
    using Results = std::vector<boost::asio::ip::tcp::endpoint>;

    bool find(const std::string& origin, Results& out) const {
        std::lock_guard lock(m_mutex);
        auto it = m_entries.find(origin);
        if (it == m_entries.end()) {
            return false;
        }
        out = it->second;
        return true;
    }
    void store(const std::string& origin, const Results& results) {
        std::lock_guard lock(m_mutex);
        m_entries.emplace(origin, results);
    }

private:
    mutable std::mutex m_mutex;
    std::unordered_map<std::string, Results> m_entries;
};

}  // namespace loads::host
