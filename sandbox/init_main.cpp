// judge-sandbox-init: the box factory of one host process, and PID 1 of
// every box it makes (init_protocol.hpp).
//
// The factory (--factory ROOT BIND...): makes itself a session with no
// controlling terminal, builds the template file system in a mount
// namespace of its own, then forks each box's init on request. It
// is single-threaded, so its forked child may allocate and throw freely.
//
// Each init reads as a checklist:
//   fresh namespaces (a copy of the template's mounts) -> prepare config ->
//   /proc, /etc, hostname -> "prepared" -> run config + stdio -> /tmp,
//   /dev/shm, /box and the run's binds -> cgroup namespace -> "ready" to the
//   host -> wait for "go" -> fork the program child (rlimits, credentials,
//   seccomp, exec) -> supervise: reap, forward signals, report a refused
//   system call or the program's exit, then kill everything left
//   (double-forked daemons included) and exit, which tears down the PID
//   namespace.
//
// PID 1 of a PID namespace gets no signal it has no handler for, and when it
// exits the kernel kills every other process of the namespace.
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "sandbox/box_setup.hpp"
#include "sandbox/fd_passing.hpp"
#include "sandbox/init_protocol.hpp"

// The linker's bounds of this static binary's text and read-only data.
extern "C" char __executable_start[], __data_start[];

