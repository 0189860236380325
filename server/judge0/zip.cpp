// Zip reading for untrusted archives. The format (APPNOTE.TXT, PKWARE) keeps
// every fact twice: once in the central directory at the end, once in a local
// header before each entry's data. Readers that trust different copies
// disagree about what an archive holds, so we read the central directory,
// check that each local header names the same entry with the same method,
// and take the data's length only from the central directory.
//
// Nothing declared is trusted for memory: inflation writes into a buffer that
// never grows past the limit (plus one byte to notice the overflow), and the
// CRC-32 and the uncompressed size are checked after the fact.
#include "server/judge0/zip.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <map>
#include <system_error>
#include <utility>

#include <boost/beast/zlib/deflate_stream.hpp>
#include <boost/beast/zlib/inflate_stream.hpp>

#include "sandbox/fd.hpp"

namespace server::zip {
namespace {

namespace zlib = boost::beast::zlib;

constexpr std::uint32_t sig_local = 0x04034b50;
constexpr std::uint32_t sig_central = 0x02014b50;
constexpr std::uint32_t sig_eocd = 0x06054b50;
constexpr std::uint32_t sig_zip64_locator = 0x07064b50;
constexpr std::size_t local_header_size = 30;
constexpr std::size_t central_header_size = 46;
constexpr std::size_t eocd_size = 22;
constexpr std::size_t zip64_locator_size = 20;
constexpr std::size_t max_comment = 0xffff;  // so the EOCD is within the last 65557 bytes

constexpr std::uint16_t method_stored = 0, method_deflate = 8;
constexpr std::uint16_t flag_encrypted = 1u << 0;
constexpr std::uint16_t flag_strong_encryption = 1u << 6;
constexpr std::uint16_t flag_masked_header = 1u << 13;  // central directory encryption
constexpr std::uint16_t extra_zip64 = 0x0001;
constexpr unsigned host_unix = 3;

constexpr std::size_t max_component_bytes = 255;
constexpr std::size_t max_path_bytes = 1024;
constexpr std::size_t inflate_chunk = 64u << 10;

// CRC-32 as zip uses it: IEEE 802.3, reflected, polynomial 0xEDB88320.
constexpr std::array<std::uint32_t, 256> make_crc_table() {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        t[i] = c;
    }
    return t;
}
constexpr std::array<std::uint32_t, 256> crc_table = make_crc_table();

std::uint32_t crc32(std::string_view data) {
    std::uint32_t c = 0xFFFFFFFFu;
    for (char ch : data) c = crc_table[(c ^ static_cast<unsigned char>(ch)) & 0xFFu] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

// Little-endian fields; callers have checked the bounds.
std::uint16_t le16(std::string_view s, std::size_t at) {
    return static_cast<std::uint16_t>(static_cast<unsigned char>(s[at]) |
                                      (static_cast<unsigned char>(s[at + 1]) << 8));
}
std::uint32_t le32(std::string_view s, std::size_t at) {
    return static_cast<std::uint32_t>(le16(s, at)) | (static_cast<std::uint32_t>(le16(s, at + 2)) << 16);
}
void put16(std::string& out, std::uint16_t v) {
    out.push_back(static_cast<char>(v & 0xFFu));
    out.push_back(static_cast<char>(v >> 8));
}
void put32(std::string& out, std::uint32_t v) {
    put16(out, static_cast<std::uint16_t>(v & 0xFFFFu));
    put16(out, static_cast<std::uint16_t>(v >> 16));
}

// An entry name as it may appear in a message: it ends up in JSON responses
// and logs, so anything but printable ASCII is escaped and the length capped.
std::string shown(std::string_view name) {
    static constexpr char hex[] = "0123456789abcdef";
    constexpr std::size_t max_shown = 200;
    std::string out;
    for (std::size_t i = 0; i < name.size() && i < max_shown; ++i) {
        const auto c = static_cast<unsigned char>(name[i]);
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out.push_back(static_cast<char>(c));
        } else {
            out += "\\x";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0xFu]);
        }
    }
    if (name.size() > max_shown) out += "...";
    return out;
}

[[noreturn]] void fail_entry(std::string_view name, const std::string& why) {
    throw ZipError("zip: entry '" + shown(name) + "': " + why);
}
[[noreturn]] void fail_archive(const std::string& why) { throw ZipError("zip: " + why); }

