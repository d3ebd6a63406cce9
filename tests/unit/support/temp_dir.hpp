// TempDir: a fresh directory for one unit test, removed with everything in it when the test ends.
#pragma once

#include <filesystem>
#include <string>

#include <stdlib.h>

#include <doctest/doctest.h>

namespace loads::test {

class TempDir {
public:
    /// `prefix` names it (`<base>/<prefix>-XXXXXX`); `base` defaults to the system's temporary
    /// directory (pass "/tmp" where a Unix socket path must stay short).
    explicit TempDir(const std::string& prefix,
                     const std::filesystem::path& base = std::filesystem::temp_directory_path()) {
        std::string pattern = (base / (prefix + "-XXXXXX")).string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        m_path = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const noexcept { return m_path; }
    std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

private:
    std::filesystem::path m_path;
};

}  // namespace loads::test
