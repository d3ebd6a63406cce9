// trim_blanks: a view without the spaces and tabs at its two ends, as the option values, cookies
// and threshold expressions people type are read.
#pragma once

#include <string_view>

namespace loads::host {

inline std::string_view trim_blanks(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace loads::host