// `path` is the name without a folder's trailing '/'; `name` is what the
// archive says, for the message.
void check_path(std::string_view path, std::string_view name) {
    if (path.empty()) fail_entry(name, "empty name");
    if (path.find('\0') != std::string_view::npos) fail_entry(name, "NUL in name");
    if (path.find('\\') != std::string_view::npos) fail_entry(name, "backslash in name");
    if (path.front() == '/') fail_entry(name, "absolute path");
    if (path.size() > max_path_bytes)
        fail_entry(name, "name longer than " + std::to_string(max_path_bytes) + " bytes");
    std::size_t begin = 0;
    for (;;) {
        const std::size_t end = std::min(path.find('/', begin), path.size());
        const std::string_view part = path.substr(begin, end - begin);
        if (part.empty()) fail_entry(name, "empty path component");
        if (part == "..") fail_entry(name, "path leaves the folder");
        if (part == ".") fail_entry(name, "'.' path component");
        if (part.size() > max_component_bytes)
            fail_entry(name, "path component longer than " + std::to_string(max_component_bytes) + " bytes");
        if (end == path.size()) break;
        begin = end + 1;
    }
}

// Paths must name distinct things, and a file cannot also be a folder that
// holds another entry (the extractor would have to pick one).
void check_tree(const std::vector<Entry>& entries) {
    std::map<std::string_view, bool> is_dir;  // path -> folder?
    for (const Entry& e : entries) {
        if (!is_dir.emplace(e.path, e.is_dir).second) fail_entry(e.path, "duplicate path");
    }
    for (const Entry& e : entries) {
        for (std::size_t slash = e.path.find('/'); slash != std::string::npos;
             slash = e.path.find('/', slash + 1)) {
            const auto it = is_dir.find(std::string_view(e.path).substr(0, slash));
            if (it != is_dir.end() && !it->second)
                fail_entry(e.path, "'" + shown(it->first) + "' is a file and also a folder");
        }
    }
}

struct Limiter {
    const Limits& limits;
    std::uint64_t total = 0;  // bytes produced by earlier entries

    // The most bytes this entry may produce.
    std::uint64_t cap() const {
        const std::uint64_t left = limits.max_total_bytes - std::min(total, limits.max_total_bytes);
        return std::min(limits.max_entry_bytes, left);
    }
    [[noreturn]] void fail_size(std::string_view name) const {
        if (cap() == limits.max_entry_bytes)
            fail_entry(name, "larger than the entry limit of " + std::to_string(limits.max_entry_bytes) +
                                 " bytes");
        fail_archive("entry '" + shown(name) + "' takes the archive over the total limit of " +
                     std::to_string(limits.max_total_bytes) + " bytes");
    }
};

// Raw deflate into a buffer that never holds more than cap + 1 bytes:
// reaching cap + 1 is the refusal, whatever the header declared.
//
// Beast's inflate_stream (1.74) asks for a whole table lookup's worth of bits
// (up to 15) before decoding a code, where zlib settles for the code's own
// length. A stream whose final end-of-block code sits in its last few bits
// therefore stalls one byte short of the end. We append zero bytes once the
// real input is used up, then check from the bit count where the stream
// really ended: within the padding is a truncated entry, before the end of
// the data is trailing garbage.
std::string inflate(std::string_view in, std::string_view name, const Limiter& limiter) {
    static constexpr unsigned char padding[8] = {};
    const std::uint64_t cap = limiter.cap();
    zlib::inflate_stream stream;
    zlib::z_params zs{};
    zs.next_in = in.data();
    zs.avail_in = in.size();
    bool padded = false;
    std::string out;
    for (;;) {
        // Room for one byte past the cap, to notice an overflow (old <= cap here).
        const std::size_t old = out.size();
        const std::uint64_t left = cap - old;
        const std::size_t room = left >= inflate_chunk ? inflate_chunk : static_cast<std::size_t>(left) + 1;
        out.resize(old + room);
        zs.next_out = out.data() + old;
        zs.avail_out = room;
        boost::system::error_code ec;
        stream.write(zs, zlib::Flush::none, ec);
        out.resize(old + room - zs.avail_out);
        if (out.size() > cap) limiter.fail_size(name);
        if (ec == zlib::error::end_of_stream) break;
        if (ec == zlib::error::need_buffers) {
            if (zs.avail_in == 0) {
                if (padded) fail_entry(name, "deflate data ends early (truncated)");
                padded = true;
                zs.next_in = padding;
                zs.avail_in = sizeof padding;
            } else if (zs.avail_out != 0) {
                fail_entry(name, "corrupt deflate data");
            }
        } else if (ec) {
            fail_entry(name, "corrupt deflate data (" + ec.message() + ")");
        }
    }
    // data_type's low 6 bits: bits taken from the input but not used. At the
    // end they are whole bytes (the final block is flushed to a byte).
    const std::uint64_t used_bits = std::uint64_t{zs.total_in} * 8 - static_cast<unsigned>(zs.data_type & 63);
    const std::uint64_t used = (used_bits + 7) / 8;
    if (used > in.size()) fail_entry(name, "deflate data ends early (truncated)");
    if (used < in.size()) fail_entry(name, "data after the end of the deflate stream");
    return out;
}