namespace {

using sandbox::box::StepError;
using sandbox::proto::Report;
using sandbox::proto::ReportKind;

// Set by the factory once its own bounding set is empty: the inits it
// forks inherit that, and need not drop the forty-odd capabilities again.
bool g_bounding_set_empty = false;

// Shared with the program child until its exec (CLONE_VM | CLONE_VFORK).
bool g_oom_shielded = false;
std::int64_t g_child_cpu_ns = 0;
// The seccomp listener the child made, in the descriptor table it shares
// with init until its exec (CLONE_FILES); -1 if it failed before.
int g_listener = -1;

std::int64_t cpu_ns(clockid_t clock) {
    timespec ts{};
    ::clock_gettime(clock, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// `src`, cut to fit, into the zeroed `dst`. (Not snprintf: its work
// buffer reaches a page further down the stack, and in a freshly forked
// process every page touched is a fault.)
template <std::size_t N>
void copy_text(char (&dst)[N], const char* src) {
    std::memcpy(dst, src, std::min(std::strlen(src), N - 1));
}

void report(ReportKind kind, int a, const std::string& text = {}, std::int64_t b = 0) {
    Report r{};
    r.kind = kind;
    r.a = a;
    r.b = b;
    copy_text(r.text, text.c_str());
    // A failed write means the host is gone; PDEATHSIG will end us.
    [[maybe_unused]] ssize_t n = ::write(sandbox::proto::kReportFd, &r, sizeof r);
}

// One control message from the host: a config, and with the run config the
// program's stdin, stdout and stderr and the mount trees to attach. Returns
// false when the host is gone.
bool read_config(sandbox::proto::InitConfig& cfg, std::vector<int>& fds) {
    // In .bss, untouched until now: a config is usually a few hundred bytes
    // to a few KiB, and every page touched is a page fault (a costly one in
    // a VM), so only the pages the kernel writes the message into are ever
    // faulted in, once for both configs. (A heap buffer this size would be
    // an mmap and a munmap, with its TLB flush, per config.)
    static char buf[sandbox::proto::kMaxMessage];
    ssize_t n = sandbox::fdpass::recv(sandbox::proto::kControlFd, buf, sizeof buf, fds);
    if (n < 0 && errno == EMSGSIZE) sandbox::box::fail("recvmsg(config): truncated", EMSGSIZE);
    if (n <= 0) return false;
    if (!sandbox::proto::decode(buf, static_cast<std::size_t>(n), cfg))
        sandbox::box::fail("decode(config)", EINVAL);
    return true;
}

// The run's stdio onto 0, 1, 2 (init held /dev/null there until now).
void install_stdio(const int* fds) {
    int tmp[3];
    for (int i = 0; i < 3; ++i) {
        tmp[i] = ::fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
        if (tmp[i] < 0) sandbox::box::fail("fcntl(F_DUPFD_CLOEXEC)", errno);
        ::close(fds[i]);
    }
    for (int i = 0; i < 3; ++i) {
        if (::dup2(tmp[i], i) != i) sandbox::box::fail("dup2(stdio)", errno);
        ::close(tmp[i]);
    }
}

// execvp with the PATH of the program's own environment, not init's.
int exec_program(const sandbox::proto::InitConfig& cfg, std::string& tried) {
    std::vector<char*> argv, envp;
    for (const auto& a : cfg.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::string path = "/usr/local/bin:/usr/bin:/bin";
    for (const auto& e : cfg.env) {
        envp.push_back(const_cast<char*>(e.c_str()));
        if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
    }
    envp.push_back(nullptr);
    const std::string& prog = cfg.argv[0];
    tried = prog;
    if (prog.find('/') != std::string::npos) {
        ::execve(prog.c_str(), argv.data(), envp.data());
        return errno;
    }
    int err = ENOENT;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string dir = path.substr(start, end - start);
        std::string full = (dir.empty() ? "." : dir) + "/" + prog;
        ::execve(full.c_str(), argv.data(), envp.data());
        if (errno != ENOENT && errno != ENOTDIR) {
            err = errno;
            tried = full;
        }
        start = end + 1;
    }
    return err;
}

// The program child. Never returns.
[[noreturn]] void program_child(const sandbox::proto::InitConfig& cfg) {
    try {
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        // init may be shielded from the OOM killer; the program must not be.
        if (g_oom_shielded) {
            int adj = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
            if (adj < 0 || ::write(adj, "0", 1) != 1) sandbox::box::fail("write(/proc/self/oom_score_adj)", errno);
            ::close(adj);
        }
        // A process group of its own, in the factory's session, which has
        // no controlling terminal (factory_main): no TIOCSTI into a host
        // tty, and as no session leader the program cannot acquire one.
        if (::setpgid(0, 0) != 0) sandbox::box::fail("setpgid(0, 0)", errno);
        sandbox::box::apply_rlimits(cfg);
        sandbox::box::drop_privileges(cfg);

        sock_fprog prog{};
        prog.len = static_cast<unsigned short>(cfg.bpf.size() / sizeof(sock_filter));
        prog.filter = reinterpret_cast<sock_filter*>(const_cast<unsigned char*>(cfg.bpf.data()));
        long listener = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                                  SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
        if (listener < 0) sandbox::box::fail("seccomp(SECCOMP_SET_MODE_FILTER)", errno);
        // From here on the filter is in force: only allowed calls follow.
        // The listener (close-on-exec) stays in init's table, not the program's.
        g_listener = static_cast<int>(listener);
        std::string tried;
        g_child_cpu_ns = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
        int err = exec_program(cfg, tried);
        report(ReportKind::exec_failed, err, tried);
    } catch (const StepError& e) {
        report(ReportKind::setup_failed, e.err, e.step);
    }
    ::_exit(127);
}

int program_child_main(void* cfg) {
    program_child(*static_cast<const sandbox::proto::InitConfig*>(cfg));
}

[[noreturn]] void finish() {
    // Everything else in the namespace dies with us anyway; killing it first
    // makes the order explicit (daemons go before the host reaps us).
    ::kill(-1, SIGKILL);
    ::_exit(0);
}

// Kills every other process of the namespace and reaps it, until none is
// left (kill(-1) finds no one): orphans come to us, PID 1, and reparenting
// may still be under way when one round of waitpid runs dry.
void empty_namespace() {
    while (::kill(-1, SIGKILL) == 0) {
        int status;
        while (::waitpid(-1, &status, __WALL) > 0 || errno == EINTR) {
        }
    }
}

[[noreturn]] void supervise(pid_t child, int listener) {

    sigset_t set;
    sigfillset(&set);
    int sfd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) {
        report(ReportKind::setup_failed, errno, "signalfd()");
        finish();
    }
    for (;;) {
        pollfd pfd[2] = {{sfd, POLLIN, 0}, {listener, POLLIN, 0}};
        int n = ::poll(pfd, listener >= 0 ? 2 : 1, -1);
        if (n < 0) continue;
        if (listener >= 0 && (pfd[1].revents & POLLIN)) {
            seccomp_notif req{};
            if (::ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0) {
                report(ReportKind::violation, static_cast<int>(req.data.nr));
                finish();
            }
        } else if (listener >= 0 && (pfd[1].revents & (POLLHUP | POLLERR))) {
            ::close(listener);  // no filtered task is left
            listener = -1;
        }
        if (pfd[0].revents & POLLIN) {
            signalfd_siginfo si{};
            while (::read(sfd, &si, sizeof si) == sizeof si) {
                if (si.ssi_signo != SIGCHLD) ::kill(child, static_cast<int>(si.ssi_signo));
            }
            int status = 0;
            pid_t p;
            while ((p = ::waitpid(-1, &status, WNOHANG)) > 0) {
                if (p == child) {
                    // The box is emptied before the report: the host may
                    // take it as saying that no process of the box is left
                    // to write a byte or spend a cycle, and go on while our
                    // own exit (memory, namespaces) completes.
                    empty_namespace();
                    report(ReportKind::exited, status);
                    ::_exit(0);
                }
            }
        }
    }
}


// The box: everything init does from its first instruction in the box's
// namespaces. Never returns.
[[noreturn]] void box_main() {
    // Signals arrive through a signalfd only; the mask is reset in the child.
    sigset_t all;
    sigfillset(&all);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
    ::fcntl(sandbox::proto::kControlFd, F_SETFD, FD_CLOEXEC);
    ::fcntl(sandbox::proto::kReportFd, F_SETFD, FD_CLOEXEC);
    try {
        // Phase 1, possibly long before the run: the generic box.
        sandbox::proto::InitConfig prep;
        std::vector<int> fds;
        if (!read_config(prep, fds)) ::_exit(0);
        if (!fds.empty()) sandbox::box::fail("prepare config: unexpected descriptors", EPROTO);
        const int etc = sandbox::box::prepare_root(prep);
        // Shield init from the OOM killer where we may (CAP_SYS_RESOURCE):
        // the box's verdict must not hinge on which process the kernel picks.
        if (int adj = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC); adj >= 0) {
            g_oom_shielded = ::write(adj, "-1000", 5) == 5;
            ::close(adj);
        }
        if (!g_bounding_set_empty) sandbox::box::drop_bounding_set();
        if (::sethostname(prep.hostname.data(), prep.hostname.size()) != 0)
            sandbox::box::fail("sethostname(" + prep.hostname + ")", errno);
        report(ReportKind::prepared, 0);

        // Phase 2: the run. By now the host has put us into the box's cgroup.
        sandbox::proto::InitConfig cfg;
        if (!read_config(cfg, fds)) ::_exit(0);  // the host dropped this box
        if (cfg.argv.empty()) sandbox::box::fail("config: empty argv", EINVAL);
        // stdin, stdout, stderr, the working folder, then one per bind.
        if (fds.size() != 4 + cfg.binds.size()) sandbox::box::fail("run config: descriptors missing", EPROTO);
        install_stdio(fds.data());
        sandbox::box::finish_root(cfg, fds.data() + 3, etc);
        for (std::size_t i = 3; i < fds.size(); ++i) ::close(fds[i]);
        cfg.uid = prep.uid;
        cfg.gid = prep.gid;
        // The box's cgroup becomes the root of its cgroup view.
        if (::unshare(CLONE_NEWCGROUP) != 0) sandbox::box::fail("unshare(CLONE_NEWCGROUP)", errno);

        report(ReportKind::ready, 0);
        char go = 0;
        ssize_t n;
        do n = ::read(sandbox::proto::kControlFd, &go, 1);
        while (n < 0 && errno == EINTR);
        if (n != 1) ::_exit(0);  // the host gave up on this box
        ::close(sandbox::proto::kControlFd);

        // The program child shares init's memory and descriptor table, and
        // init waits until its exec, as with vfork: nothing is copied, no
        // one else runs meanwhile, and the exec gives the program a table
        // of its own without init's close-on-exec descriptors.
        const std::int64_t cpu_at_go = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
        static char stack[256 * 1024];
        pid_t child = ::clone(program_child_main, stack + sizeof stack, CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD,
                              &cfg);
        if (child < 0) sandbox::box::fail("clone(CLONE_VM|CLONE_VFORK|CLONE_FILES)", errno);
        report(ReportKind::started, 0, {}, cpu_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu_at_go + g_child_cpu_ns);
        supervise(child, g_listener);
    } catch (const StepError& e) {
        report(ReportKind::setup_failed, e.err, e.step);
        finish();
    }
}

// ---- The box factory ------------------------------------------------------

void factory_reply(int sock, pid_t pid, int err, const char* step, int pidfd) {
    sandbox::proto::FactoryReply r{};
    r.pid = pid;
    r.err = err;
    copy_text(r.step, step);
    // A failed send means the host is gone; the next recv sees EOF.
    [[maybe_unused]] ssize_t n = sandbox::fdpass::send(sock, &r, sizeof r, &pidfd, pidfd >= 0 ? 1 : 0);
}

// Page faults are what a VM makes costly: on the 2-vCPU VM this was written
// on, a fault costs about 12 us, against under 1 us a page when the same
// pages are asked for in one madvise(MADV_POPULATE_*) call. fork copies no
// page table entries of the binary's text and read-only data (only of pages
// written), so a freshly forked init would fault a dozen times on code the
// factory already has in memory, 64 KiB at a time. It maps it all at once
// instead. (The same for the pages the factory has written, copy-on-write,
// measured no faster: those stay faults.)
void map_text() {
    const auto lo = reinterpret_cast<std::uintptr_t>(__executable_start) & ~std::uintptr_t{4095};
    const auto hi = reinterpret_cast<std::uintptr_t>(__data_start) & ~std::uintptr_t{4095};
    if (hi > lo) ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_POPULATE_READ);  // a hint: failing costs faults
}

