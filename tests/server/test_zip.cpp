#include "server/judge0/zip.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include <boost/beast/zlib/deflate_stream.hpp>
#include <catch2/catch.hpp>

namespace zip = server::zip;
using zip::Entry;

namespace {

// Made on Debian 12 with the standard library's zipfile module (deflate):
//   d = ZipInfo('src/'); d.external_attr = 0o40755 << 16 | 0x10; z.writestr(d, b'')
//   z.writestr('src/main.c', b'int main(void) { return 0; }\n' * 4)          # mode 0600
//   x = ZipInfo('run.sh'); x.external_attr = 0o100755 << 16; x.compress_type = ZIP_DEFLATED
//   z.writestr(x, b'#!/bin/sh\necho hi\n')
// A foreign writer proves we read what others write, not only our own output.
const unsigned char python_zip[] = {
    0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x73, 0x72,
    0x63, 0x2f, 0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0x10, 0x93, 0x7c, 0x5d,
    0x46, 0x2f, 0x94, 0x59, 0x22, 0x00, 0x00, 0x00, 0x74, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00,
    0x73, 0x72, 0x63, 0x2f, 0x6d, 0x61, 0x69, 0x6e, 0x2e, 0x63, 0xcb, 0xcc, 0x2b, 0x51, 0xc8, 0x4d,
    0xcc, 0xcc, 0xd3, 0x28, 0xcb, 0xcf, 0x4c, 0xd1, 0x54, 0xa8, 0x56, 0x28, 0x4a, 0x2d, 0x29, 0x2d,
    0xca, 0x53, 0x30, 0xb0, 0x56, 0xa8, 0xe5, 0xca, 0xa4, 0x8d, 0x24, 0x00, 0x50, 0x4b, 0x03, 0x04,
    0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x21, 0x00, 0x2f, 0x3a, 0xda, 0xe9, 0x14, 0x00,
    0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x72, 0x75, 0x6e, 0x2e, 0x73, 0x68,
    0x53, 0x56, 0xd4, 0x4f, 0xca, 0xcc, 0xd3, 0x2f, 0xce, 0xe0, 0x4a, 0x4d, 0xce, 0xc8, 0x57, 0xc8,
    0xc8, 0xe4, 0x02, 0x00, 0x50, 0x4b, 0x01, 0x02, 0x14, 0x03, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0xed, 0x41, 0x00, 0x00,
    0x00, 0x00, 0x73, 0x72, 0x63, 0x2f, 0x50, 0x4b, 0x01, 0x02, 0x14, 0x03, 0x14, 0x00, 0x00, 0x00,
    0x08, 0x00, 0x10, 0x93, 0x7c, 0x5d, 0x46, 0x2f, 0x94, 0x59, 0x22, 0x00, 0x00, 0x00, 0x74, 0x00,
    0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x01,
    0x22, 0x00, 0x00, 0x00, 0x73, 0x72, 0x63, 0x2f, 0x6d, 0x61, 0x69, 0x6e, 0x2e, 0x63, 0x50, 0x4b,
    0x01, 0x02, 0x14, 0x03, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x21, 0x00, 0x2f, 0x3a,
    0xda, 0xe9, 0x14, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xed, 0x81, 0x6c, 0x00, 0x00, 0x00, 0x72, 0x75, 0x6e, 0x2e,
    0x73, 0x68, 0x50, 0x4b, 0x05, 0x06, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x03, 0x00, 0x9e, 0x00,
    0x00, 0x00, 0xa4, 0x00, 0x00, 0x00, 0x00, 0x00
};

std::string python_archive() { return std::string(reinterpret_cast<const char*>(python_zip), sizeof python_zip); }

std::uint16_t get16(const std::string& s, std::size_t at) {
    return static_cast<std::uint16_t>(static_cast<unsigned char>(s[at]) | (static_cast<unsigned char>(s[at + 1]) << 8));
}
std::uint32_t get32(const std::string& s, std::size_t at) {
    return get16(s, at) | (std::uint32_t{get16(s, at + 2)} << 16);
}
void set16(std::string& s, std::size_t at, std::uint16_t v) {
    s[at] = static_cast<char>(v & 0xFF);
    s[at + 1] = static_cast<char>(v >> 8);
}
void set32(std::string& s, std::size_t at, std::uint32_t v) {
    set16(s, at, static_cast<std::uint16_t>(v & 0xFFFF));
    set16(s, at + 2, static_cast<std::uint16_t>(v >> 16));
}
void add16(std::string& s, std::uint16_t v) {
    s.append(2, '\0');
    set16(s, s.size() - 2, v);
}
void add32(std::string& s, std::uint32_t v) {
    s.append(4, '\0');
    set32(s, s.size() - 4, v);
}

// Offsets in an archive without a comment (what zip::write makes).
std::size_t eocd_at(const std::string& z) { return z.size() - 22; }
std::size_t central_at(const std::string& z, std::size_t index) {
    std::size_t at = get32(z, eocd_at(z) + 16);
    for (std::size_t i = 0; i < index; ++i) at += 46u + get16(z, at + 28) + get16(z, at + 30) + get16(z, at + 32);
    return at;
}
std::size_t local_at(const std::string& z, std::size_t index) { return get32(z, central_at(z, index) + 42); }

// Hand-laid archives for what zip::write cannot express: data that lies
// about its size, entries sharing bytes.
struct Raw {
    std::string name;
    std::string data;  // as stored after the local header
    std::uint16_t method = 0;
    std::uint32_t crc = 0;
    std::uint32_t usize = 0;
    bool own_local = true;       // false: `offset` points into another entry
    std::uint32_t offset = 0;
};

std::string local_header(const std::string& name, std::uint16_t method, std::uint32_t crc, std::uint32_t csize,
                         std::uint32_t usize) {
    std::string h;
    add32(h, 0x04034b50);
    add16(h, 20);
    add16(h, 0);
    add16(h, method);
    add16(h, 0);
    add16(h, 0x21);
    add32(h, crc);
    add32(h, csize);
    add32(h, usize);
    add16(h, static_cast<std::uint16_t>(name.size()));
    add16(h, 0);
    return h + name;
}

std::string raw_zip(std::vector<Raw> entries) {
    std::string out, central;
    for (Raw& r : entries) {
        if (!r.own_local) continue;
        r.offset = static_cast<std::uint32_t>(out.size());
        out += local_header(r.name, r.method, r.crc, static_cast<std::uint32_t>(r.data.size()), r.usize) + r.data;
    }
    for (const Raw& r : entries) {
        add32(central, 0x02014b50);
        add16(central, (3 << 8) | 20);
        add16(central, 20);
        add16(central, 0);
        add16(central, r.method);
        add16(central, 0);
        add16(central, 0x21);
        add32(central, r.crc);
        add32(central, static_cast<std::uint32_t>(r.data.size()));
        add32(central, r.usize);
        add16(central, static_cast<std::uint16_t>(r.name.size()));
        add16(central, 0);
        add16(central, 0);
        add16(central, 0);
        add16(central, 0);
        add32(central, 0100644u << 16);
        add32(central, r.offset);
        central += r.name;
    }
    const auto cd_offset = static_cast<std::uint32_t>(out.size());
    out += central;
    add32(out, 0x06054b50);
    add16(out, 0);
    add16(out, 0);
    add16(out, static_cast<std::uint16_t>(entries.size()));
    add16(out, static_cast<std::uint16_t>(entries.size()));
    add32(out, static_cast<std::uint32_t>(central.size()));
    add32(out, cd_offset);
    add16(out, 0);
    return out;
}

// `n` zero bytes as raw deflate, fed in 1 MiB pieces so the test itself never
// holds the whole expansion.
std::string deflate_zeros(std::size_t n) {
    namespace zlib = boost::beast::zlib;
    zlib::deflate_stream ds;
    ds.reset(6, 15, 8, zlib::Strategy::normal);
    const std::string piece(1u << 20, '\0');
    std::vector<char> buf(1u << 16);
    std::string out;
    for (std::size_t left = n;;) {
        const std::size_t take = std::min(left, piece.size());
        left -= take;
        const bool last = left == 0;
        zlib::z_params zs{};
        zs.next_in = piece.data();
        zs.avail_in = take;
        boost::system::error_code ec;
        do {
            zs.next_out = buf.data();
            zs.avail_out = buf.size();
            ec = {};
            ds.write(zs, last ? zlib::Flush::finish : zlib::Flush::none, ec);
            out.append(buf.data(), buf.size() - zs.avail_out);
            if (ec && ec != zlib::error::end_of_stream && ec != zlib::error::need_buffers) FAIL(ec.message());
        } while (zs.avail_in > 0 || (last && ec != zlib::error::end_of_stream));
        if (last) return out;
    }
}

// The ZipError's message, or "" when read() accepts the archive.
std::string refusal(const std::string& z, const zip::Limits& limits = {}) {
    try {
        zip::read(z, limits);
    } catch (const zip::ZipError& e) {
        return e.what();
    }
    return "";
}

std::string refusal_for(const std::string& path) {
    return refusal(zip::write({Entry{path, false, false, "x"}}));
}

void check_same(const std::vector<Entry>& got, const std::vector<Entry>& want) {
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        CHECK(got[i].path == want[i].path);
        CHECK(got[i].is_dir == want[i].is_dir);
        CHECK(got[i].executable == want[i].executable);
        CHECK(got[i].content == want[i].content);
    }
}