struct CentralEntry {
    std::string name;  // as stored
    Entry entry;       // path, is_dir, executable; content filled later
    std::uint16_t method = 0;
    std::uint32_t crc = 0;
    std::uint64_t compressed = 0, uncompressed = 0;
    std::uint64_t local_offset = 0;
    std::uint64_t data_begin = 0, data_end = 0;  // from the local header and central sizes
};

struct Eocd {
    std::size_t offset = 0;
    std::uint64_t entries = 0, cd_size = 0, cd_offset = 0;
};

Eocd find_eocd(std::string_view a) {
    if (a.size() < eocd_size) fail_archive("not a zip archive (too short)");
    const std::size_t lowest = a.size() > eocd_size + max_comment ? a.size() - eocd_size - max_comment : 0;
    for (std::size_t at = a.size() - eocd_size + 1; at-- > lowest;) {
        if (le32(a, at) != sig_eocd) continue;
        // A signature inside the comment would not account for the rest.
        if (at + eocd_size + le16(a, at + 20) != a.size()) continue;
        if (at >= zip64_locator_size && le32(a, at - zip64_locator_size) == sig_zip64_locator)
            fail_archive("ZIP64 archives are not supported");
        const std::uint16_t disk = le16(a, at + 4), cd_disk = le16(a, at + 6);
        const std::uint16_t here = le16(a, at + 8), total = le16(a, at + 10);
        const std::uint32_t cd_size = le32(a, at + 12), cd_offset = le32(a, at + 16);
        if (here == 0xFFFF || total == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_offset == 0xFFFFFFFFu)
            fail_archive("ZIP64 archives are not supported");
        if (disk != 0 || cd_disk != 0 || here != total) fail_archive("multi-disk archives are not supported");
        if (std::uint64_t{cd_offset} + cd_size > at) fail_archive("central directory outside the archive");
        return Eocd{at, total, cd_size, cd_offset};
    }
    fail_archive("not a zip archive (no end of central directory record)");
}

bool has_zip64_extra(std::string_view extra) {
    std::size_t at = 0;
    while (at + 4 <= extra.size()) {
        if (le16(extra, at) == extra_zip64) return true;
        at += 4 + std::size_t{le16(extra, at + 2)};
    }
    return false;
}