// In the forked child: become the box's init. fds: the box's control socket
// and report pipe. Never returns.
[[noreturn]] void become_init(const int* fds, const sandbox::proto::FactoryRequest& rq) {
    map_text();
    // fds 3 and 4 as the protocol has them, without clobbering a source
    // that already sits on a target number; nothing else of the factory's.
    int tmp[2];
    for (int i = 0; i < 2; ++i)
        if ((tmp[i] = ::fcntl(fds[i], F_DUPFD, 16)) < 0) ::_exit(127);
    if (::dup2(tmp[0], sandbox::proto::kControlFd) < 0 || ::dup2(tmp[1], sandbox::proto::kReportFd) < 0)
        ::_exit(127);
    if (::syscall(SYS_close_range, 5, ~0U, 0) != 0)
        for (int fd = 5; fd < 65536; ++fd) ::close(fd);
    try {
        // If the factory dies (with it the host), so does the box. (Should
        // it die before this line, getppid() cannot tell: it is 0 in a new
        // PID namespace. Such an init never gets its pid to the host, whose
        // end of the control socket closes, and init ends at that EOF.)
        if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) sandbox::box::fail("prctl(PR_SET_PDEATHSIG)", errno);
        if (rq.nice != 0 && ::setpriority(PRIO_PROCESS, 0, rq.nice) != 0) sandbox::box::fail("setpriority()", errno);
        // PID 1 of a fresh PID namespace already (the factory unshared it
        // for its children); now the rest of the box's namespaces.
        int flags = CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS;
        if (rq.new_netns) flags |= CLONE_NEWNET;
        if (::unshare(flags) != 0) sandbox::box::fail("unshare(CLONE_NEWNS|CLONE_NEWIPC|CLONE_NEWUTS|CLONE_NEWNET)", errno);
    } catch (const StepError& e) {
        report(ReportKind::setup_failed, e.err, e.step);
        ::_exit(127);
    }
    box_main();
}

