#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/usage_error.hpp"
#include "cluster/file_archive.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;

using loads::host::ArchiveError;
using loads::host::ArchiveWriter;
using loads::host::unpack_archive;
using loads::host::UnpackedFile;
using loads::host::UsageError;

using loads::test::TempDir;

namespace {

constexpr std::uint64_t k_limit = 1 << 20;

void write_file(const fs::path& file, std::string_view content, fs::perms mode = fs::perms(0644)) {
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
    fs::permissions(file, mode);
}

std::string read_file(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

unsigned mode_of(const fs::path& file) {
    struct stat st {};
    REQUIRE(::lstat(file.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

/// Everything below `dir`, as paths relative to it (links not followed).
std::set<std::string> tree_of(const fs::path& dir) {
    std::set<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        out.insert(fs::relative(e.path(), dir).string());
    }
    return out;
}

/// The UsageError message `f` throws, or "" when it throws none.
template <typename F>
std::string usage_error_of(F f) {
    try {
        f();
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}

/// Builds archives byte by byte, forged ones included: independent of ArchiveWriter on purpose.
class Bytes {
public:
    Bytes& raw(std::string_view s) {
        m_out.append(s);
        return *this;
    }
    Bytes& u8(std::uint8_t v) { return little(v, 1); }
    Bytes& u32(std::uint32_t v) { return little(v, 4); }
    Bytes& u64(std::uint64_t v) { return little(v, 8); }
    Bytes& entry(std::string_view path, std::string_view content, std::uint8_t type = 0,
                 std::uint32_t mode = 0644) {
        u8(type).u32(mode).u32(static_cast<std::uint32_t>(path.size())).raw(path);
        return u64(content.size()).raw(content);
    }
    const std::string& str() const { return m_out; }

private:
    Bytes& little(std::uint64_t v, int n) {
        for (int i = 0; i < n; ++i) {
            m_out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
        }
        return *this;
    }
    std::string m_out;
};

Bytes header(std::uint32_t count) {
    return Bytes().raw("LDA1").u32(count);
}

/// A scratch parent holding only "target", so that a write escaping the target would show.
struct Target {
    TempDir parent{"loads-archive-test"};
    fs::path dir = parent.path() / "target";
    Target() { fs::create_directory(dir); }
    bool untouched() const {
        return fs::is_empty(dir) && tree_of(parent.path()) == std::set<std::string>{"target"};
    }
};

}  // namespace

TEST_CASE("files, trees, globs, absolute patterns and add_file round-trip with their modes") {
    TempDir src("loads-archive-test");
    const fs::path& s = src.path();
    write_file(s / "top.txt", "top\n");
    write_file(s / "run.sh", "#!/bin/sh\n", fs::perms(0755));
    write_file(s / "data/a.txt", "alpha", fs::perms(0600));
    write_file(s / "data/sub/b.bin", std::string("\0\1\2\xff", 4));
    write_file(s / "sub/x.txt", "x");
    write_file(s / "sub/y.txt", "yy");
    write_file(s / "sub/z.bin", "not a txt");
    write_file(s / "abs/conf.cfg", "k = v", fs::perms(0640));
    write_file(s / "build/libmod.so",
               "\x7f"
               "ELF",
               fs::perms(0755));

    ArchiveWriter w(k_limit);
    w.add_pattern("top.txt", s);
    w.add_pattern("run.sh", s);
    w.add_pattern("data", s);
    w.add_pattern("sub/*.txt", s);
    // An absolute pattern ignores the base, as os.path.join does.
    w.add_pattern((s / "abs" / "*.cfg").string(), "/nonexistent-base");
    w.add_file(s / "build/libmod.so", "pkg/libmod.so");

    const std::vector<std::string> expected{"top.txt", "run.sh", "data/a.txt", "data/sub/b.bin",
                                            "x.txt",   "y.txt",  "conf.cfg",   "pkg/libmod.so"};
    CHECK(w.entry_count() == expected.size());
    CHECK(w.content_bytes() == 4 + 10 + 5 + 4 + 1 + 2 + 5 + 4);
    CHECK(w.contains("data/sub/b.bin"));
    CHECK(w.contains("pkg/libmod.so"));
    CHECK_FALSE(w.contains("z.bin"));
    CHECK_FALSE(w.contains("data"));
    CHECK_FALSE(w.contains(std::string("data\0a.txt", 10)));
    const std::string bytes = w.bytes();
    CHECK(w.bytes() == bytes);

    TempDir out("loads-archive-test");
    const std::vector<UnpackedFile> files = unpack_archive(bytes, out.path(), k_limit);
    REQUIRE(files.size() == expected.size());
    for (std::size_t i = 0; i < files.size(); ++i) {
        CHECK(files[i].path == expected[i]);
    }
    CHECK(files[3].size == 4);
    CHECK(read_file(out.path() / "top.txt") == "top\n");
    CHECK(read_file(out.path() / "data/sub/b.bin") == std::string("\0\1\2\xff", 4));
    CHECK(read_file(out.path() / "y.txt") == "yy");
    CHECK(read_file(out.path() / "conf.cfg") == "k = v");
    CHECK(read_file(out.path() / "pkg/libmod.so") ==
          "\x7f"
          "ELF");
    CHECK(mode_of(out.path() / "run.sh") == 0755);
    CHECK(mode_of(out.path() / "data/a.txt") == 0600);
    CHECK(mode_of(out.path() / "conf.cfg") == 0640);
    CHECK(mode_of(out.path() / "top.txt") == 0644);
    CHECK(tree_of(out.path()) == std::set<std::string>{"top.txt", "run.sh", "data", "data/a.txt", "data/sub",
                                                       "data/sub/b.bin", "x.txt", "y.txt", "conf.cfg", "pkg",
                                                       "pkg/libmod.so"});
}

TEST_CASE("the writer refuses what it cannot ship, naming the pattern or the file") {
    TempDir src("loads-archive-test");
    const fs::path& s = src.path();
    write_file(s / "one/f.txt", "1");
    write_file(s / "two/f.txt", "2");
    write_file(s / "big.bin", std::string(11, 'b'));
    write_file(s / "six1", "123456");
    write_file(s / "six2", "123456");
    fs::create_directories(s / "tree/real");
    fs::create_directory_symlink(s / "tree/real", s / "dirlink");
    fs::create_directory_symlink("real", s / "tree/inner-link");

    ArchiveWriter w(k_limit);
    CHECK(usage_error_of([&] { w.add_pattern("nope*.txt", s); }).find("'nope*.txt'") != std::string::npos);
    CHECK(usage_error_of([&] { w.add_pattern("missing-dir/*", s); }).find("'missing-dir/*'") !=
          std::string::npos);

    w.add_pattern("one/f.txt", s);
    const std::string dup = usage_error_of([&] { w.add_pattern("two/*.txt", s); });
    CHECK(dup.find((s / "two/f.txt").string()) != std::string::npos);
    CHECK(dup.find((s / "one/f.txt").string()) != std::string::npos);
    CHECK(w.entry_count() == 1);
    // A file where another needs a directory could not be unpacked either.
    const std::string clash = usage_error_of([&] { w.add_file(s / "six1", "f.txt/inner"); });
    CHECK(clash.find("six1") != std::string::npos);
    CHECK(usage_error_of([&] { w.add_file(s / "six1", "../six1"); }).find("six1") != std::string::npos);
    CHECK(usage_error_of([&] { w.add_file(s / "one", "one"); }).find("not a regular file") !=
          std::string::npos);

    ArchiveWriter small(10);
    CHECK(usage_error_of([&] { small.add_pattern("big.bin", s); }).find("big.bin") != std::string::npos);
    small.add_pattern("six1", s);
    CHECK(usage_error_of([&] { small.add_pattern("six2", s); }).find("six2") != std::string::npos);
    CHECK(small.content_bytes() == 6);

    const std::string direct = usage_error_of([&] { w.add_pattern("dirlink", s); });
    CHECK(direct.find("'" + (s / "dirlink").string() + "'") != std::string::npos);
    CHECK(direct.find("link to a directory") != std::string::npos);
    const std::string walked = usage_error_of([&] { w.add_pattern("tree", s); });
    CHECK(walked.find("inner-link") != std::string::npos);
    CHECK(walked.find("link to a directory") != std::string::npos);
}

TEST_CASE("the writer refuses sockets") {
    TempDir src("loads-archive-test");
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string where = (src.path() / "sock").string();
    REQUIRE(where.size() < sizeof addr.sun_path);
    where.copy(addr.sun_path, where.size());
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
    ArchiveWriter w(k_limit);
    CHECK(usage_error_of([&] { w.add_pattern("sock", src.path()); }).find("sock") != std::string::npos);
    ::close(fd);
}

TEST_CASE("a link to a regular file is shipped as that file's content") {
    TempDir src("loads-archive-test");
    const fs::path& s = src.path();
    write_file(s / "real.txt", "the content", fs::perms(0640));
    fs::create_symlink("real.txt", s / "link.txt");
    fs::create_directory(s / "dir");
    fs::create_symlink("../real.txt", s / "dir/inner.txt");

    ArchiveWriter w(k_limit);
    w.add_pattern("link.txt", s);
    w.add_pattern("dir", s);
    TempDir out("loads-archive-test");
    unpack_archive(w.bytes(), out.path(), k_limit);
    CHECK(fs::is_regular_file(fs::symlink_status(out.path() / "link.txt")));
    CHECK(read_file(out.path() / "link.txt") == "the content");
    CHECK(mode_of(out.path() / "link.txt") == 0640);
    CHECK(fs::is_regular_file(fs::symlink_status(out.path() / "dir/inner.txt")));
    CHECK(read_file(out.path() / "dir/inner.txt") == "the content");
}

TEST_CASE("hidden files match only a pattern starting with '.', and a walk takes them all") {
    TempDir src("loads-archive-test");
    const fs::path& s = src.path();
    write_file(s / "h/.hid", "h");
    write_file(s / "h/vis", "v");
    write_file(s / "h/.cfg/inner", "i");

    ArchiveWriter star(k_limit);
    star.add_pattern("h/*", s);
    CHECK(star.entry_count() == 1);
    CHECK(star.contains("vis"));

    // ".*" must not match "." or ".." (which would ship the parent).
    ArchiveWriter dot(k_limit);
    dot.add_pattern("h/.*", s);
    CHECK(dot.entry_count() == 2);
    CHECK(dot.contains(".hid"));
    CHECK(dot.contains(".cfg/inner"));

    ArchiveWriter walk(k_limit);
    walk.add_pattern("h", s);
    CHECK(walk.entry_count() == 3);
    CHECK(walk.contains("h/.hid"));
    CHECK(walk.contains("h/vis"));
    CHECK(walk.contains("h/.cfg/inner"));
}

TEST_CASE("a valid hand-built archive unpacks: the format is the documented one") {
    Target t;
    const std::string bytes = header(2).entry("d/e/f.txt", "abc", 0, 04755).entry("g", "").str();
    const std::vector<UnpackedFile> files = unpack_archive(bytes, t.dir, k_limit);
    REQUIRE(files.size() == 2);
    CHECK(files[0].path == "d/e/f.txt");
    CHECK(files[0].size == 3);
    CHECK(read_file(t.dir / "d/e/f.txt") == "abc");
    CHECK(mode_of(t.dir / "d/e/f.txt") == 0755);  // never setuid
    CHECK(read_file(t.dir / "g").empty());
    CHECK_THROWS_AS(unpack_archive(bytes, t.dir / "missing", k_limit), ArchiveError);
}

TEST_CASE("hostile archives are refused whole, leaving the target untouched") {
    const Bytes valid = header(2).entry("dir/a.txt", "aaaa").entry("b.txt", "bb");
    const std::vector<std::pair<const char*, std::string>> cases{
        {"bad magic", Bytes().raw("LDA2").u32(0).str()},
        {"empty", ""},
        {"parent escape", header(1).entry("../evil", "x").str()},
        {"absolute", header(1).entry("/etc/x", "x").str()},
        {"inner escape", header(1).entry("a/../../x", "x").str()},
        {"empty component", header(1).entry("a//b", "x").str()},
        {"dot component", header(1).entry("./a", "x").str()},
        {"trailing slash", header(1).entry("a/", "x").str()},
        {"empty path", header(1).entry("", "x").str()},
        {"backslash", header(1).entry("a\\..\\b", "x").str()},
        {"NUL", header(1).entry(std::string_view("a\0b", 3), "x").str()},
        {"long path", header(1).entry(std::string(4097, 'a'), "x").str()},
        {"long component", header(1).entry(std::string(256, 'a'), "x").str()},
        {"link type", header(1).entry("l", "/etc/passwd", 1).str()},
        {"forged count", header(0xFFFFFFFF).entry("a", "x").str()},
        {"count one too many", header(3).entry("dir/a.txt", "aaaa").entry("b.txt", "bb").str()},
        {"forged size",
         header(1).u8(0).u32(0644).u32(1).raw("a").u64(std::uint64_t{1} << 40).raw("xy").str()},
        {"max size", header(1).u8(0).u32(0644).u32(1).raw("a").u64(~std::uint64_t{0}).raw("xy").str()},
        {"forged path length", header(1).u8(0).u32(0644).u32(0xFFFFFFFF).raw("abc").str()},
        {"trailing garbage", Bytes(valid).raw("x").str()},
        {"duplicate", header(2).entry("a/b", "1").entry("a/b", "2").str()},
        {"file then below it", header(2).entry("a", "1").entry("a/b", "2").str()},
        {"below then file", header(2).entry("a/b/c", "1").entry("a/b", "2").str()},
        {"neighbour in order", header(3).entry("a", "1").entry("a-b", "2").entry("a/c", "3").str()},
        {"over max_bytes",
         header(2).entry("a", std::string(600 * 1024, 'a')).entry("b", std::string(600 * 1024, 'b')).str()},
    };
    for (const auto& [label, bytes] : cases) {
        CAPTURE(label);
        Target t;
        std::string message;
        try {
            unpack_archive(bytes, t.dir, k_limit);
        } catch (const ArchiveError& e) {
            message = e.what();
        }
        CHECK_FALSE(message.empty());
        CHECK(message.find('\n') == std::string::npos);
        CHECK(t.untouched());
    }

    Target t;
    for (std::size_t size = 0; size < valid.str().size(); ++size) {
        CAPTURE(size);
        CHECK_THROWS_AS(unpack_archive(std::string_view(valid.str()).substr(0, size), t.dir, k_limit),
                        ArchiveError);
    }
    CHECK(t.untouched());
    CHECK(unpack_archive(valid.str(), t.dir, k_limit).size() == 2);
}

TEST_CASE("the error names the refused entry") {
    Target t;
    const std::string bytes = header(2).entry("ok", "1").entry("bad/../x", "2").str();
    CHECK_THROWS_WITH_AS(unpack_archive(bytes, t.dir, k_limit), doctest::Contains("entry 2 of 2 'bad/../x'"),
                         ArchiveError);
    const std::string dup = header(2).entry("same", "1").entry("same", "2").str();
    CHECK_THROWS_WITH_AS(unpack_archive(dup, t.dir, k_limit),
                         doctest::Contains("duplicate of entry 1 'same'"), ArchiveError);
}

TEST_CASE("a link planted in the target never redirects a write") {
    Target t;
    const fs::path outside = t.parent.path() / "outside";
    fs::create_directory(outside);
    fs::create_directory_symlink(outside, t.dir / "sub");
    fs::create_symlink(outside / "file", t.dir / "file");

    for (const char* path : {"sub/x", "file"}) {
        CAPTURE(path);
        try {
            unpack_archive(header(1).entry(path, "pwned").str(), t.dir, k_limit);
        } catch (const ArchiveError&) {
            // Refusing is one of the two acceptable outcomes.
        }
        CHECK(fs::is_empty(outside));
    }
}

TEST_CASE("random corruptions of a valid archive unpack or are refused, never crash") {
    const std::string valid = header(4)
                                  .entry("d/a.txt", "alpha")
                                  .entry("d/s/b", "bravo!")
                                  .entry("c", "")
                                  .entry("e.bin", "\x01\x02")
                                  .str();
    TempDir scratch("loads-archive-test");
    std::mt19937 rng(20240611);
    int unpacked = 0;
    int refused = 0;
    for (int round = 0; round < 2000; ++round) {
        std::string bytes = valid;
        const int edits = 1 + static_cast<int>(rng() % 3);
        for (int k = 0; k < edits; ++k) {
            const std::size_t at = rng() % (bytes.size() + 1);
            switch (rng() % 3) {
                case 0:
                    if (at < bytes.size()) {
                        bytes[at] = static_cast<char>(bytes[at] ^ static_cast<char>(1 + rng() % 255));
                    }
                    break;
                case 1:
                    bytes.insert(at, 1, static_cast<char>(rng()));
                    break;
                default:
                    if (at < bytes.size()) {
                        bytes.erase(at, 1);
                    }
                    break;
            }
        }
        const fs::path dir = scratch.path() / std::to_string(round);
        fs::create_directory(dir);
        try {
            for (const UnpackedFile& f : unpack_archive(bytes, dir, k_limit)) {
                CHECK(fs::is_regular_file(fs::symlink_status(dir / f.path)));
                CHECK(fs::file_size(dir / f.path) == f.size);
            }
            ++unpacked;
        } catch (const ArchiveError&) {
            ++refused;
        }
        fs::remove_all(dir);
    }
    CHECK(unpacked > 0);
    CHECK(refused > 0);
    CHECK(fs::is_empty(scratch.path()));
}
