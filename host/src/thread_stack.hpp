// Running a piece of a virtual user's work on its worker thread's stack instead of its own.
//
// Why: every page of a user's coroutine stack that is touched once stays resident for the rest of
// the run, so what a user costs in memory is the deepest its code ever goes. Some library code is
// deep for no good reason: Beast's header parser (basic_parser::parse_fields) keeps a 4 KiB buffer
// on the stack for obsolete line folding, which alone took every user from two 4 KiB stack pages
// to three (10,000 users: 40 MiB). Run there, such code touches the worker's stack, which every
// user shares and which is resident anyway.
//
// How: Boost.Asio's spawn (1.80 and later) runs an asynchronous operation's initiation after the
// coroutine has switched back to its thread (spawned_thread_base::suspend_with), on the thread's
// stack. An "operation" whose initiation does the work and then completes at once runs the work
// there, and completing resumes the coroutine straight away, without a trip through the
// scheduler. tests/unit/thread_stack_test.cpp checks that this still holds, so that a Boost
// upgrade that changes it fails a test rather than silently costing memory.
#pragma once

#include "asio_types.hpp"

#include <boost/asio/async_result.hpp>

#include <exception>
#include <utility>

namespace loads::host {

namespace detail {
// How many completions of run_on_thread_stack are on this thread's stack right now. One counter
// for every call site (a thread_local inside the template would be one per lambda type).
inline thread_local int g_thread_stack_nesting = 0;
}  // namespace detail

// Calls fn() on the thread that runs the coroutine of `yield`, on that thread's stack, and returns
// when it has returned. fn must not suspend (it runs outside the coroutine); an exception it
// throws is rethrown here, in the coroutine.
//
// Completing resumes the coroutine from inside the initiation, a few frames down the thread's
// stack, and those frames stay until the coroutine next really waits. Calls in a row without a
// wait in between (a run of interim 1xx responses in one read) would pile them up, so past a
// small depth the work runs where it is, on the coroutine's stack.
template <typename Fn>
void run_on_thread_stack(const Yield& yield, Fn&& fn) {
    constexpr int k_max_nesting = 16;
    if (detail::g_thread_stack_nesting >= k_max_nesting) {
        std::forward<Fn>(fn)();
        return;
    }
    std::exception_ptr failure;
    boost::asio::async_initiate<const Yield&, void()>(
        [&fn, &failure](auto handler) {
            try {
                std::forward<Fn>(fn)();
            } catch (...) {
                failure = std::current_exception();  // never through Asio's scheduler
            }
            ++detail::g_thread_stack_nesting;  // the coroutine runs on from here until it next waits
            std::move(handler)();
            --detail::g_thread_stack_nesting;
        },
        yield);
    if (failure) {
        std::rethrow_exception(failure);
    }
}

}  // namespace loads::host
