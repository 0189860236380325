#include "sandbox/network.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "sandbox/pools.hpp"
#include "sandbox/sys_io.hpp"

namespace sandbox::network {

std::string find_tool(const char* name) {
    for (const char* dir : {"/usr/sbin", "/usr/bin", "/sbin", "/bin"}) {
        std::string p = std::string(dir) + "/" + name;
        if (::access(p.c_str(), X_OK) == 0) return p;
    }
    throw std::runtime_error(std::string(name) + " not found in /usr/sbin, /usr/bin, /sbin or /bin");
}

namespace {

Fd make_memfd(const char* name) {
    Fd fd(::memfd_create(name, MFD_CLOEXEC));
    if (!fd) io::throw_errno("memfd_create(\"" + std::string(name) + "\")", errno);
    return fd;
}

std::string text_of(int memfd) {
    std::string s = io::pread_all(memfd);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    for (char& c : s)
        if (c == '\n') c = ';';
    return s;
}

void wait_child(pid_t pid, int* status) {
    while (::waitpid(pid, status, 0) < 0 && errno == EINTR) {
    }
}

// fork + exec of `argv` with fds 0..n-1 set to `fds` (-1: /dev/null) and
// nothing else open, optionally with gid `gid` and no supplementary
// groups. Only async-signal-safe calls between fork and exec (the caller
// may have many threads).
pid_t start(const std::string& path, const std::vector<std::string>& args, const std::vector<int>& fds,
            gid_t gid, bool set_gid) {
    std::vector<char*> argv;
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    char* envp[] = {nullptr};
    Fd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!null) io::throw_errno("open(\"/dev/null\")", errno);
    std::vector<int> src = fds;
    for (int& f : src)
        if (f < 0) f = null.get();
    pid_t pid = ::fork();
    if (pid < 0) io::throw_errno("fork() for " + path, errno);
    if (pid == 0) {
        // Moved above the targets first: a source may sit on a target number.
        int moved[16];
        const int n = static_cast<int>(src.size());
        for (int i = 0; i < n; ++i)
            if ((moved[i] = ::fcntl(src[i], F_DUPFD, 32)) < 0) ::_exit(127);
        for (int i = 0; i < n; ++i)
            if (::dup2(moved[i], i) != i) ::_exit(127);
        if (::syscall(SYS_close_range, n, ~0U, 0) != 0) ::_exit(127);
        if (set_gid) {
            if (::syscall(SYS_setgroups, 0, nullptr) != 0) ::_exit(127);
            if (::syscall(SYS_setresgid, gid, gid, gid) != 0) ::_exit(127);
        }
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execve(path.c_str(), argv.data(), envp);
        ::_exit(127);
    }
    return pid;
}

std::mutex g_filter_mu;  // one nft transaction at a time

}  // namespace

std::string filter_ruleset() {
    const std::string first = std::to_string(pools::uid_base());
    const std::string last = std::to_string(pools::uid_base() + pools::slot_count() - 1);
    // "table; delete table; table {...}" in one file is one transaction:
    // created when missing, replaced when present, never absent between.
    return "table inet judge_sandbox\n"
           "delete table inet judge_sandbox\n"
           "table inet judge_sandbox {\n"
           "  chain output {\n"
           "    type filter hook output priority filter; policy accept;\n"
           "    meta skgid " + first + "-" + last + " jump box_stack\n"
           "  }\n"
           "  chain box_stack {\n"
           "    fib daddr type { local, broadcast, anycast, multicast } jump refuse\n"
           "    ip daddr { 0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/8, 169.254.0.0/16, 172.16.0.0/12,"
           " 192.168.0.0/16, 224.0.0.0/3 } jump refuse\n"
           "    ip6 daddr { ::/127, ::ffff:0:0/96, fc00::/7, fe80::/10, ff00::/8 } jump refuse\n"
           "  }\n"
           "  chain refuse {\n"
           "    meta l4proto tcp reject with tcp reset\n"
           "    reject\n"
           "  }\n"
           "}\n";
}

void install_filter() {
    std::lock_guard lk(g_filter_mu);
    const std::string nft = find_tool("nft");
    Fd rules = make_memfd("judge-nft-rules");
    const std::string text = filter_ruleset();
    if (::write(rules.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        io::throw_errno("write(nft ruleset)", errno);
    if (::lseek(rules.get(), 0, SEEK_SET) != 0) io::throw_errno("lseek(nft ruleset)", errno);
    Fd err = make_memfd("judge-nft-err");
    pid_t pid = start(nft, {"nft", "-f", "/dev/stdin"}, {rules.get(), -1, err.get()}, 0, false);
    int status = 0;
    wait_child(pid, &status);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error("nft -f (table inet judge_sandbox) failed: " + text_of(err.get()));
}

Stack Stack::attach(pid_t init_pid, gid_t gid) {
    install_filter();
    const std::string slirp = find_tool("slirp4netns");
    const std::string ns_path = "/proc/" + std::to_string(init_pid) + "/ns/net";
    Fd ns(::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns) io::throw_errno("open(\"" + ns_path + "\")", errno);
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) io::throw_errno("pipe2()", errno);
    Fd ready_read(p[0]), ready_write(p[1]);
    if (::pipe2(p, O_CLOEXEC) != 0) io::throw_errno("pipe2()", errno);
    Fd exit_read(p[0]), exit_write(p[1]);
    Fd log = make_memfd("judge-slirp4netns");
    // fd 3: the box's netns (named by our own fd, not by a pid that could
    // be reused), 4: ready, 5: exit when closed.
    pid_t pid = start(slirp,
                      {"slirp4netns", "--configure", "--mtu=65520", "--disable-host-loopback", "--enable-sandbox",
                       "--enable-seccomp", "--ready-fd=4", "--exit-fd=5", "--netns-type=path", "/proc/self/fd/3",
                       "tap0"},
                      {-1, log.get(), log.get(), ns.get(), ready_write.get(), exit_read.get()}, gid, true);
    Stack stack(pid, std::move(exit_write));
    ready_write.reset();
    exit_read.reset();
    // "1" on the ready fd once tap0 is configured; EOF if it died first.
    pollfd pfd{ready_read.get(), POLLIN, 0};
    int rc;
    do rc = ::poll(&pfd, 1, 10'000);
    while (rc < 0 && errno == EINTR);
    char c = 0;
    if (rc != 1 || ::read(ready_read.get(), &c, 1) != 1 || c != '1') {
        const int err = rc == 0 ? ETIMEDOUT : rc < 0 ? errno : EPIPE;
        throw std::runtime_error("slirp4netns for " + ns_path + " did not come up (" + io::errno_text(err) +
                                 "): " + text_of(log.get()));
    }
    return stack;
}

Stack::Stack(Stack&& o) noexcept : pid_(std::exchange(o.pid_, -1)), exit_fd_(std::move(o.exit_fd_)) {}

Stack::~Stack() {
    if (pid_ <= 0) return;
    exit_fd_.reset();
    ::kill(pid_, SIGKILL);  // our unreaped child: the pid is still its own
    int status;
    wait_child(pid_, &status);
}

}  // namespace sandbox::network
