#include "cluster/file_archive.hpp"

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <limits>
#include <optional>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/usage_error.hpp"

namespace loads::host {
namespace {

constexpr std::string_view k_magic = "LDA1";  // loads archive, format 1
constexpr std::uint8_t k_type_file = 0;
constexpr std::size_t k_max_path = 4096;
// NAME_MAX of every Linux file system: a longer name would only fail halfway through unpacking.
constexpr std::size_t k_max_component = 255;
// type, mode, path_length, one path byte, size: a forged entry count is checked against this.
constexpr std::size_t k_min_entry_bytes = 1 + 4 + 4 + 1 + 8;
constexpr std::size_t k_chunk = 64 * 1024;

std::string errno_text(int error) {
    return std::error_code(error, std::generic_category()).message();
}

/// `text` quoted for a one-line message: a hostile path may hold newlines or control bytes, and a
/// 4 KiB one would drown the reason.
std::string shown(std::string_view text) {
    constexpr std::size_t k_shown = 200;
    constexpr std::string_view k_hex = "0123456789abcdef";
    std::string out = "'";
    for (std::size_t i = 0; i < text.size() && i < k_shown; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7F || c == '\\' || c == '\'') {
            out += "\\x";
            out += k_hex[c >> 4];
            out += k_hex[c & 0xF];
        } else {
            out += static_cast<char>(c);
        }
    }
    out += text.size() > k_shown ? "'..." : "'";
    return out;
}

/// Why `path` may not be an archive path ("" when it may): whatever the agent's file system does
/// with it, it must name a file strictly inside the target directory.
std::string path_problem(std::string_view path) {
    if (path.empty()) {
        return "empty path";
    }
    if (path.size() > k_max_path) {
        return "path longer than " + std::to_string(k_max_path) + " bytes";
    }
    if (path.front() == '/') {
        return "absolute path";
    }
    if (path.find('\0') != std::string_view::npos) {
        return "NUL byte in path";
    }
    if (path.find('\\') != std::string_view::npos) {
        return "backslash in path";
    }
    for (std::size_t start = 0;;) {
        const std::size_t end = std::min(path.find('/', start), path.size());
        const std::string_view component = path.substr(start, end - start);
        if (component.empty() || component == "." || component == "..") {
            return "empty, '.' or '..' path component";
        }
        if (component.size() > k_max_component) {
            return "path component longer than " + std::to_string(k_max_component) + " bytes";
        }
        if (end == path.size()) {
            return {};
        }
        start = end + 1;
    }
}

/// The key of an archive path in a claims map: '/' becomes NUL (which no valid path holds), the
/// smallest byte, so keys sort component by component and the files under "a/" come right after
/// "a", before "a-b". Hence a file and a directory of the same name are always neighbours.
std::string order_key(std::string_view path) {
    std::string key(path);
    std::replace(key.begin(), key.end(), '/', '\0');
    return key;
}

bool is_below(const std::string& key, const std::string& dir_key) {
    return key.size() > dir_key.size() && key[dir_key.size()] == '\0' && key.starts_with(dir_key);
}

/// The claimed entry that `key` collides with: the same path, a file where `key` needs a
/// directory, or files where `key` would be a file. `claimed` itself has no collision, so only
/// the neighbours of `key` need a look: O(log n).
std::optional<std::size_t> find_conflict(const std::map<std::string, std::size_t>& claimed,
                                         const std::string& key) {
    const auto next = claimed.lower_bound(key);
    if (next != claimed.end() && (next->first == key || is_below(next->first, key))) {
        return next->second;
    }
    if (next != claimed.begin() && is_below(key, std::prev(next)->first)) {
        return std::prev(next)->second;
    }
    return std::nullopt;
}

/// Closes its descriptor on every way out, exceptions included.
class UniqueFd {
public:
    explicit UniqueFd(int fd) : m_fd(fd) {}
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(-1); }
    int get() const { return m_fd; }
    void reset(int fd) {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        m_fd = fd;
    }
    /// Closes now and reports the result: some file systems only report write errors there.
    int close() {
        const int result = ::close(m_fd);
        m_fd = -1;
        return result;
    }

private:
    int m_fd;
};