// One central directory header at `at`; advances `at` past it.
CentralEntry read_central(std::string_view a, std::size_t& at, std::size_t cd_end, std::size_t index) {
    if (at + central_header_size > cd_end || le32(a, at) != sig_central)
        fail_archive("central directory entry " + std::to_string(index) + " is malformed");
    const std::uint16_t made_by = le16(a, at + 4), flags = le16(a, at + 8), method = le16(a, at + 10);
    const std::uint32_t crc = le32(a, at + 16), csize = le32(a, at + 20), usize = le32(a, at + 24);
    const std::uint16_t name_len = le16(a, at + 28), extra_len = le16(a, at + 30), comment_len = le16(a, at + 32);
    const std::uint16_t disk = le16(a, at + 34);
    const std::uint32_t external = le32(a, at + 38), local = le32(a, at + 42);
    const std::size_t end = at + central_header_size + name_len + extra_len + comment_len;
    if (end > cd_end) fail_archive("central directory entry " + std::to_string(index) + " is truncated");

    CentralEntry c;
    c.name.assign(a.substr(at + central_header_size, name_len));
    const std::string_view extra = a.substr(at + central_header_size + name_len, extra_len);
    at = end;
    const std::string_view name = c.name;

    if (flags & (flag_encrypted | flag_strong_encryption | flag_masked_header)) fail_entry(name, "encrypted");
    if (csize == 0xFFFFFFFFu || usize == 0xFFFFFFFFu || local == 0xFFFFFFFFu || disk == 0xFFFF ||
        has_zip64_extra(extra))
        fail_entry(name, "ZIP64 entries are not supported");
    if (disk != 0) fail_entry(name, "on another disk");
    if (method != method_stored && method != method_deflate)
        fail_entry(name, "unsupported compression method " + std::to_string(method));

    c.entry.is_dir = !name.empty() && name.back() == '/';
    const std::string_view path = c.entry.is_dir ? name.substr(0, name.size() - 1) : name;
    check_path(path, name);
    c.entry.path.assign(path);

    // Unix hosts keep st_mode in the upper half of the external attributes.
    // A mode of 0 (some writers leave it out) says nothing; otherwise only
    // regular files and folders are accepted, and the type must agree with
    // the trailing '/'.
    if ((made_by >> 8) == host_unix) {
        const std::uint32_t mode = external >> 16;
        const std::uint32_t type = mode & S_IFMT;
        if (type == S_IFLNK) fail_entry(name, "symbolic link");
        if (type != 0 && type != S_IFREG && type != S_IFDIR) fail_entry(name, "special file");
        if (type == S_IFDIR && !c.entry.is_dir) fail_entry(name, "folder without a trailing '/'");
        if (type == S_IFREG && c.entry.is_dir) fail_entry(name, "file with a trailing '/'");
        c.entry.executable = !c.entry.is_dir && (mode & 0111u) != 0;
    }
    if (c.entry.is_dir && usize != 0) fail_entry(name, "folder with content");
    if (method == method_stored && csize != usize) fail_entry(name, "stored sizes differ");

    c.method = method;
    c.crc = crc;
    c.compressed = csize;
    c.uncompressed = usize;
    c.local_offset = local;
    return c;
}

// Checks the local header against the central one and finds the data.
void locate_data(std::string_view a, CentralEntry& c, std::uint64_t cd_offset) {
    const std::string_view name = c.name;
    if (c.local_offset + local_header_size > cd_offset) fail_entry(name, "local header outside the archive");
    const auto at = static_cast<std::size_t>(c.local_offset);
    if (le32(a, at) != sig_local) fail_entry(name, "no local header at the recorded offset");
    const std::uint16_t flags = le16(a, at + 6), method = le16(a, at + 8);
    const std::uint16_t name_len = le16(a, at + 26), extra_len = le16(a, at + 28);
    const std::uint64_t data_begin = c.local_offset + local_header_size + name_len + extra_len;
    if (data_begin > cd_offset) fail_entry(name, "local header outside the archive");
    if (a.substr(at + local_header_size, name_len) != name) fail_entry(name, "local header names another entry");
    if (method != c.method) fail_entry(name, "local header disagrees about the compression method");
    if (flags & (flag_encrypted | flag_strong_encryption)) fail_entry(name, "encrypted");
    if (has_zip64_extra(a.substr(at + local_header_size + name_len, extra_len)))
        fail_entry(name, "ZIP64 entries are not supported");
    c.data_begin = data_begin;
    c.data_end = data_begin + c.compressed;
    if (c.data_end > cd_offset) fail_entry(name, "data run past the central directory (truncated archive?)");
}

}  // namespace

