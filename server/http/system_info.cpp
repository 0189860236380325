#include "server/http/system_info.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

extern char** environ;

namespace server {

namespace {

std::string trim(std::string s) {
    s.erase(0, s.find_first_not_of(" \t"));
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.pop_back();
    return s;
}

// What `lscpu` prints, in the C locale; empty when it cannot run.
std::string lscpu_output() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return "";
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    char arg0[] = "lscpu";
    char* argv[] = {arg0, nullptr};
    char lc_all[] = "LC_ALL=C", path[] = "PATH=/usr/bin:/bin";
    char* env[] = {lc_all, path, nullptr};
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, "lscpu", &fa, nullptr, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    std::string out;
    if (rc == 0) {
        std::array<char, 4096> buf{};
        for (ssize_t n; (n = ::read(fds[0], buf.data(), buf.size())) > 0 || (n < 0 && errno == EINTR);)
            if (n > 0) out.append(buf.data(), static_cast<std::size_t>(n));
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) out.clear();
    }
    ::close(fds[0]);
    return out;
}

std::uint64_t meminfo_bytes(const std::string& key) {
    std::ifstream in("/proc/meminfo");
    std::string k;
    std::uint64_t kib = 0;
    std::string unit;
    while (in >> k >> kib) {
        std::getline(in, unit);
        if (k == key + ":") return kib * 1024;
    }
    return 0;
}

}  // namespace

std::string human_size(std::uint64_t bytes) {
    static const char* units[] = {"B", "Ki", "Mi", "Gi", "Ti", "Pi"};
    double v = static_cast<double>(bytes);
    std::size_t u = 0;
    while (v >= 1024 && u + 1 < std::size(units)) {
        v /= 1024;
        ++u;
    }
    char text[32];
    if (u == 0 || v >= 10) std::snprintf(text, sizeof text, "%.0f%s", std::round(v), units[u]);
    else std::snprintf(text, sizeof text, "%.1f%s", v, units[u]);
    return text;
}

std::string pretty_size(std::uint64_t bytes) {
    // PostgreSQL's rule: below 10 units of the next one, stay; round half up.
    static const char* units[] = {"kB", "MB", "GB", "TB", "PB"};
    if (bytes < 10 * 1024) return std::to_string(bytes) + " bytes";
    std::uint64_t size = bytes;
    std::size_t u = 0;
    size = (size + 512) / 1024;  // kB
    while (size >= 10 * 1024 && u + 1 < std::size(units)) {
        size = (size + 512) / 1024;
        ++u;
    }
    return std::to_string(size) + " " + units[u];
}

const std::string& system_info_json() {
    static const std::string text = [] {
        nlohmann::json o = nlohmann::json::object();
        std::istringstream lines(lscpu_output());
        for (std::string line; std::getline(lines, line);) {
            const auto colon = line.find(':');
            if (colon == std::string::npos) continue;
            const std::string key = trim(line.substr(0, colon)), value = trim(line.substr(colon + 1));
            if (!key.empty()) o[key] = value;
        }
        if (o.empty()) o["CPU(s)"] = std::to_string(::sysconf(_SC_NPROCESSORS_ONLN));  // no lscpu on this host
        o["Mem"] = human_size(meminfo_bytes("MemTotal"));
        o["Swap"] = human_size(meminfo_bytes("SwapTotal"));
        return o.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }();
    return text;
}

}  // namespace server