std::vector<Entry> sample_entries() {
    std::string binary;
    for (int i = 0; i < 256; ++i) binary.push_back(static_cast<char>(i));
    std::string noise;  // incompressible, several inflate chunks long
    std::uint32_t x = 12345;
    for (int i = 0; i < 200000; ++i) {
        x = x * 1664525u + 1013904223u;
        noise.push_back(static_cast<char>(x >> 24));
    }
    std::string text;
    for (int i = 0; i < 20000; ++i) text += "line " + std::to_string(i) + "\n";
    return {
        Entry{"src", true, false, ""},
        Entry{"src/main.cpp", false, false, "int main() {}\n"},
        Entry{"run.sh", false, true, "#!/bin/sh\nexit 0\n"},
        Entry{"empty", false, false, ""},
        Entry{"empty-folder", true, false, ""},
        Entry{"data/binary.bin", false, false, binary + std::string(10, '\0') + binary},
        Entry{"data/noise.bin", false, false, noise},
        Entry{"data/text.txt", false, false, text},
    };
}

long peak_rss_kb() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

struct TempDir {
    std::string path;
    TempDir() {
        std::string templ = (std::filesystem::temp_directory_path() / "test_zip.XXXXXX").string();
        REQUIRE(mkdtemp(templ.data()) != nullptr);
        path = templ;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);  // does not follow the planted links
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

std::string slurp(const std::string& path) {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    close(fd);
    return out;
}

unsigned mode_of(const std::string& path) {
    struct stat st{};
    REQUIRE(lstat(path.c_str(), &st) == 0);
    return st.st_mode & 07777u;
}

}  // namespace

