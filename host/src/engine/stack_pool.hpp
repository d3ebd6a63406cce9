// StackPool: the coroutine stacks of one worker's users, mapped in one piece before any worker
// thread runs, each with a guard page below it.
//
// Why: Boost.Context's protected_fixedsize_stack maps each stack and protects its guard page
// when the user is spawned, on the worker's thread. Both calls take the process's memory-map
// lock for writing, while the other workers' threads take it for reading on every first touch of
// a page; with thousands of users starting at once on two threads the kernel spent its time
// spinning on that lock (15,000 users: ~50% more CPU at --threads 2 than at 1). Mapped by the
// engine thread before the workers start, the stacks cost one mmap per worker, and the workers
// only ever fault pages in. Unmapped as one piece when the worker is destroyed, after its thread
// has joined (every coroutine has ended by then); pages a finished user touched stay resident
// until that point, which is the end of its cycle.
//
// Layout of each slot, lowest address first: a PROT_NONE guard page (an overflow faults cleanly
// there, see crash_report), then the stack, which grows down from the slot's end. Pages are
// committed only when touched (MAP_NORESERVE: a big pool is address space, not memory, except
// under strict overcommit, vm.overcommit_memory=2, which charged separate stacks just the same).
#pragma once

#include <cstddef>

#include <boost/context/stack_context.hpp>

namespace loads::host {

class StackPool {
public:
    /// Maps `count` stacks of at least `stack_size` bytes. Throws EnvironmentError (one line)
    /// when the address space or the map count cannot hold them.
    StackPool(std::size_t count, std::size_t stack_size);
    ~StackPool();
    StackPool(const StackPool&) = delete;
    StackPool& operator=(const StackPool&) = delete;

    std::size_t size() const noexcept { return m_count; }
    /// The i-th stack, for the i-th user's coroutine.
    boost::context::stack_context stack(std::size_t i) const noexcept;

private:
    char* m_base = nullptr;
    std::size_t m_count = 0;
    std::size_t m_slot = 0;   ///< Guard page + stack, page-aligned.
    std::size_t m_stack = 0;  ///< The stack part of a slot.
    std::size_t m_bytes = 0;  ///< The whole mapping.
};

/// A Boost.Context stack allocator that hands out one stack of a StackPool: the coroutine runs on
/// it and, when it ends, leaves it to the pool.
class PooledStack {
public:
    explicit PooledStack(boost::context::stack_context stack) noexcept : m_stack(stack) {}
    boost::context::stack_context allocate() const noexcept { return m_stack; }
    void deallocate(boost::context::stack_context&) const noexcept {}

private:
    boost::context::stack_context m_stack;
};

}  // namespace loads::host