// One spawn request: fork a new init into a fresh PID namespace. The
// request's descriptors are closed here, in the factory, afterwards.
// The factory's session: its scheduling autogroup (where the kernel has
// them on), which every box of the factory shares, and its nice value.
struct Session {
    int autogroup_fd = -1;  // /proc/self/autogroup, or -1 without autogroups
    int nice = 0;           // the autogroup's
};

void spawn_box(int sock, int own_pidns, Session& session, const sandbox::proto::FactoryRequest& rq, const int* fds,
               std::size_t nfds) {
    if (nfds != 2) return factory_reply(sock, -1, EPROTO, "spawn request without its two descriptors", -1);
    if (rq.nice < 0 || rq.nice > 19) return factory_reply(sock, -1, EINVAL, "nice out of 0..19", -1);
    // An autogroup is weighted at nice 0 whatever its processes' own nice:
    // give it the boxes', or the boxes would compete with the whole service
    // as an equal however low the service set their priority.
    if (session.autogroup_fd >= 0 && rq.nice != session.nice) {
        // Decimal without a leading zero: the kernel reads "08" as octal.
        char text[2];
        std::size_t len = 0;
        if (rq.nice >= 10) text[len++] = '1';
        text[len++] = static_cast<char>('0' + rq.nice % 10);
        if (::write(session.autogroup_fd, text, len) != static_cast<ssize_t>(len))
            return factory_reply(sock, -1, errno, "write(/proc/self/autogroup)", -1);
        session.nice = rq.nice;
    }
    // unshare(CLONE_NEWPID) works once per PID namespace for children:
    // return to our own first, then ask for a new one for the next child.
    if (::setns(own_pidns, CLONE_NEWPID) != 0) return factory_reply(sock, -1, errno, "setns(own PID namespace)", -1);
    if (::unshare(CLONE_NEWPID) != 0) return factory_reply(sock, -1, errno, "unshare(CLONE_NEWPID)", -1);
    // _Fork: without fork()'s atfork handlers, which lock and unlock
    // malloc's and stdio's state around the fork (we are single-threaded)
    // and so copy-on-write a few more pages in both processes per box.
    const pid_t pid = ::_Fork();
    if (pid < 0) return factory_reply(sock, -1, errno, "fork()", -1);
    if (pid == 0) become_init(fds, rq);
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
        const int err = errno;
        ::kill(pid, SIGKILL);
        int st;
        while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        return factory_reply(sock, -1, err, "pidfd_open()", -1);
    }
    factory_reply(sock, pid, 0, "", pidfd);
    ::close(pidfd);
}