using Catch::Matchers::Contains;

TEST_CASE("zip: stored round trip", "[zip]") {
    const auto entries = sample_entries();
    const std::string z = zip::write(entries);
    check_same(zip::read(z), entries);
}

TEST_CASE("zip: deflated round trip", "[zip]") {
    const auto entries = sample_entries();
    const std::string z = zip::write(entries, true);
    CHECK(z.size() < zip::write(entries).size());
    check_same(zip::read(z), entries);
}

TEST_CASE("zip: empty archive", "[zip]") {
    CHECK(zip::read(zip::write({})).empty());
}

TEST_CASE("zip: an archive comment is skipped", "[zip]") {
    std::string z = zip::write({Entry{"a", false, false, "hello"}});
    const std::string comment = "PK\x05\x06 looks like a signature but is the comment";
    set16(z, eocd_at(z) + 20, static_cast<std::uint16_t>(comment.size()));
    z += comment;
    const auto got = zip::read(z);
    REQUIRE(got.size() == 1);
    CHECK(got[0].content == "hello");
}

TEST_CASE("zip: reads an archive made by Python's zipfile", "[zip]") {
    const auto got = zip::read(python_archive());
    std::string main_c;
    for (int i = 0; i < 4; ++i) main_c += "int main(void) { return 0; }\n";
    check_same(got, {
                        Entry{"src", true, false, ""},
                        Entry{"src/main.c", false, false, main_c},
                        Entry{"run.sh", false, true, "#!/bin/sh\necho hi\n"},
                    });
}

