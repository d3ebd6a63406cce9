// The loads_host_api table handed to plugins: C entry points that forward to VirtualUser.
#pragma once

#include <loads/abi.h>

namespace loads::host {

/// The process-wide services table (static storage).
const loads_host_api* host_api() noexcept;

}  // namespace loads::host