// An init the host has seen exit: reap it (never one that is not ours, and
// never block on one still running: kill it first).
void reap_box(pid_t pid) {
    if (pid <= 0) return;
    int st;
    pid_t r;
    do r = ::waitpid(pid, &st, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r != 0) return;  // reaped now, or not our child
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
}

[[noreturn]] void factory_main(int argc, char** argv) {
    const int sock = sandbox::proto::kControlFd;
    ::fcntl(sock, F_SETFD, FD_CLOEXEC);
    const int own_pidns = ::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    if (own_pidns < 0) ::_exit(1);
    // A failure to set up is every spawn's answer (the host reports it as
    // an internal error), so that it is seen, not just a factory that went
    // away.
    std::string setup_error;
    int setup_errno = 0;
    auto failed = [&](std::string step, int err) {
        setup_error = std::move(step);
        setup_errno = err;
    };
    // A session of our own, with no controlling terminal: every box lives
    // in it. (A new session per box would cost a scheduling autogroup made
    // and torn down per box.) The autogroup file is opened now: the
    // template root has no /proc of its own.
    Session session;
    if (::setsid() < 0) failed("setsid()", errno);
    session.autogroup_fd = ::open("/proc/self/autogroup", O_WRONLY | O_CLOEXEC);
    if (session.autogroup_fd < 0 && errno != ENOENT && setup_errno == 0) failed("open(/proc/self/autogroup)", errno);
    // The template every box starts from; once built, it is our root too.
    if (setup_errno == 0 && argc < 3) failed("judge-sandbox-init --factory ROOT [BIND...]: no ROOT", EINVAL);
    if (setup_errno == 0) {
        try {
            sandbox::box::build_template(argv[2], std::vector<std::string>(argv + 3, argv + argc));
        } catch (const StepError& e) {
            failed("template file system: " + e.step, e.err);
        }
    }
    // The factory never execs, so an empty bounding set costs it nothing;
    // should dropping fail, each init tries again and reports the failure.
    try {
        sandbox::box::drop_bounding_set();
        g_bounding_set_empty = true;
    } catch (const StepError&) {
    }
    for (;;) {
        sandbox::proto::FactoryRequest rq{};
        int fds[sandbox::fdpass::kMaxFds];
        std::size_t nfds = 0;
        const ssize_t n = sandbox::fdpass::recv(sock, &rq, sizeof rq, fds, nfds);
        if (n == 0) ::_exit(0);  // the host is gone; PDEATHSIG ends the boxes
        if (n < 0 && errno != EMSGSIZE) ::_exit(1);
        if (n == static_cast<ssize_t>(sizeof rq) && rq.magic == sandbox::proto::kMagic) {
            if (rq.op == sandbox::proto::FactoryOp::spawn && setup_errno != 0)
                factory_reply(sock, -1, setup_errno, setup_error.c_str(), -1);
            else if (rq.op == sandbox::proto::FactoryOp::spawn) spawn_box(sock, own_pidns, session, rq, fds, nfds);
            else if (rq.op == sandbox::proto::FactoryOp::reap) reap_box(rq.pid);
            else factory_reply(sock, -1, EPROTO, "unknown factory request", -1);
        } else {
            factory_reply(sock, -1, EPROTO, "malformed factory request", -1);
        }
        for (std::size_t i = 0; i < nfds; ++i) ::close(fds[i]);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "--factory") == 0) factory_main(argc, argv);
    std::fprintf(stderr, "usage: judge-sandbox-init --factory ROOT [BIND...] (started by the sandbox, fd 3 its socket)\n");
    return 2;
}
