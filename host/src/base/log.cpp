#include "base/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include <unistd.h>

#include "base/usage_error.hpp"

namespace loads::host {

namespace {

std::mutex g_mutex;
std::FILE* g_out = stdout;
bool g_debug = false;

void write_line(std::string_view line) {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    localtime_r(&t, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
    const std::lock_guard lock(g_mutex);
    std::fprintf(g_out, "[%s,%03d][%d] %.*s\n", stamp, static_cast<int>(ms), static_cast<int>(getpid()),
                 static_cast<int>(line.size()), line.data());
    std::fflush(g_out);
}

}  // namespace

void open_log(const std::string& target, bool debug) {
    g_debug = debug;
    if (target.empty() || target == "stdout") {
        g_out = stdout;
        return;
    }
    std::FILE* f = std::fopen(target.c_str(), "ae");  // "e": close-on-exec, not inherited by children
    if (f == nullptr) {
        throw EnvironmentError("cannot open the log file '" + target + "'");
    }
    g_out = f;
}

void log_info(std::string_view line) {
    write_line(line);
}

void log_debug(std::string_view line) {
    if (g_debug) {
        write_line(line);
    }
}

std::string log_text(std::string_view text, std::size_t max) {
    std::string out;
    for (char c : text.substr(0, max)) {
        out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) ? ' ' : c;
    }
    if (text.size() > max) {
        out += "...";
    }
    return out;
}

}  // namespace loads::host
