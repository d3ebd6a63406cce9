# loads_project_options: the warnings and sanitizer flags every in-tree target carries.
add_library(loads_project_options INTERFACE)
target_compile_options(loads_project_options INTERFACE -Wall -Wextra)
if(LOADS_WERROR)
  target_compile_options(loads_project_options INTERFACE -Werror)
endif()
if(LOADS_SANITIZE)
  target_compile_options(loads_project_options INTERFACE -fsanitize=${LOADS_SANITIZE} -fno-omit-frame-pointer
                                                         -fno-sanitize-recover=all)
  target_link_options(loads_project_options INTERFACE -fsanitize=${LOADS_SANITIZE})
  # Asio's stackful coroutines switch stacks; tell ASan through Boost.Context's annotations.
  target_compile_definitions(loads_project_options INTERFACE BOOST_USE_ASAN BOOST_USE_UCONTEXT)
endif()
