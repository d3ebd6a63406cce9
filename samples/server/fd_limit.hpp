/// @file fd_limit.hpp
/// @brief Making room for thousands of concurrent connections.
#pragma once

namespace loads::sample_server {

/// Raises the soft limit on open files to the hard limit. Every connection holds a descriptor and
/// the usual soft limit (1024) is below what load tests open; failing to raise it is not fatal,
/// the server then just accepts fewer connections at a time.
void raise_open_file_limit() noexcept;

}  // namespace loads::sample_server
