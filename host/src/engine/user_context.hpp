// UserContext: what a virtual user may use of the worker that runs it, and nothing else: its
// io_context, where its measurements go, the worker's DNS state and step watchdog, the cycle it
// belongs to and the host API table it hands its test instance.
//
// The worker builds one for all its users and outlives them. Everything here is used by the
// worker's thread only, except `cycle` (written by the engine, read here) and `finished_tests`
// and `active_users`
// (read by the engine's progress), which are atomic where they change. In an open-model run the
// users also share the worker's pool of idle users.
#pragma once

#include <atomic>
#include <cstdint>

#include <boost/asio/io_context.hpp>

#include <loads/abi.h>

#include "engine/cycle_state.hpp"
#include "engine/user_pool.hpp"
#include "http/dns_cache.hpp"
#include "http/dns_lookups.hpp"
#include "http/step_watchdog.hpp"
#include "results/event_buffer.hpp"
#include "results/run_stats.hpp"

namespace loads::host {

struct UserContext {
    boost::asio::io_context& io;
    RunStats& stats;
    EventBuffer& events;
    std::uint32_t event_mask;  ///< The loads_event kinds some output wants (1u << kind).
    DnsCache& dns;
    DnsLookups& lookups;
    StepWatchdog& steps;
    const CycleState& cycle;
    const loads_host_api* host_api;              ///< Handed to every test instance the user makes.
    std::atomic<std::uint64_t>& finished_tests;  ///< One more per test that ends (relaxed).
    UserPool* pool;  ///< Open model: where an idle user waits for an arrival; null otherwise.
    /// --stages: the worker's users running now (one more per user started, one less per user
    /// stopped; relaxed), for the live display.
    std::atomic<std::uint32_t>& active_users;
};

}  // namespace loads::host
