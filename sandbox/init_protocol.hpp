// The wire format between the host (sandbox::run) and the box's init
// (judge-sandbox-init, PID 1 inside the box).
//
// fd 3 is a SOCK_SEQPACKET control socket, host -> init, three messages:
//   1. "prepare": an InitConfig with the uid/gid and hostname. Init, in a
//      copy of the factory's template file system (below), adds the box's
//      own /proc and /etc and reports `prepared`. This may happen well
//      before the run (a prepared box).
//   2. "run": an InitConfig with everything else, carrying as SCM_RIGHTS
//      the program's stdin/stdout/stderr, then detached mount trees (open_tree
//      OPEN_TREE_CLONE, made by the host in its own namespace) of the working
//      folder and of each extra bind. Init attaches them (move_mount),
//      finishes the box and reports `ready`.
//   3. "go": one byte; the host has started the clock. Nothing follows; the
//      host keeps its end open until the box is over, and init ends the box
//      on a hang-up there (the host process has ended).
// fd 4 is a pipe, init -> host: fixed-size Report records (each smaller than
// PIPE_BUF, so writes from init and the program child never interleave).
//
// Inits are neither exec'd nor forked one by one: a host process starts a
// box factory per box it holds at once (judge-sandbox-init --factory, fd 3
// a SOCK_SEQPACKET socket to the host), and the factory clones one init at
// a time sharing its memory, waiting until that init has exited
// (CLONE_VM | CLONE_VFORK): no exec (no loader, no libc start-up, whose CPU
// feature probes trap to the hypervisor on a VM), no copy. Its arguments
// after --factory: the empty host folder that becomes the root of the
// template file system every box starts from, then the host paths to bind
// read-only into it (each skipped where the host lacks it). The factory
// builds the template once, in a mount namespace of its own, before its
// first request; should that fail, it answers every spawn with the error.
// Requests are FactoryRequest datagrams:
//   spawn: carries the box's control socket and report pipe (SCM_RIGHTS);
//          the factory clones init into a fresh PID namespace; the answer,
//          a FactoryReply, is the factory's on failure and the new init's
//          own on success, with its pidfd (its pid is in the pidfd's
//          fdinfo). A factory whose init was killed while answering ends
//          (EOF) rather than answer twice.
//   reap:  the host has seen init exit (through its pidfd); the factory
//          reaps it. Until then init stays unreaped, so its pid cannot be
//          reused while the host may still write it into a cgroup.
// When the host process ends, every init sees its control socket hang up
// and ends its box; the factory, back from clone, reads EOF and exits
// (an init whose factory dies dies too: PR_SET_PDEATHSIG).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace sandbox::proto {

inline constexpr int kControlFd = 3;
inline constexpr int kReportFd = 4;
// A control message is one datagram: the run config must fit.
inline constexpr std::size_t kMaxMessage = 192 * 1024;
// Descriptors in one message: stdio, the working folder, the binds.
inline constexpr std::size_t kMaxBinds = 64;
inline constexpr std::size_t kMaxFds = 4 + kMaxBinds;
static_assert(kMaxFds <= 72, "fd_passing.hpp carries at most 72 descriptors");
inline constexpr std::uint32_t kMagic = 0x4a53424f;  // "JSBO"

enum class ReportKind : std::uint32_t {
    ready = 1,         // the box is set up; waiting for "go"
    exited = 2,        // a = wait status of the program; every other
                       // process of the box is already killed and reaped;
                       // b = CLOCK_MONOTONIC ns when init reaped the program
    violation = 3,     // a = syscall number the seccomp filter refused;
                       // b = CLOCK_MONOTONIC ns when init got the notification
    exec_failed = 4,   // a = errno of execve; text = the path tried
    setup_failed = 5,  // a = errno; text = the step that failed
    prepared = 6,      // generic set-up done; waiting for the run config
    started = 7,       // the program exec'd; b = CPU ns init and the child
                       // spent after "go" before it (not the program's)
};

struct Report {
    ReportKind kind;
    std::int32_t a;
    std::int64_t b;
    char text[112];
};
static_assert(sizeof(Report) <= 512, "a report must be written atomically");

enum class FactoryOp : std::uint32_t { spawn = 1, reap = 2 };

struct FactoryRequest {
    std::uint32_t magic;
    FactoryOp op;
    std::int32_t pid;        // reap: the init to reap
    std::int32_t nice;       // spawn: the init's nice value
    std::uint32_t new_netns; // spawn: 1 for a fresh network namespace
};

// The new init's pid is not in the reply: the host reads it from the
// pidfd that comes with a successful one.
struct FactoryReply {
    std::int32_t err;  // 0: the new init's own answer, with its pidfd; else the failed step's errno
    char step[64];     // err != 0: the failed step
};

struct BindEntry {
    std::string host;
    std::string box;
    bool writable = false;
    bool optional = false;  // a default bind missing on this host is skipped
};