std::vector<Entry> read(std::string_view archive, const Limits& limits) {
    const Eocd eocd = find_eocd(archive);
    if (eocd.entries > limits.max_entries)
        fail_archive(std::to_string(eocd.entries) + " entries, more than the limit of " +
                     std::to_string(limits.max_entries));

    // First every header, so that a hostile name or a declared size over the
    // limits is refused before any inflating.
    std::vector<CentralEntry> central;
    central.reserve(static_cast<std::size_t>(eocd.entries));
    std::size_t at = static_cast<std::size_t>(eocd.cd_offset);
    const std::size_t cd_end = static_cast<std::size_t>(eocd.cd_offset + eocd.cd_size);
    std::uint64_t declared_total = 0;
    for (std::size_t i = 0; i < eocd.entries; ++i) {
        CentralEntry c = read_central(archive, at, cd_end, i);
        if (c.uncompressed > limits.max_entry_bytes)
            fail_entry(c.name, "declares " + std::to_string(c.uncompressed) + " bytes, over the entry limit of " +
                                   std::to_string(limits.max_entry_bytes));
        declared_total += c.uncompressed;
        if (declared_total > limits.max_total_bytes)
            fail_archive("declared sizes add up to more than the total limit of " +
                         std::to_string(limits.max_total_bytes) + " bytes");
        locate_data(archive, c, eocd.cd_offset);
        central.push_back(std::move(c));
    }
    if (at != cd_end) fail_archive("central directory size disagrees with its entries");

    // Entries whose data overlap are how a small archive expands many times
    // over (the "non-recursive zip bomb"); no honest writer produces them.
    std::vector<const CentralEntry*> by_offset;
    by_offset.reserve(central.size());
    for (const CentralEntry& c : central) by_offset.push_back(&c);
    std::sort(by_offset.begin(), by_offset.end(),
              [](const CentralEntry* x, const CentralEntry* y) { return x->local_offset < y->local_offset; });
    for (std::size_t i = 1; i < by_offset.size(); ++i) {
        if (by_offset[i]->local_offset < by_offset[i - 1]->data_end)
            fail_entry(by_offset[i]->name, "overlaps entry '" + shown(by_offset[i - 1]->name) + "'");
    }

    std::vector<Entry> entries;
    entries.reserve(central.size());
    for (CentralEntry& c : central) entries.push_back(c.entry);
    check_tree(entries);

    Limiter limiter{limits};
    for (std::size_t i = 0; i < central.size(); ++i) {
        const CentralEntry& c = central[i];
        const std::string_view data =
            archive.substr(static_cast<std::size_t>(c.data_begin), static_cast<std::size_t>(c.compressed));
        std::string content;
        if (c.method == method_stored) {
            if (data.size() > limiter.cap()) limiter.fail_size(c.name);
            content.assign(data);
        } else {
            content = inflate(data, c.name, limiter);
        }
        if (content.size() != c.uncompressed)
            fail_entry(c.name, "size " + std::to_string(content.size()) + " differs from the declared " +
                                   std::to_string(c.uncompressed));
        if (crc32(content) != c.crc) fail_entry(c.name, "CRC-32 mismatch");
        if (c.entry.is_dir && !content.empty()) fail_entry(c.name, "folder with content");
        limiter.total += content.size();
        entries[i].content = std::move(content);
    }
    return entries;
}