TEST_CASE("zip: refuses paths that leave or confuse the folder", "[zip]") {
    CHECK(refusal_for("../x") == "zip: entry '../x': path leaves the folder");
    CHECK_THAT(refusal_for("a/../../x"), Contains("path leaves the folder"));
    CHECK_THAT(refusal_for(".."), Contains("path leaves the folder"));
    CHECK(refusal_for("/etc/passwd") == "zip: entry '/etc/passwd': absolute path");
    CHECK_THAT(refusal_for("a\\b"), Contains("backslash"));
    CHECK_THAT(refusal_for(std::string("a\0b", 3)), Contains("NUL") && Contains("'a\\x00b'"));
    CHECK_THAT(refusal_for("a//b"), Contains("empty path component"));
    CHECK_THAT(refusal_for("./a"), Contains("'.' path component"));
    CHECK_THAT(refusal_for("a/."), Contains("'.' path component"));
    CHECK_THAT(refusal_for(""), Contains("empty name"));
    CHECK_THAT(refusal_for(std::string(256, 'a')), Contains("longer than 255"));
    CHECK(refusal_for(std::string(255, 'a')).empty());
    std::string deep;
    for (int i = 0; i < 5; ++i) deep += std::string(250, 'd') + "/";
    deep += "f";
    CHECK_THAT(refusal_for(deep), Contains("longer than 1024"));
    // A folder entry "x//" strips one '/' and keeps an empty component.
    CHECK_THAT(refusal(zip::write({Entry{"x/", true, false, ""}})), Contains("empty path component"));
}

TEST_CASE("zip: refuses links, special files, duplicates and file/folder clashes", "[zip]") {
    std::string z = zip::write({Entry{"link", false, false, "/etc/passwd"}});
    set32(z, central_at(z, 0) + 38, 0120777u << 16);
    CHECK(refusal(z) == "zip: entry 'link': symbolic link");

    set32(z, central_at(z, 0) + 38, 0010644u << 16);  // a FIFO
    CHECK_THAT(refusal(z), Contains("special file"));

    CHECK_THAT(refusal(zip::write({Entry{"a", false, false, "1"}, Entry{"a", false, false, "2"}})),
               Contains("'a': duplicate path"));
    CHECK_THAT(refusal(zip::write({Entry{"a", true, false, ""}, Entry{"a", false, false, "2"}})),
               Contains("duplicate path"));
    CHECK_THAT(refusal(zip::write({Entry{"a", false, false, "1"}, Entry{"a/b", false, false, "2"}})),
               Contains("'a/b'") && Contains("'a' is a file and also a folder"));
    CHECK_THAT(refusal(zip::write({Entry{"a/b/c", false, false, "1"}, Entry{"a/b", false, false, "2"}})),
               Contains("'a/b' is a file and also a folder"));
    // Implicit folders are fine.
    CHECK(refusal(zip::write({Entry{"a/b/c", false, false, "1"}, Entry{"a/d", false, false, "2"}})).empty());
}

