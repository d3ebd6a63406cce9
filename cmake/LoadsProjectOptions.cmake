# loads_project_options: the warnings and sanitizer flags every in-tree target carries.
add_library(loads_project_options INTERFACE)
target_compile_options(loads_project_options INTERFACE -Wall -Wextra -Wshadow -Wconversion
                                                       $<$<COMPILE_LANGUAGE:CXX>:-Wsuggest-override>)
# GCC 12 at -O3 reports impossible overlapping copies inside std::string's operator+ (GCC bug
# 105651); with -Werror that breaks Release builds of ordinary string code.
target_compile_options(loads_project_options INTERFACE
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-restrict>)
if(LOADS_WERROR)
  target_compile_options(loads_project_options INTERFACE -Werror)
endif()
if(LOADS_SANITIZE)
  target_compile_options(loads_project_options INTERFACE -fsanitize=${LOADS_SANITIZE} -fno-omit-frame-pointer
                                                         -fno-sanitize-recover=all)
  target_link_options(loads_project_options INTERFACE -fsanitize=${LOADS_SANITIZE})
  # Virtual users run on Boost.Context stacks. A sanitizer must be told when execution switches
  # stacks — ASan, or an exception thrown on a coroutine stack produces false stack errors; TSan,
  # or it mixes up the coroutines' happens-before histories: Boost.Context's ucontext back end
  # carries those annotations (host/src/base/fiber_sanitizer_support.cpp completes it).
  if(LOADS_SANITIZE MATCHES "address")
    target_compile_definitions(loads_project_options INTERFACE BOOST_USE_UCONTEXT BOOST_USE_ASAN)
  elseif(LOADS_SANITIZE MATCHES "thread")
    target_compile_definitions(loads_project_options INTERFACE BOOST_USE_UCONTEXT BOOST_USE_TSAN)
    # GCC warns that TSan does not model std::atomic_thread_fence, which Asio's handler
    # invocation uses (std_fenced_block). Those fences only back up what already orders the
    # hand-over of a handler between threads — the scheduler's mutex, which TSan does see — so
    # they cannot hide a race from it, nor make it report one.
    target_compile_options(loads_project_options INTERFACE -Wno-tsan)
  endif()
endif()