namespace {

[[noreturn]] void fail_sys(const std::string& call, const std::string& path) {
    const int err = errno;
    throw std::system_error(err, std::generic_category(), call + "('" + shown(path) + "')");
}

// Opens (creating when missing) the folder `name` beneath `parent`. The
// O_NOFOLLOW open refuses a planted symlink in its place.
sandbox::Fd open_dir(int parent, const std::string& name, const std::string& shown_path) {
    bool created = false;
    if (::mkdirat(parent, name.c_str(), 0755) == 0)
        created = true;
    else if (errno != EEXIST)
        fail_sys("mkdirat", shown_path);
    sandbox::Fd fd(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) fail_sys("openat", shown_path);
    // Exact permissions whatever the umask, only for what we made.
    if (created && ::fchmod(fd.get(), 0755) != 0) fail_sys("fchmod", shown_path);
    return fd;
}

void write_all(int fd, std::string_view data, const std::string& path) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            fail_sys("write", path);
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace

void extract(const std::vector<Entry>& entries, const std::string& dir) {
    // The same rules as read(): the entries may not come from it.
    for (const Entry& e : entries) check_path(e.path, e.path);
    check_tree(entries);

    sandbox::Fd root(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root) fail_sys("open", dir);
    for (const Entry& e : entries) {
        // Walk the folders above the entry, one openat at a time.
        sandbox::Fd parent;
        int parent_fd = root.get();
        std::size_t begin = 0;
        for (std::size_t slash = e.path.find('/'); slash != std::string::npos; slash = e.path.find('/', begin)) {
            sandbox::Fd next = open_dir(parent_fd, e.path.substr(begin, slash - begin), e.path.substr(0, slash));
            parent = std::move(next);
            parent_fd = parent.get();
            begin = slash + 1;
        }
        const std::string leaf = e.path.substr(begin);
        if (e.is_dir) {
            open_dir(parent_fd, leaf, e.path);
            continue;
        }
        const mode_t mode = e.executable ? 0755 : 0644;
        sandbox::Fd fd(::openat(parent_fd, leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
        if (!fd) fail_sys("openat", e.path);
        if (::fchmod(fd.get(), mode) != 0) fail_sys("fchmod", e.path);
        write_all(fd.get(), e.content, e.path);
        if (::close(fd.release()) != 0) fail_sys("close", e.path);
    }
}

namespace {

std::string deflate(std::string_view in) {
    zlib::deflate_stream stream;
    stream.reset(6, 15, 8, zlib::Strategy::normal);
    std::string out(stream.upper_bound(in.size()) + 16, '\0');
    zlib::z_params zs{};
    zs.next_in = in.data();
    zs.avail_in = in.size();
    zs.next_out = out.data();
    zs.avail_out = out.size();
    for (;;) {
        boost::system::error_code ec;
        stream.write(zs, zlib::Flush::finish, ec);
        if (ec == zlib::error::end_of_stream) break;
        if (ec && ec != zlib::error::need_buffers) throw ZipError("zip: deflate: " + ec.message());
        if (zs.avail_out == 0) {
            const std::size_t used = out.size();
            out.resize(used * 2);
            zs.next_out = out.data() + used;
            zs.avail_out = out.size() - used;
        }
    }
    out.resize(out.size() - zs.avail_out);
    return out;
}

std::uint16_t narrow16(std::size_t v, const std::string& what) {
    if (v > 0xFFFF) throw ZipError("zip: " + what + " too large for a zip without ZIP64");
    return static_cast<std::uint16_t>(v);
}
std::uint32_t narrow32(std::size_t v, const std::string& what) {
    if (v >= 0xFFFFFFFFu) throw ZipError("zip: " + what + " too large for a zip without ZIP64");
    return static_cast<std::uint32_t>(v);
}

}  // namespace

// Paths are written as given, unchecked: the tests build hostile archives
// with it. Timestamps are fixed (1980-01-01 00:00) so output is reproducible.
std::string write(const std::vector<Entry>& entries, bool deflate_entries) {
    constexpr std::uint16_t version = 20;  // 2.0: deflate and folders
    constexpr std::uint16_t dos_date = (0 << 9) | (1 << 5) | 1, dos_time = 0;
    std::string out, central;
    for (const Entry& e : entries) {
        const std::string name = e.is_dir ? e.path + "/" : e.path;
        const bool deflated = deflate_entries && !e.is_dir;
        const std::string data = deflated ? deflate(e.content) : e.content;
        const std::uint16_t method = deflated ? method_deflate : method_stored;
        const std::uint32_t crc = crc32(e.content);
        const std::uint32_t offset = narrow32(out.size(), "archive");
        const std::uint16_t name_len = narrow16(name.size(), "entry name");
        const std::uint32_t csize = narrow32(data.size(), "entry"), usize = narrow32(e.content.size(), "entry");
        const std::uint32_t mode = e.is_dir ? 040755 : e.executable ? 0100755 : 0100644;
        const std::uint32_t external = (mode << 16) | (e.is_dir ? 0x10u : 0u);  // 0x10: MS-DOS folder bit

        put32(out, sig_local);
        put16(out, version);
        put16(out, 0);  // flags
        put16(out, method);
        put16(out, dos_time);
        put16(out, dos_date);
        put32(out, crc);
        put32(out, csize);
        put32(out, usize);
        put16(out, name_len);
        put16(out, 0);  // extra
        out += name;
        out += data;

        put32(central, sig_central);
        put16(central, static_cast<std::uint16_t>((host_unix << 8) | version));
        put16(central, version);
        put16(central, 0);
        put16(central, method);
        put16(central, dos_time);
        put16(central, dos_date);
        put32(central, crc);
        put32(central, csize);
        put32(central, usize);
        put16(central, name_len);
        put16(central, 0);  // extra
        put16(central, 0);  // comment
        put16(central, 0);  // disk
        put16(central, 0);  // internal attributes
        put32(central, external);
        put32(central, offset);
        central += name;
    }
    const std::uint16_t count = narrow16(entries.size(), "entry count");
    const std::uint32_t cd_offset = narrow32(out.size(), "archive");
    const std::uint32_t cd_size = narrow32(central.size(), "central directory");
    out += central;
    put32(out, sig_eocd);
    put16(out, 0);
    put16(out, 0);
    put16(out, count);
    put16(out, count);
    put32(out, cd_size);
    put32(out, cd_offset);
    put16(out, 0);  // comment
    return out;
}

}  // namespace server::zip
