// StackPool: the users' stacks are usable over their whole size, do not overlap, sit on a
// PROT_NONE guard page each, and a pool that cannot be mapped is a one-line EnvironmentError.
#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "base/usage_error.hpp"
#include "engine/stack_pool.hpp"

using loads::host::EnvironmentError;
using loads::host::StackPool;

namespace {

// The permissions /proc/self/maps gives the page holding `address` ("rw-p", "---p"...).
std::string permissions_at(const void* address) {
    const auto a = reinterpret_cast<std::uintptr_t>(address);
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line)) {
        std::istringstream in(line);
        std::string range;
        std::string perms;
        in >> range >> perms;
        const auto dash = range.find('-');
        const auto low = std::stoull(range.substr(0, dash), nullptr, 16);
        const auto high = std::stoull(range.substr(dash + 1), nullptr, 16);
        if (a >= low && a < high) {
            return perms;
        }
    }
    return "";
}

}  // namespace

TEST_CASE("each stack is usable end to end, above its own guard page, apart from the others") {
    constexpr std::size_t k_size = 64 * 1024 + 100;  // rounded up to whole pages
    StackPool pool(3, k_size);
    REQUIRE(pool.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        const auto s = pool.stack(i);
        CHECK(s.size >= k_size);
        CHECK(reinterpret_cast<std::uintptr_t>(s.sp) % 16 == 0);
        char* top = static_cast<char*>(s.sp);
        char* bottom = top - s.size;
        top[-1] = 'x';  // both ends are writable
        bottom[0] = 'y';
        CHECK(permissions_at(top - 1).substr(0, 2) == "rw");
        CHECK(permissions_at(bottom - 1) == "---p");  // the guard page right below
        if (i > 0) {
            CHECK(static_cast<char*>(pool.stack(i - 1).sp) < bottom);  // no overlap
        }
    }
}

TEST_CASE("a pool too big for the address space is an EnvironmentError naming the way out") {
    try {
        StackPool pool(std::size_t{1} << 30, std::size_t{1} << 30);  // 1 EiB
        FAIL("mapped an exbibyte");
    } catch (const EnvironmentError& e) {
        const std::string message = e.what();
        CHECK(message.find("cannot map 1073741824 user stacks of 1048576 KiB") == 0);
        CHECK(message.find("--stack-size") != std::string::npos);
        CHECK(message.find('\n') == std::string::npos);
    }
}

TEST_CASE("an empty pool maps nothing") {
    StackPool pool(0, 1024 * 1024);
    CHECK(pool.size() == 0);
}
