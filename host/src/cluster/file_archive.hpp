// File archive: how `loads-runner --agents N --include-file PATTERN` ships the test module and
// its data files to every agent of a cluster. The runner packs (ArchiveWriter); each agent unpacks
// (unpack_archive) into a fresh per-run directory and runs the test from there.
//
// The format ("LDA1") is ours: the archive travels as ONE binary ZeroMQ frame, so it needs none of
// the zip-inside-base64-inside-JSON of the original Python Loads, and a format this small can be
// validated completely, with no dependency, before a single byte lands on an agent's disk. The
// agent must treat it as hostile (anyone who can reach the broker can send one). All integers are
// little-endian; an integration test crafts archives by hand, so this layout is a contract that
// only a new magic may change:
//
//     "LDA1"                 4 bytes magic
//     u32 entry_count
//     entry_count times:
//       u8  type             0 = regular file (links, devices... are refused)
//       u32 mode             permission bits; only mode & 0777 is applied
//       u32 path_length
//       path bytes           relative, '/'-separated
//       u64 size
//       size bytes of content
//
// Nothing follows the last entry. Directories are implied by the paths of the files they hold.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace loads::host {

/// Why an archive was refused while unpacking: one line, naming the entry.
class ArchiveError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Builds an archive in memory on the runner. Every file is read when it is added, so the archive
/// holds what the files held at that moment and bytes() cannot fail. Not thread-safe.
class ArchiveWriter {
public:
    /// `max_bytes`: the most content (sum of file sizes) the archive may hold; the agents refuse
    /// more, so the runner refuses it first with a message the user can act on.
    explicit ArchiveWriter(std::uint64_t max_bytes);

    /// Adds what --include-file PATTERN names, with the semantics of the original Python Loads:
    /// only the LAST path component of `pattern` is a glob (fnmatch(3) style: * ? [...]), matched
    /// against the entries of directory `base / dirname(pattern)` (dirname may be empty, relative
    /// or absolute; trailing slashes are ignored; an empty `base` is the current directory). A
    /// matching regular file is stored under its basename (flattened); a matching directory is
    /// walked recursively and its files stored with paths relative to the directory's PARENT (so
    /// "data" gives "data/a.txt", "data/sub/b.bin"). Hidden files (".x") match only a pattern
    /// component that starts with '.', like a shell glob, and "." and ".." never match; a directory
    /// walk takes everything, hidden files included. Matches are taken in name order, so equal
    /// inputs give equal archives. Permission bits are kept. A symbolic link to a regular file is
    /// stored as that file's content; a link to a directory met during a walk, or given directly,
    /// is refused, as is any other kind of file (socket, fifo, device).
    /// @throws UsageError (one line, naming the pattern or the file) when the pattern matches
    /// nothing, a file cannot be read, two files would land at the same archive path (or one where
    /// the other needs a directory), a path could not be unpacked (e.g. a name with a backslash),
    /// or the content would exceed max_bytes. Files added before the error stay in the archive.
    void add_pattern(const std::string& pattern, const std::filesystem::path& base);

    /// Adds one regular file (or a link to one) under `archive_path`: how the runner ships the
    /// test module, e.g. "libexample.so" or "pkg/libmod.so". `archive_path` must be one that
    /// unpack_archive accepts. Same errors as add_pattern, and "not a regular file".
    void add_file(const std::filesystem::path& file, const std::string& archive_path);

    bool contains(const std::string& archive_path) const;
    std::size_t entry_count() const { return m_entries.size(); }
    /// The sum of the sizes of the files added so far.
    std::uint64_t content_bytes() const { return m_content_bytes; }

    /// The archive's bytes (entries in the order they were added). Can be called more than once.
    std::string bytes() const;

private:
    struct Entry {
        std::string path;    ///< In the archive.
        std::string source;  ///< The file it was read from, to name it in errors.
        std::uint32_t mode;
        std::string content;
    };

    void add_match(const std::filesystem::path& match, const std::string& archive_path);
    void add_tree(const std::filesystem::path& dir, const std::string& archive_dir);

    std::uint64_t m_max_bytes;
    std::uint64_t m_content_bytes = 0;
    std::vector<Entry> m_entries;
    /// Ordering key of each archive path (see file_archive.cpp) -> index in m_entries: with it a
    /// collision is always with a neighbour in the map.
    std::map<std::string, std::size_t> m_claimed;
};

struct UnpackedFile {
    std::string path;  ///< As in the archive.
    std::uint64_t size;
};

/// Unpacks `archive` into `dir`, which must exist (the agent just created it, empty).
/// Refuses, with ArchiveError and a one-line reason naming the entry: a bad magic, a truncated or
/// over-long archive (bytes after the last entry), counts or sizes larger than what is left of the
/// bytes (a forged count never makes it allocate or loop beyond the input), an entry type other
/// than 0, an empty path, an absolute path, a path with an empty, "." or ".." component, a
/// backslash or NUL in a path, a path over 4096 bytes or with a component over 255 bytes (which no
/// Linux file system could create), a duplicate path, a path that is a prefix-directory of another
/// file (e.g. "a" as a file and "a/b"), and content beyond `max_bytes` in total.
/// It never follows a symbolic link: directories are created with mkdirat relative to an fd of
/// `dir` (0755, less the umask), files with openat(O_CREAT|O_EXCL|O_NOFOLLOW|O_WRONLY), and each
/// intermediate directory is opened with O_NOFOLLOW|O_DIRECTORY, so a link planted in `dir` cannot
/// redirect a write. The whole archive is validated BEFORE anything is written, so a refused
/// archive leaves `dir` untouched; write errors (disk full, a name already taken...) throw
/// ArchiveError too, and may leave part of the files written.
/// File modes: mode & 0777, set with fchmod so the umask does not alter them.
/// Time O(n log n), memory O(n) in the archive's size: the content is not copied.
/// @return the files written, in archive order.
std::vector<UnpackedFile> unpack_archive(std::string_view archive, const std::filesystem::path& dir,
                                         std::uint64_t max_bytes);

}  // namespace loads::host
