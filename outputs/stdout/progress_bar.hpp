// The seed's progress bar: `[=====     ]  42%`, as wide as the terminal.
#pragma once

#include <string>

namespace loads::outputs {

/// The bar line for `percent` (0–100) at terminal `width`, without the leading '\r'.
std::string progress_bar(int percent, int width);

/// Width of the terminal on stdout, 100 when unknown (the seed's fallback).
int terminal_width();

}  // namespace loads::outputs
