// Sanitizer builds only (ASan and TSan). Debian's libboost_context is built with the fcontext back
// end, which does not tell the sanitizers about stack switches: ASan then reports false stack
// errors and TSan loses track of which coroutine runs. Sanitizer builds select the header-only
// ucontext back end instead (BOOST_USE_UCONTEXT + BOOST_USE_ASAN or BOOST_USE_TSAN), whose one
// out-of-line piece — the pointer to the activation record running on this thread — the library
// does not ship. It is defined here.
#include <boost/context/fiber.hpp>

#include <memory>

namespace boost::context::detail {

fiber_activation_record*& fiber_activation_record::current() noexcept {
    // A thread starts in its own main context; this record stands for it until the thread ends.
    thread_local std::unique_ptr<fiber_activation_record> main_context{new fiber_activation_record()};
    thread_local fiber_activation_record* running = main_context.get();
    return running;
}

}  // namespace boost::context::detail
