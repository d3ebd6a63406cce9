// Conversions between the ABI's loads_str slices and C++ strings, used wherever the host reads
// or fills ABI structs.
#pragma once

#include <string>
#include <string_view>

#include <loads/abi.h>

namespace loads::host {

inline std::string_view text(const loads_str& s) {
    return {s.ptr, s.len};
}
inline loads_str view(const std::string& s) {
    return {s.data(), s.size()};
}

}  // namespace loads::host
