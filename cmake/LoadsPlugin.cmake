# loads_add_test_plugin(<name> <sources>...)
#
# Builds a loads test-suite plugin: lib<name>.so, whose module name for loads-runner is <name>.
# The plugin is compiled against the SDK headers alone (target loads::sdk), as C++20, position
# independent, with hidden visibility so only the symbols the SDK macros export are visible.
# Used in-tree and, through the installed loadsConfig.cmake, by users' own projects.
function(loads_add_test_plugin name)
  if(NOT ARGN)
    message(FATAL_ERROR "loads_add_test_plugin(${name}): no source files given")
  endif()
  _loads_add_plugin(${name} ${ARGN})
endfunction()

# The one way every plugin is built: a MODULE lib<name>.so against loads::sdk, C++20, hidden
# visibility (only the SDK's registration symbols are exported).
function(_loads_add_plugin name)
  add_library(${name} MODULE ${ARGN})
  target_link_libraries(${name} PRIVATE loads::sdk)
  set_target_properties(${name} PROPERTIES
    PREFIX "lib"
    OUTPUT_NAME "${name}"
    CXX_STANDARD 20
    CXX_STANDARD_REQUIRED ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    POSITION_INDEPENDENT_CODE ON)
endfunction()

# loads_add_output_plugin(<name> <sources>...)
#
# Builds a loads output plugin: lib<name>.so, loaded by `loads-runner --output <name>` from the
# current directory, --test-dir or LOADS_PATH. Its sources register the output with
# LOADS_OUTPUT(Class, <name>, ...) from <loads/output.hpp>; like test plugins, it compiles
# against the SDK headers alone.
function(loads_add_output_plugin name)
  if(NOT ARGN)
    message(FATAL_ERROR "loads_add_output_plugin(${name}): no source files given")
  endif()
  _loads_add_plugin(${name} ${ARGN})
endfunction()

# loads_add_observer_plugin(<name> <sources>...)
#
# Builds a loads observer plugin: lib<name>.so, loaded by `loads-runner --observer <name>` from
# the current directory, --test-dir or LOADS_PATH (and by loads-broker from its --observer-path).
# Its sources register the observer with LOADS_OBSERVER(Class, <name>, ...) from
# <loads/observer.hpp>; like every plugin, it compiles against the SDK headers alone.
function(loads_add_observer_plugin name)
  if(NOT ARGN)
    message(FATAL_ERROR "loads_add_observer_plugin(${name}): no source files given")
  endif()
  _loads_add_plugin(${name} ${ARGN})
endfunction()