/// The names in `dir` ("." and ".." never are: ".*" must not ship the parent), sorted so that
/// equal trees give equal archives.
std::vector<std::string> list_directory(const std::filesystem::path& dir, std::error_code& error) {
    std::vector<std::string> names;
    for (std::filesystem::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
        names.push_back(it->path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

void put_little(std::string& out, std::uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) {
        out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
    }
}

/// Reads the archive, every length checked against what is left before it is used.
class ByteReader {
public:
    explicit ByteReader(std::string_view in) : m_in(in) {}
    std::size_t left() const { return m_in.size() - m_pos; }
    std::optional<std::uint64_t> little(std::size_t bytes) {
        if (left() < bytes) {
            return std::nullopt;
        }
        std::uint64_t value = 0;
        for (std::size_t i = 0; i < bytes; ++i) {
            value |= std::uint64_t{static_cast<unsigned char>(m_in[m_pos + i])} << (8 * i);
        }
        m_pos += bytes;
        return value;
    }
    /// `size` bytes, which the caller has checked are left.
    std::string_view take(std::size_t size) {
        const std::string_view out = m_in.substr(m_pos, size);
        m_pos += size;
        return out;
    }

private:
    std::string_view m_in;
    std::size_t m_pos = 0;
};

struct ParsedEntry {
    std::string_view path;
    std::uint32_t mode;
    std::string_view content;  ///< Into the archive: nothing is copied before it is written.
};

/// Parses and validates the whole archive, writing nothing.
std::vector<ParsedEntry> parse_archive(std::string_view archive, std::uint64_t max_bytes) {
    ByteReader in(archive);
    const auto magic = in.left() >= k_magic.size() ? in.take(k_magic.size()) : std::string_view{};
    if (magic != k_magic) {
        throw ArchiveError("not a loads file archive (magic " + std::string(k_magic) + " expected)");
    }
    const auto count = in.little(4);
    if (!count) {
        throw ArchiveError("archive truncated in its entry count");
    }
    if (*count > in.left() / k_min_entry_bytes) {
        throw ArchiveError("archive claims " + std::to_string(*count) + " entries but holds only " +
                           std::to_string(in.left()) + " bytes after its header");
    }
    std::vector<ParsedEntry> entries;
    entries.reserve(*count);
    std::map<std::string, std::size_t> claimed;
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < *count; ++i) {
        std::string name = "archive entry " + std::to_string(i + 1) + " of " + std::to_string(*count);
        // Each read needs at least as many bytes as the one before: if the last one succeeded, all did.
        const auto type = in.little(1);
        const auto mode = in.little(4);
        const auto path_length = in.little(4);
        if (!path_length) {
            throw ArchiveError(name + ": truncated");
        }
        if (*type != k_type_file) {
            throw ArchiveError(name + ": type " + std::to_string(*type) + " is not a regular file");
        }
        if (*path_length > in.left()) {
            throw ArchiveError(name + ": path length " + std::to_string(*path_length) + " exceeds the " +
                               std::to_string(in.left()) + " bytes left");
        }
        const std::string_view path = in.take(*path_length);
        name += " " + shown(path);
        if (const std::string problem = path_problem(path); !problem.empty()) {
            throw ArchiveError(name + ": " + problem);
        }
        const auto size = in.little(8);
        if (!size) {
            throw ArchiveError(name + ": truncated");
        }
        if (*size > in.left()) {
            throw ArchiveError(name + ": size " + std::to_string(*size) + " exceeds the " +
                               std::to_string(in.left()) + " bytes left");
        }
        // No overflow: every size so far fitted in the archive.
        total += *size;
        if (total > max_bytes) {
            throw ArchiveError(name + ": the content exceeds the " + std::to_string(max_bytes) +
                               "-byte limit");
        }
        std::string key = order_key(path);
        if (const auto other = find_conflict(claimed, key)) {
            const std::string_view other_path = entries[*other].path;
            throw ArchiveError(name +
                               (other_path == path ? ": duplicate of entry " : ": collides with entry ") +
                               std::to_string(*other + 1) + " " + shown(other_path) +
                               (other_path == path ? "" : " (a file cannot also be a directory)"));
        }
        claimed.emplace(std::move(key), i);
        entries.push_back({path, static_cast<std::uint32_t>(*mode), in.take(*size)});
    }
    if (in.left() != 0) {
        throw ArchiveError("archive has " + std::to_string(in.left()) + " bytes after its last entry");
    }
    return entries;
}

/// Writes one validated entry below `root`, walking its directories by fd without following a
/// link, so that nothing planted in the target directory can send the write elsewhere.
void write_entry(int root, const ParsedEntry& entry, const std::string& name) {
    const auto fail = [&](const std::string& what, int error) {
        throw ArchiveError(name + ": cannot " + what + ": " + errno_text(error));
    };
    UniqueFd held(-1);
    int parent = root;
    std::size_t start = 0;
    for (std::size_t slash = entry.path.find('/'); slash != std::string_view::npos;
         slash = entry.path.find('/', start)) {
        const std::string dir(entry.path.substr(start, slash - start));
        if (::mkdirat(parent, dir.c_str(), 0755) != 0 && errno != EEXIST) {
            fail("create directory " + shown(dir), errno);
        }
        const int fd = ::openat(parent, dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            fail("open directory " + shown(dir) + " (not followed if a link)", errno);
        }
        held.reset(fd);
        parent = fd;
        start = slash + 1;
    }
    const std::string file(entry.path.substr(start));
    UniqueFd out(::openat(parent, file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (out.get() < 0) {
        fail("create the file", errno);
    }
    std::string_view rest = entry.content;
    while (!rest.empty()) {
        const ssize_t n = ::write(out.get(), rest.data(), std::min(rest.size(), k_chunk));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            fail("write", errno);
        }
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    if (::fchmod(out.get(), entry.mode & 0777) != 0) {
        fail("set the mode", errno);
    }
    if (out.close() != 0) {
        fail("write", errno);
    }
}

}  // namespace

ArchiveWriter::ArchiveWriter(std::uint64_t max_bytes) : m_max_bytes(max_bytes) {}

void ArchiveWriter::add_pattern(const std::string& pattern, const std::filesystem::path& base) {
    std::string trimmed = pattern;
    while (trimmed.size() > 1 && trimmed.back() == '/') {
        trimmed.pop_back();
    }
    const std::size_t slash = trimmed.rfind('/');
    const std::string glob = slash == std::string::npos ? trimmed : trimmed.substr(slash + 1);
    std::filesystem::path dir = base.empty() ? std::filesystem::path(".") : base;
    if (slash != std::string::npos) {
        // An absolute dirname replaces `base`, as os.path.join does.
        dir /= slash == 0 ? std::string("/") : trimmed.substr(0, slash);
    }
    std::error_code error;
    const std::vector<std::string> names = list_directory(dir, error);
    if (error && error != std::errc::no_such_file_or_directory && error != std::errc::not_a_directory) {
        throw UsageError("--include-file " + shown(pattern) + ": cannot read directory " +
                         shown(dir.string()) + ": " + error.message());
    }
    std::vector<std::string> matches;
    for (const std::string& name : names) {
        // FNM_PERIOD: a leading '.' matches only a '.' in the pattern, as in a shell glob.
        if (!glob.empty() && ::fnmatch(glob.c_str(), name.c_str(), FNM_PERIOD) == 0) {
            matches.push_back(name);
        }
    }
    if (matches.empty()) {
        throw UsageError("--include-file " + shown(pattern) + " matches nothing in " + shown(dir.string()));
    }
    for (const std::string& name : matches) {
        add_match(dir / name, name);
    }
}

void ArchiveWriter::add_match(const std::filesystem::path& match, const std::string& archive_path) {
    struct stat st {};
    if (::lstat(match.c_str(), &st) != 0) {
        throw UsageError("cannot read " + shown(match.string()) + ": " + errno_text(errno));
    }
    if (S_ISDIR(st.st_mode)) {
        add_tree(match, archive_path);
        return;
    }
    // A link to a directory could loop or leave the tree; the user can name the directory itself.
    if (S_ISLNK(st.st_mode) && ::stat(match.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        throw UsageError("cannot ship " + shown(match.string()) +
                         ": a symbolic link to a directory (name the directory itself)");
    }
    add_file(match, archive_path);
}

void ArchiveWriter::add_tree(const std::filesystem::path& dir, const std::string& archive_dir) {
    std::error_code error;
    const std::vector<std::string> names = list_directory(dir, error);
    if (error) {
        throw UsageError("cannot read directory " + shown(dir.string()) + ": " + error.message());
    }
    for (const std::string& name : names) {
        add_match(dir / name, archive_dir + "/" + name);
    }
}

void ArchiveWriter::add_file(const std::filesystem::path& file, const std::string& archive_path) {
    const std::string source = file.string();
    if (const std::string problem = path_problem(archive_path); !problem.empty()) {
        throw UsageError("cannot ship " + shown(source) + " as " + shown(archive_path) + ": " + problem);
    }
    std::string key = order_key(archive_path);
    if (const auto other = find_conflict(m_claimed, key)) {
        const Entry& e = m_entries[*other];
        throw UsageError("cannot ship " + shown(source) + " as " + shown(archive_path) + ": " +
                         shown(e.source) + " is already shipped as " + shown(e.path) +
                         (e.path == archive_path ? "" : " (a file cannot also be a directory)"));
    }
    if (m_entries.size() == std::numeric_limits<std::uint32_t>::max()) {
        throw UsageError("cannot ship " + shown(source) + ": too many files");
    }
    // stat first so that a device or fifo is refused without being opened (O_NONBLOCK in case one
    // takes its place), then fstat what was opened.
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
        throw UsageError("cannot read " + shown(source) + ": " + errno_text(errno));
    }
    const UniqueFd in(S_ISREG(st.st_mode) ? ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC) : -1);
    if (S_ISREG(st.st_mode) && in.get() < 0) {
        throw UsageError("cannot read " + shown(source) + ": " + errno_text(errno));
    }
    if (in.get() < 0 || ::fstat(in.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
        throw UsageError("cannot ship " + shown(source) + ": not a regular file");
    }
    const std::uint64_t budget = m_max_bytes - m_content_bytes;
    const auto over = [&] {
        return UsageError("cannot ship " + shown(source) + ": the shipped files would exceed the " +
                          std::to_string(m_max_bytes) + "-byte limit");
    };
    if (static_cast<std::uint64_t>(st.st_size) > budget) {
        throw over();
    }
    std::string content;
    content.reserve(static_cast<std::size_t>(st.st_size));
    char chunk[k_chunk];
    for (;;) {
        const ssize_t n = ::read(in.get(), chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            throw UsageError("cannot read " + shown(source) + ": " + errno_text(errno));
        }
        if (n == 0) {
            break;
        }
        // The file may have grown since fstat.
        if (static_cast<std::uint64_t>(n) > budget - content.size()) {
            throw over();
        }
        content.append(chunk, static_cast<std::size_t>(n));
    }
    m_content_bytes += content.size();
    m_claimed.emplace(std::move(key), m_entries.size());
    m_entries.push_back(
        {archive_path, source, static_cast<std::uint32_t>(st.st_mode & 0777), std::move(content)});
}

bool ArchiveWriter::contains(const std::string& archive_path) const {
    // A NUL would alias a '/' in the key.
    return archive_path.find('\0') == std::string::npos && m_claimed.contains(order_key(archive_path));
}

std::string ArchiveWriter::bytes() const {
    std::size_t total = k_magic.size() + 4;
    for (const Entry& e : m_entries) {
        total += 1 + 4 + 4 + e.path.size() + 8 + e.content.size();
    }
    std::string out;
    out.reserve(total);
    out.append(k_magic);
    put_little(out, m_entries.size(), 4);
    for (const Entry& e : m_entries) {
        put_little(out, k_type_file, 1);
        put_little(out, e.mode, 4);
        put_little(out, e.path.size(), 4);
        out.append(e.path);
        put_little(out, e.content.size(), 8);
        out.append(e.content);
    }
    return out;
}

std::vector<UnpackedFile> unpack_archive(std::string_view archive, const std::filesystem::path& dir,
                                         std::uint64_t max_bytes) {
    const std::vector<ParsedEntry> entries = parse_archive(archive, max_bytes);
    const UniqueFd root(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (root.get() < 0) {
        throw ArchiveError("cannot open the target directory " + shown(dir.string()) + ": " +
                           errno_text(errno));
    }
    std::vector<UnpackedFile> written;
    written.reserve(entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const ParsedEntry& e = entries[i];
        write_entry(root.get(), e, "archive entry " + std::to_string(i + 1) + " " + shown(e.path));
        written.push_back({std::string(e.path), e.content.size()});
    }
    return written;
}

}  // namespace loads::host
