/// @file coroutine_group.hpp
/// @brief The server's coroutines, kept track of so that a signal can end all of them.
///
/// Shutdown cancels each coroutine's pending operation and lets it return normally, rather than
/// stopping the io_context and leaving its destructor to unwind suspended coroutines: that unwinding
/// throws on every coroutine stack, which AddressSanitizer reports as errors when Boost.Context is
/// built without its sanitizer support (as Debian's is), and it skips the orderly close of sockets.
#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <unordered_set>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
// Before spawn.hpp, which uses asio::error without including it (Boost 1.81).
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/spawn.hpp>

namespace loads::sample_server {

class CoroutineGroup {
public:
    /// Runs `function(boost::asio::yield_context)` as a coroutine on `strand`, an executor that
    /// runs one handler at a time. Returns false, running nothing, once stop() has been called.
    /// An exception escaping `function` propagates out of io_context::run().
    template <class Function>
    bool spawn(const boost::asio::any_io_executor& strand, Function&& function);

    /// Cancels the pending operation of every coroutine of the group, terminally: each sees
    /// operation_aborted, or yield.cancelled() when it was between operations, and is expected to
    /// return. Thread-safe; later calls do nothing.
    void stop();

    /// Coroutines still running. Thread-safe.
    std::size_t size();

private:
    struct Member {
        boost::asio::any_io_executor strand;
        // Only ever used on `strand`: cancellation signals are not thread-safe.
        boost::asio::cancellation_signal signal;
    };

    void remove(const std::shared_ptr<Member>& member);

    std::mutex m_mutex;
    bool m_stopped = false;
    std::unordered_set<std::shared_ptr<Member>> m_members;
};

template <class Function>
bool CoroutineGroup::spawn(const boost::asio::any_io_executor& strand, Function&& function) {
    auto member = std::make_shared<Member>();
    member->strand = strand;
    {
        std::lock_guard lock(m_mutex);
        if (m_stopped) {
            return false;
        }
        m_members.insert(member);
    }
    // Started from the strand itself, so that connecting the signal's slot cannot race with the
    // emit that stop() posts to the same strand, necessarily after this.
    boost::asio::post(strand, [this, member, function = std::forward<Function>(function)]() mutable {
        boost::asio::spawn(member->strand, std::move(function),
                           boost::asio::bind_cancellation_slot(member->signal.slot(),
                                                               [this, member](std::exception_ptr error) {
                                                                   remove(member);
                                                                   if (error) {
                                                                       std::rethrow_exception(error);
                                                                   }
                                                               }));
    });
    return true;
}

}  // namespace loads::sample_server
