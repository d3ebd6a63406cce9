// run_on_thread_stack: the work runs on the worker thread's stack, not the coroutine's (which is
// what keeps Beast's 4 KiB header parsing out of every user's resident stack), in order, and an
// exception comes back to the coroutine. Fails if a Boost upgrade stops running initiations on
// the thread's stack.
#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/detached.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/spawn.hpp>
#include <boost/context/protected_fixedsize_stack.hpp>

#include "asio_types.hpp"
#include "thread_stack.hpp"

using loads::host::run_on_thread_stack;
using loads::host::Yield;

namespace {

std::uintptr_t distance(const void* a, const void* b) {
    const auto x = reinterpret_cast<std::uintptr_t>(a);
    const auto y = reinterpret_cast<std::uintptr_t>(b);
    return x > y ? x - y : y - x;
}

// Where the calling code's stack is.
[[gnu::noinline]] const void* stack_address() {
    return __builtin_frame_address(0);
}

constexpr std::size_t k_coroutine_stack = 256 * 1024;

template <typename Body>
void spawn_user(boost::asio::io_context& io, Body body) {
    boost::asio::spawn(
        io.get_executor(), std::allocator_arg, boost::context::protected_fixedsize_stack(k_coroutine_stack),
        [body](Yield yield) { body(yield); }, boost::asio::detached);
}

}  // namespace

TEST_CASE("run_on_thread_stack runs the work on the thread's stack and then resumes the coroutine") {
    boost::asio::io_context io;
    const void* in_coroutine = nullptr;
    const void* in_work = nullptr;
    std::vector<std::string> order;
    spawn_user(io, [&](Yield yield) {
        in_coroutine = stack_address();
        order.push_back("before");
        run_on_thread_stack(yield, [&] {
            in_work = stack_address();
            order.push_back("work");
        });
        order.push_back("after");
    });
    const void* in_thread = stack_address();
    io.run();

    REQUIRE(in_work != nullptr);
    CHECK(order == std::vector<std::string>{"before", "work", "after"});
    // The coroutine's stack is a separate mapping; the work ran a few frames under io.run().
    CHECK(distance(in_coroutine, in_thread) > k_coroutine_stack);
    CHECK(distance(in_work, in_thread) < 64 * 1024);
}

TEST_CASE("run_on_thread_stack completes at once, without letting other users run in between") {
    boost::asio::io_context io;
    std::vector<std::string> order;
    spawn_user(io, [&](Yield yield) {
        for (int i = 0; i < 3; ++i) {
            run_on_thread_stack(yield, [&] { order.push_back("a" + std::to_string(i)); });
        }
        order.push_back("a done");
    });
    spawn_user(io, [&](Yield) { order.push_back("b"); });
    io.run();
    CHECK(order == std::vector<std::string>{"a0", "a1", "a2", "a done", "b"});
}

TEST_CASE("an exception thrown by the work comes back to the coroutine") {
    boost::asio::io_context io;
    std::string caught;
    bool went_on = false;
    spawn_user(io, [&](Yield yield) {
        try {
            run_on_thread_stack(yield, [] { throw std::runtime_error("parse failed"); });
        } catch (const std::runtime_error& e) {
            caught = e.what();
        }
        run_on_thread_stack(yield, [&] { went_on = true; });
    });
    CHECK_NOTHROW(io.run());
    CHECK(caught == "parse failed");
    CHECK(went_on);
}

TEST_CASE("many calls without a wait in between do not pile up on the thread's stack") {
    boost::asio::io_context io;
    constexpr int k_calls = 2000;
    int done = 0;
    std::uintptr_t deepest = 0;
    const void* in_thread = stack_address();
    spawn_user(io, [&](Yield yield) {
        for (int i = 0; i < k_calls; ++i) {
            run_on_thread_stack(yield, [&] {
                ++done;
                const auto d = distance(stack_address(), in_thread);
                if (d < k_coroutine_stack && d > deepest) {
                    deepest = d;  // ran on the thread's stack, this far down
                }
            });
        }
    });
    io.run();
    CHECK(done == k_calls);
    CHECK(deepest > 0);          // the first calls did run on the thread's stack
    CHECK(deepest < 64 * 1024);  // 2,000 nested resumes would have gone far deeper
}