TEST_CASE("zip: refuses damaged archives", "[zip]") {
    const std::string good = zip::write({Entry{"f.txt", false, false, "some content"}});

    SECTION("CRC mismatch") {
        std::string z = good;
        z[local_at(z, 0) + 30 + 5] ^= 1;  // first byte of the stored data
        CHECK(refusal(z) == "zip: entry 'f.txt': CRC-32 mismatch");
    }
    SECTION("truncated") {
        CHECK_THAT(refusal(good.substr(0, good.size() / 2)), Contains("not a zip archive"));
        CHECK_THAT(refusal(good.substr(0, good.size() - 1)), Contains("not a zip archive"));
        CHECK_THAT(refusal(""), Contains("not a zip archive"));
        CHECK_THAT(refusal("PK\x05\x06"), Contains("not a zip archive"));
    }
    SECTION("truncated deflate stream") {
        std::string z = zip::write({sample_entries()[6]}, true);  // noise: no early end possible
        set32(z, central_at(z, 0) + 20, get32(z, central_at(z, 0) + 20) - 10);
        CHECK_THAT(refusal(z), Contains("'data/noise.bin': deflate data ends early"));
    }
    SECTION("declared size differs") {
        std::string z = zip::write({Entry{"f", false, false, std::string(1000, 'x')}}, true);
        set32(z, central_at(z, 0) + 24, 999);
        CHECK_THAT(refusal(z), Contains("differs from the declared"));
    }
    SECTION("local header disagrees") {
        std::string z = good;
        z[local_at(z, 0) + 30] = 'g';
        CHECK_THAT(refusal(z), Contains("local header names another entry"));
        z = good;
        set16(z, local_at(z, 0) + 8, 8);
        CHECK_THAT(refusal(z), Contains("local header disagrees about the compression method"));
    }
    SECTION("encrypted") {
        std::string z = good;
        set16(z, central_at(z, 0) + 8, 1);
        CHECK(refusal(z) == "zip: entry 'f.txt': encrypted");
    }
    SECTION("unsupported method") {
        std::string z = good;
        set16(z, central_at(z, 0) + 10, 12);  // bzip2
        set16(z, local_at(z, 0) + 8, 12);
        CHECK(refusal(z) == "zip: entry 'f.txt': unsupported compression method 12");
    }
    SECTION("zip64") {
        std::string z = good;
        set32(z, central_at(z, 0) + 20, 0xFFFFFFFFu);
        CHECK_THAT(refusal(z), Contains("ZIP64"));
        z = good;
        set16(z, eocd_at(z) + 8, 0xFFFF);
        set16(z, eocd_at(z) + 10, 0xFFFF);
        CHECK_THAT(refusal(z), Contains("ZIP64"));
    }
    SECTION("multi-disk") {
        std::string z = good;
        set16(z, eocd_at(z) + 4, 1);
        CHECK_THAT(refusal(z), Contains("multi-disk"));
    }
    SECTION("entries sharing bytes") {
        // "a"'s data holds a complete local header and data for "b": every
        // check on "b" alone passes, but the two overlap.
        const std::string inner = local_header("b", 0, 0, 4, 4) + "bbbb";
        Raw a{"a", inner, 0, 0, static_cast<std::uint32_t>(inner.size())};
        Raw b{"b", "bbbb", 0, 0, 4, false, 30 + 1};
        CHECK_THAT(refusal(raw_zip({a, b})), Contains("'b': overlaps entry 'a'"));
    }
}

TEST_CASE("zip: limits", "[zip]") {
    SECTION("too many entries") {
        std::vector<Entry> many;
        for (int i = 0; i < 11; ++i) many.push_back(Entry{"f" + std::to_string(i), false, false, ""});
        zip::Limits limits;
        limits.max_entries = 10;
        CHECK_THAT(refusal(zip::write(many), limits), Contains("11 entries, more than the limit of 10"));
        limits.max_entries = 11;
        CHECK(refusal(zip::write(many), limits).empty());
    }
    SECTION("entry and total sizes") {
        zip::Limits limits;
        limits.max_entry_bytes = 5000;
        limits.max_total_bytes = 10000;
        const std::string k4(4000, 'k');
        CHECK(refusal(zip::write({Entry{"a", false, false, k4}, Entry{"b", false, false, k4}}), limits).empty());
        CHECK_THAT(refusal(zip::write({Entry{"a", false, false, k4 + k4}}), limits),
                   Contains("'a': declares 8000 bytes"));
        CHECK_THAT(refusal(zip::write({Entry{"a", false, false, k4}, Entry{"b", false, false, k4},
                                       Entry{"c", false, false, k4}}),
                           limits),
                   Contains("total limit of 10000"));
        // Sizes that lie: found while inflating.
        std::string z = zip::write({Entry{"a", false, false, k4}, Entry{"b", false, false, k4},
                                    Entry{"c", false, false, k4}},
                                   true);
        set32(z, central_at(z, 2) + 24, 10);  // a and b honest, c lies
        CHECK_THAT(refusal(z, limits), Contains("'c' takes the archive over the total limit of 10000"));
        z = zip::write({Entry{"a", false, false, k4 + k4}}, true);
        set32(z, central_at(z, 0) + 24, 10);
        CHECK_THAT(refusal(z, limits), Contains("'a': larger than the entry limit of 5000"));
    }
    SECTION("zip bomb") {
        constexpr std::size_t expanded = 50u << 20;
        const std::string bomb = deflate_zeros(expanded);
        CHECK(bomb.size() < 100u << 10);

        // Honest about its size: refused before inflating anything.
        CHECK_THAT(refusal(raw_zip({Raw{"bomb", bomb, 8, 0, static_cast<std::uint32_t>(expanded)}})),
                   Contains("'bomb': declares 52428800 bytes, over the entry limit of 10485760"));

        // Lying about it: inflation stops at the 10 MiB limit.
        const std::string liar = raw_zip({Raw{"bomb", bomb, 8, 0, 1000}});
        const long rss_before = peak_rss_kb();
        const auto t0 = std::chrono::steady_clock::now();
        CHECK_THAT(refusal(liar), Contains("'bomb': larger than the entry limit of 10485760 bytes"));
        const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        CHECK(seconds < 5);
        // ru_maxrss only grows; if an earlier test peaked higher this
        // proves nothing, but it cannot pass with 50 MB inflated on top.
        // (Up to 10 MiB of output in a doubling string, plus what ASan's
        // quarantine keeps of the smaller buffers, stays well below.)
        CHECK(peak_rss_kb() - rss_before < 45 * 1024);
    }
}

