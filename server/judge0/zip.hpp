// Reading zip archives from untrusted clients: Judge0's additional_files (a
// base64 zip unpacked into the program's working folder) and, later, problem
// packages uploaded over the API.
//
// Only what a zip needs to be read safely: the central directory, methods
// stored (0) and deflate (8, through Boost.Beast's inflate_stream), CRC-32
// checked. Refused, with a message naming the entry: encrypted entries, other
// methods, ZIP64, multi-disk archives, absolute paths, ".." components,
// backslashes, NUL, symlinks and other special entries (by their Unix mode in
// the external attributes), duplicate names, a name that is both a file and a
// folder, more than `max_entries` entries, an entry or a total uncompressed
// size over the limits (checked while inflating, never trusting the declared
// sizes: a zip bomb stops at the limit).
//
// Thread-safety: pure functions. Errors: ZipError.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace server::zip {

class ZipError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Limits {
    std::uint64_t max_total_bytes = 10u << 20;  // sum of uncompressed sizes
    std::uint64_t max_entry_bytes = 10u << 20;
    std::size_t max_entries = 1000;
};

struct Entry {
    std::string path;     // relative, '/'-separated, no "." or ".." parts; folders end without '/'
    bool is_dir = false;
    bool executable = false;  // from the Unix mode, when the archive has one
    std::string content;  // empty for a folder
};

// Every entry, in archive order. Throws ZipError.
std::vector<Entry> read(std::string_view archive, const Limits& limits = {});

// Writes entries beneath the existing folder `dir` (folders 0755, files 0644
// or 0755), never following a link (O_NOFOLLOW, openat from the folder's fd).
// Throws ZipError or std::system_error.
void extract(const std::vector<Entry>& entries, const std::string& dir);

// Builds a zip (stored or deflated entries) — for tests and for fuzz seeds.
// Paths are written as given, unchecked, so tests can build hostile archives;
// Unix modes 0100644/0100755, folders 040755. Throws ZipError past the
// non-ZIP64 limits (65535 entries, 4 GiB).
std::string write(const std::vector<Entry>& entries, bool deflate = false);

}  // namespace server::zip
