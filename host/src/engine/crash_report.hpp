// Crash report: a test that overflows its coroutine stack (deep recursion, a backtracking regex)
// hits the stack's guard page. Instead of a bare "Segmentation fault", the runner says what most
// likely happened and which option raises the limit, then dies by the signal as before.
#pragma once

#include <cstddef>
#include <memory>

namespace loads::host {

/// Installs the SIGSEGV/SIGBUS handler (not under AddressSanitizer, which reports these itself).
void install_crash_report(std::size_t stack_kib);

/// An alternate signal stack for the calling thread, so the handler can run after a stack
/// overflow. Keep the returned object alive for as long as the thread runs user code.
class CrashStack {
public:
    CrashStack();
    ~CrashStack();
    CrashStack(const CrashStack&) = delete;
    CrashStack& operator=(const CrashStack&) = delete;

private:
    std::unique_ptr<char[]> m_memory;
    bool m_installed = false;
};

}  // namespace loads::host