TEST_CASE("zip: extract", "[zip]") {
    TempDir dir;
    zip::extract(zip::read(python_archive()), dir.path);
    CHECK(slurp(dir.path + "/run.sh") == "#!/bin/sh\necho hi\n");
    CHECK(slurp(dir.path + "/src/main.c").rfind("int main(void)", 0) == 0);
    CHECK(mode_of(dir.path + "/run.sh") == 0755);
    CHECK(mode_of(dir.path + "/src/main.c") == 0644);
    CHECK(mode_of(dir.path + "/src") == 0755);

    TempDir other;
    const auto entries = sample_entries();
    zip::extract(entries, other.path);
    for (const Entry& e : entries) {
        const std::string p = other.path + "/" + e.path;
        if (e.is_dir) {
            CHECK(std::filesystem::is_directory(p));
        } else {
            CHECK(slurp(p) == e.content);
            CHECK(mode_of(p) == (e.executable ? 0755u : 0644u));
        }
    }
    CHECK(mode_of(other.path + "/data") == 0755);  // implicit folder
}

TEST_CASE("zip: extract never follows a planted link", "[zip]") {
    TempDir target, outside;
    const std::string victim = outside.path + "/victim";
    { std::ofstream(victim) << "original"; }
    REQUIRE(symlink(outside.path.c_str(), (target.path + "/evil").c_str()) == 0);
    REQUIRE(symlink(victim.c_str(), (target.path + "/f").c_str()) == 0);
    REQUIRE(symlink((outside.path + "/new").c_str(), (target.path + "/g").c_str()) == 0);

    // A folder component that is a link.
    CHECK_THROWS_AS(zip::extract({Entry{"evil/x", false, false, "pwned"}}, target.path), std::system_error);
    CHECK_THROWS_AS(zip::extract({Entry{"evil", true, false, ""}}, target.path), std::system_error);
    CHECK(!std::filesystem::exists(outside.path + "/x"));
    // A file that is a link, to an existing file or to nothing yet.
    CHECK_THROWS_AS(zip::extract({Entry{"f", false, false, "pwned"}}, target.path), std::system_error);
    CHECK(slurp(victim) == "original");
    CHECK_THROWS_AS(zip::extract({Entry{"g", false, false, "pwned"}}, target.path), std::system_error);
    CHECK(!std::filesystem::exists(outside.path + "/new"));
    // Entries that did not come from read() are checked all the same.
    CHECK_THROWS_AS(zip::extract({Entry{"../x", false, false, "pwned"}}, target.path + "/sub"), zip::ZipError);
    CHECK_THROWS_AS(zip::extract({Entry{"/tmp/x", false, false, "pwned"}}, target.path), zip::ZipError);
}
