#include "base/stop_signals.hpp"

#include <csignal>

namespace loads::host {

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) {
    g_stop.store(true);
}

}  // namespace

const std::atomic<bool>& stop_on_signals() {
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
    std::signal(SIGPIPE, SIG_IGN);
    return g_stop;
}

}  // namespace loads::host
