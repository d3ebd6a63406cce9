#include "engine/stack_pool.hpp"

#include <cassert>
#include <cerrno>
#include <cstring>
#include <limits>
#include <string>

#include <sys/mman.h>
#include <unistd.h>

#include "base/usage_error.hpp"

namespace loads::host {

namespace {

std::string failure(std::size_t count, std::size_t stack_size, const char* what, int error) {
    return "cannot map " + std::to_string(count) + " user stacks of " + std::to_string(stack_size / 1024) +
           " KiB (" + what + ": " + std::strerror(error) +
           "); use fewer users per process or a smaller --stack-size, or raise vm.max_map_count";
}

}  // namespace

StackPool::StackPool(std::size_t count, std::size_t stack_size) : m_count(count) {
    if (count == 0) {
        return;
    }
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    m_stack = (stack_size + page - 1) / page * page;
    m_slot = page + m_stack;
    if (count > std::numeric_limits<std::size_t>::max() / m_slot) {
        throw EnvironmentError(failure(count, stack_size, "mmap", ENOMEM));
    }
    m_bytes = m_slot * count;
    void* p = ::mmap(nullptr, m_bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (p == MAP_FAILED) {
        throw EnvironmentError(failure(count, stack_size, "mmap", errno));
    }
    m_base = static_cast<char*>(p);
    // Where transparent huge pages are "always" on, one big mapping could be backed by 2 MiB
    // pages: each user's few touched KiB would then cost up to 2 MiB. Separate small mappings
    // never were; this one must not be either. (Advice only: a kernel without THP refuses it.)
    (void)::madvise(m_base, m_bytes, MADV_NOHUGEPAGE);
    for (std::size_t i = 0; i < count; ++i) {
        if (::mprotect(m_base + i * m_slot, page, PROT_NONE) != 0) {
            const int error = errno;  // ENOMEM: each guard page is a mapping of its own
            ::munmap(m_base, m_bytes);
            throw EnvironmentError(failure(count, stack_size, "guard pages", error));
        }
    }
}

StackPool::~StackPool() {
    if (m_base != nullptr) {
        ::munmap(m_base, m_bytes);
    }
}

boost::context::stack_context StackPool::stack(std::size_t i) const noexcept {
    assert(i < m_count);
    boost::context::stack_context s;
    s.sp = m_base + (i + 1) * m_slot;  // stacks grow down from the slot's end
    s.size = m_stack;
    return s;
}

}  // namespace loads::host
