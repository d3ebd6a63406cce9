#include "engine/crash_report.hpp"

#include <csignal>
#include <cstdio>
#include <cstring>

#include <unistd.h>

namespace loads::host {
namespace {

constexpr std::size_t k_alt_stack_size = 64 * 1024;
char g_message[256];
std::size_t g_message_len = 0;

extern "C" void on_fatal_signal(int signo) {
    // Only async-signal-safe calls: write(2) a message prepared in advance, then die by the signal.
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, g_message, g_message_len);
    std::signal(signo, SIG_DFL);
    std::raise(signo);
}

bool under_address_sanitizer() {
#if defined(__SANITIZE_ADDRESS__)
    return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return true;
#else
    return false;
#endif
#else
    return false;
#endif
}

}  // namespace

void install_crash_report(std::size_t stack_kib) {
    if (under_address_sanitizer()) {
        return;
    }
    const int n =
        std::snprintf(g_message, sizeof g_message,
                      "loads-runner: fatal: invalid memory access in a test; if it recurses deeply, it "
                      "may have overflowed its %zu KiB stack (raise --stack-size)\n",
                      stack_kib);
    g_message_len = n > 0 ? std::min<std::size_t>(static_cast<std::size_t>(n), sizeof g_message - 1) : 0;
    struct sigaction action {};
    action.sa_handler = on_fatal_signal;
    action.sa_flags = SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    sigaction(SIGSEGV, &action, nullptr);
    sigaction(SIGBUS, &action, nullptr);
}

CrashStack::CrashStack() : m_memory(new char[k_alt_stack_size]) {
    stack_t stack{};
    stack.ss_sp = m_memory.get();
    stack.ss_size = k_alt_stack_size;
    m_installed = sigaltstack(&stack, nullptr) == 0;
}

CrashStack::~CrashStack() {
    if (m_installed) {
        stack_t disable{};
        disable.ss_flags = SS_DISABLE;
        sigaltstack(&disable, nullptr);
    }
}

}  // namespace loads::host