struct InitConfig {
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    std::uint64_t tmp_bytes = 0;
    std::uint64_t rlimit_cpu_s = 0;
    std::uint64_t rlimit_fsize = 0;
    std::uint64_t rlimit_nofile = 0;
    std::uint64_t rlimit_stack = 0;
    std::uint64_t rlimit_nproc = 0;
    std::string hostname;
    std::string workdir;          // host folder bound read-write at /box
    std::vector<std::string> argv;
    std::vector<std::string> env;
    std::vector<BindEntry> binds;
    std::vector<unsigned char> bpf;  // struct sock_filter[] for the program
};

// Length-prefixed little serialisation; both ends are this same build.
class Writer {
public:
    void u64(std::uint64_t v) { raw(&v, sizeof v); }
    void str(const std::string& s) {
        u64(s.size());
        raw(s.data(), s.size());
    }
    void bytes(const std::vector<unsigned char>& b) {
        u64(b.size());
        raw(b.data(), b.size());
    }
    void strs(const std::vector<std::string>& v) {
        u64(v.size());
        for (const auto& s : v) str(s);
    }
    const std::vector<char>& data() const { return buf_; }

private:
    void raw(const void* p, std::size_t n) {
        const char* c = static_cast<const char*>(p);
        buf_.insert(buf_.end(), c, c + n);
    }
    std::vector<char> buf_;
};

class Reader {
public:
    Reader(const char* p, std::size_t n) : p_(p), end_(p + n) {}
    bool ok() const { return ok_; }
    std::uint64_t u64() {
        std::uint64_t v = 0;
        raw(&v, sizeof v);
        return v;
    }
    std::string str() {
        std::uint64_t n = u64();
        if (!ok_ || n > static_cast<std::uint64_t>(end_ - p_)) return fail<std::string>();
        std::string s(p_, n);
        p_ += n;
        return s;
    }
    std::vector<unsigned char> bytes() {
        std::uint64_t n = u64();
        if (!ok_ || n > static_cast<std::uint64_t>(end_ - p_)) return fail<std::vector<unsigned char>>();
        std::vector<unsigned char> b(p_, p_ + n);
        p_ += n;
        return b;
    }
    std::vector<std::string> strs() {
        std::uint64_t n = u64();
        std::vector<std::string> v;
        for (std::uint64_t i = 0; ok_ && i < n; ++i) v.push_back(str());
        return v;
    }

private:
    template <class T>
    T fail() {
        ok_ = false;
        return T{};
    }
    void raw(void* out, std::size_t n) {
        if (static_cast<std::size_t>(end_ - p_) < n) {
            ok_ = false;
            return;
        }
        std::memcpy(out, p_, n);
        p_ += n;
    }
    const char* p_;
    const char* end_;
    bool ok_ = true;
};

inline std::vector<char> encode(const InitConfig& c) {
    Writer w;
    w.u64(kMagic);
    w.u64(c.uid);
    w.u64(c.gid);
    w.u64(c.tmp_bytes);
    w.u64(c.rlimit_cpu_s);
    w.u64(c.rlimit_fsize);
    w.u64(c.rlimit_nofile);
    w.u64(c.rlimit_stack);
    w.u64(c.rlimit_nproc);
    w.str(c.hostname);
    w.str(c.workdir);
    w.strs(c.argv);
    w.strs(c.env);
    w.u64(c.binds.size());
    for (const auto& b : c.binds) {
        w.str(b.host);
        w.str(b.box);
        w.u64((b.writable ? 1u : 0u) | (b.optional ? 2u : 0u));
    }
    w.bytes(c.bpf);
    return w.data();
}

// Returns false on a malformed buffer.
inline bool decode(const char* p, std::size_t n, InitConfig& c) {
    Reader r(p, n);
    if (r.u64() != kMagic) return false;
    c.uid = static_cast<std::uint32_t>(r.u64());
    c.gid = static_cast<std::uint32_t>(r.u64());
    c.tmp_bytes = r.u64();
    c.rlimit_cpu_s = r.u64();
    c.rlimit_fsize = r.u64();
    c.rlimit_nofile = r.u64();
    c.rlimit_stack = r.u64();
    c.rlimit_nproc = r.u64();
    c.hostname = r.str();
    c.workdir = r.str();
    c.argv = r.strs();
    c.env = r.strs();
    std::uint64_t nb = r.u64();
    for (std::uint64_t i = 0; r.ok() && i < nb; ++i) {
        BindEntry b;
        b.host = r.str();
        b.box = r.str();
        std::uint64_t f = r.u64();
        b.writable = (f & 1u) != 0;
        b.optional = (f & 2u) != 0;
        c.binds.push_back(std::move(b));
    }
    c.bpf = r.bytes();
    return r.ok();
}

}  // namespace sandbox::proto
