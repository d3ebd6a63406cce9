#include "progress_bar.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <sys/ioctl.h>
#include <unistd.h>

namespace loads::outputs {

std::string progress_bar(int percent, int width) {
    percent = std::clamp(percent, 0, 100);
    width = std::max(width, 20);
    const int inner = width - 8;  // "[", "]", " ", "100%" and a spare column
    const int filled = std::clamp(static_cast<int>(std::lround(percent * width / 100.0)) - 8, 0, inner);
    std::string line = "[";
    line.append(static_cast<std::size_t>(filled), '=');
    line.append(static_cast<std::size_t>(inner - filled), ' ');
    char pct[8];
    std::snprintf(pct, sizeof pct, "%3d%%", percent);
    line += "] ";
    line += pct;
    return line;
}

int terminal_width() {
    winsize ws{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
        return ws.ws_col;
    }
    return 100;
}

}  // namespace loads::outputs
