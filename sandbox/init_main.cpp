// judge-sandbox-init: the box factory of one host process, and PID 1 of
// every box it makes (init_protocol.hpp).
//
// The factory (--factory ROOT BIND...): makes itself a session with no
// controlling terminal, builds the template file system in a mount
// namespace of its own, then clones one box's init at a time on request.
// The init shares the factory's memory, and the factory waits in clone
// until that init has exited (CLONE_VM | CLONE_VFORK): one of them runs at
// a time, so the init may allocate and throw freely (the factory is
// single-threaded), and frees what it allocated before the program starts.
// A host runs one factory per box it holds at once.
//
// Each init reads as a checklist:
//   answer the host with its pidfd -> a descriptor table of its own ->
//   fresh namespaces (a copy of the template's mounts) -> prepare config ->
//   /proc, /etc, hostname -> "prepared" -> run config + stdio -> /tmp,
//   /dev/shm, /box and the run's binds -> cgroup namespace -> "ready" to the
//   host -> wait for "go" -> the program child (sharing init's memory and
//   descriptors until its exec: process group, rlimits, credentials,
//   seccomp, exec) -> supervise: reap, forward signals, watch for the
//   host's end, report a refused system call or the program's exit, then
//   kill everything left
//   (double-forked daemons included) and exit, which tears down the PID
//   namespace.
//
// PID 1 of a PID namespace gets no signal it has no handler for, and when it
// exits the kernel kills every other process of the namespace.
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <malloc.h>
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

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "sandbox/box_setup.hpp"
#include "sandbox/fd_passing.hpp"
#include "sandbox/init_protocol.hpp"

namespace {

using sandbox::box::StepError;
using sandbox::proto::Report;
using sandbox::proto::ReportKind;

// Set by the factory once its own bounding set is empty: the inits it
// clones inherit that, and need not drop the forty-odd capabilities again.
bool g_bounding_set_empty = false;

// Shared with the program child until its exec (CLONE_VM | CLONE_VFORK).
bool g_oom_shielded = false;
std::int64_t g_child_cpu_ns = 0;
// The seccomp listener the child made, in the descriptor table it shares
// with init until its exec (CLONE_FILES); -1 if it failed before.
int g_listener = -1;

std::int64_t clock_ns(clockid_t clock) {
    timespec ts{};
    ::clock_gettime(clock, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void report(ReportKind kind, int a, const char* text = "", std::int64_t b = 0) {
    Report r{};
    r.kind = kind;
    r.a = a;
    r.b = b;
    std::snprintf(r.text, sizeof r.text, "%s", text);
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

// What the program child execs: execvp's search with the PATH of the
// program's own environment, not init's. Made by init before the clone:
// the child shares init's memory (the factory's, for many boxes) and
// whatever it allocated would be lost at its exec.
struct ExecPlan {
    bool direct = false;                  // argv[0] has a '/': no search
    std::vector<std::string> candidates;  // argv[0], or it in each PATH entry
    std::vector<char*> argv, envp;
};

void plan_exec(const sandbox::proto::InitConfig& cfg, ExecPlan& plan) {
    for (const auto& a : cfg.argv) plan.argv.push_back(const_cast<char*>(a.c_str()));
    plan.argv.push_back(nullptr);
    std::string path = "/usr/local/bin:/usr/bin:/bin";
    for (const auto& e : cfg.env) {
        plan.envp.push_back(const_cast<char*>(e.c_str()));
        if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
    }
    plan.envp.push_back(nullptr);
    const std::string& prog = cfg.argv[0];
    if (prog.find('/') != std::string::npos) {
        plan.direct = true;
        plan.candidates.push_back(prog);
        return;
    }
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        const std::string dir = path.substr(start, end - start);
        plan.candidates.push_back((dir.empty() ? "." : dir) + "/" + prog);
        start = end + 1;
    }
}

// Returns the errno that matters (ENOENT unless some candidate failed
// otherwise) and in `tried` the candidate it is about.
int exec_program(const ExecPlan& plan, const char*& tried) {
    tried = plan.argv[0];
    int err = ENOENT;
    for (const auto& c : plan.candidates) {
        ::execve(c.c_str(), plan.argv.data(), plan.envp.data());
        if (plan.direct || (errno != ENOENT && errno != ENOTDIR)) {
            err = errno;
            tried = c.c_str();
        }
    }
    return err;
}

struct ChildArgs {
    const sandbox::proto::InitConfig* cfg;
    const ExecPlan* plan;
};

// The program child. Never returns.
[[noreturn]] void program_child(const sandbox::proto::InitConfig& cfg, const ExecPlan& plan) {
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
        const char* tried = "";
        g_child_cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID);
        const int err = exec_program(plan, tried);
        report(ReportKind::exec_failed, err, tried);
    } catch (const StepError& e) {
        report(ReportKind::setup_failed, e.err, e.step.c_str());
    }
    ::_exit(127);
}

int program_child_main(void* p) {
    const auto* a = static_cast<const ChildArgs*>(p);
    program_child(*a->cfg, *a->plan);
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
        // The control socket's other end lives only in the host process,
        // which sends nothing after "go": a hang-up there means the host has
        // ended (however it ended), and no one enforces the box's limits any
        // more. Our factory cannot tell: it waits in clone until we exit.
        pollfd pfd[3] = {{sfd, POLLIN, 0}, {sandbox::proto::kControlFd, POLLIN, 0}, {listener, POLLIN, 0}};
        int n = ::poll(pfd, listener >= 0 ? 3 : 2, -1);
        if (n < 0) continue;
        if (pfd[1].revents != 0) finish();
        if (listener >= 0 && (pfd[2].revents & POLLIN)) {
            seccomp_notif req{};
            if (::ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0) {
                report(ReportKind::violation, static_cast<int>(req.data.nr), "", clock_ns(CLOCK_MONOTONIC));
                finish();
            }
        } else if (listener >= 0 && (pfd[2].revents & (POLLHUP | POLLERR))) {
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
                    // Read before the box is emptied, which may take a
                    // while (processes to kill, memory to free).
                    const std::int64_t ended = clock_ns(CLOCK_MONOTONIC);
                    // The box is emptied before the report: the host may
                    // take it as saying that no process of the box is left
                    // to write a byte or spend a cycle, and go on while our
                    // own exit (memory, namespaces) completes.
                    empty_namespace();
                    report(ReportKind::exited, status, "", ended);
                    ::_exit(0);
                }
            }
        }
    }
}


// The box up to the program's start: both configs, the file system, the
// program child. Returns the child's pid; what it allocated is freed by
// then (the memory is the factory's, reused by box after box).
pid_t start_program() {
    // Phase 1, possibly long before the run: the generic box.
    sandbox::proto::InitConfig prep;
    std::vector<int> fds;
    if (!read_config(prep, fds)) ::_exit(0);
    if (!fds.empty()) sandbox::box::fail("prepare config: unexpected descriptors", EPROTO);
    const int etc = sandbox::box::prepare_root(prep);
    // Shield init from the OOM killer where we may (CAP_SYS_RESOURCE):
    // the box's verdict must not hinge on which process the kernel picks.
    g_oom_shielded = false;
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
    ExecPlan plan;
    plan_exec(cfg, plan);

    report(ReportKind::ready, 0);
    char go = 0;
    ssize_t n;
    do n = ::read(sandbox::proto::kControlFd, &go, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1) ::_exit(0);  // the host gave up on this box
    // The control socket stays open (close-on-exec: not the program's):
    // supervise() watches it for the host's end.

    // The program child shares init's memory and descriptor table, and
    // init waits until its exec, as with vfork: nothing is copied, no one
    // else runs meanwhile, and the exec gives the program a table of its
    // own without init's close-on-exec descriptors.
    const std::int64_t cpu_at_go = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    static char stack[256 * 1024];
    g_listener = -1;
    ChildArgs args{&cfg, &plan};
    const pid_t child =
        ::clone(program_child_main, stack + sizeof stack, CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, &args);
    if (child < 0) sandbox::box::fail("clone(CLONE_VM|CLONE_VFORK|CLONE_FILES)", errno);
    report(ReportKind::started, 0, "", clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu_at_go + g_child_cpu_ns);
    return child;
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
    pid_t child = -1;
    try {
        child = start_program();
    } catch (const StepError& e) {
        report(ReportKind::setup_failed, e.err, e.step.c_str());
        finish();
    }
    supervise(child, g_listener);
}

// ---- The box factory ------------------------------------------------------

void factory_reply(int sock, int err, const char* step, int pidfd) {
    sandbox::proto::FactoryReply r{};
    r.err = err;
    std::snprintf(r.step, sizeof r.step, "%s", step);
    // A failed send means the host is gone; the next recv sees EOF.
    [[maybe_unused]] ssize_t n = sandbox::fdpass::send(sock, &r, sizeof r, &pidfd, pidfd >= 0 ? 1 : 0);
}

// In the cloned child: become the box's init. fds: the box's control
// socket and report pipe. Never returns.
[[noreturn]] void become_init(const int* fds, const sandbox::proto::FactoryRequest& rq) {
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
        report(ReportKind::setup_failed, e.err, e.step.c_str());
        ::_exit(127);
    }
    box_main();
}

// The factory's session: its scheduling autogroup (where the kernel has
// them on), which every box of the factory shares, and its nice value.
struct Session {
    int autogroup_fd = -1;  // /proc/self/autogroup, or -1 without autogroups
    int nice = 0;           // the autogroup's
};

// One spawn, as the factory hands it to the init it clones (shared memory:
// the factory waits in clone until that init has exited).
struct Spawn {
    int sock;               // the factory's socket to the host
    const int* fds;         // the box's control socket and report pipe
    sandbox::proto::FactoryRequest rq;
    int pidfd;              // CLONE_PIDFD puts the init's pidfd here
    bool replying;          // the init is answering the host
    bool replied;           // it has
};
Spawn g_spawn;

// The inits' stack, one init at a time. Its lowest page is a guard: an
// overflow faults rather than run into the factory's other data. Returns
// its top, or nullptr when the guard cannot be set.
char* init_stack() {
    constexpr std::size_t kPage = 4096;
    alignas(kPage) static char area[kPage + 1024 * 1024];
    static const bool guarded = ::mprotect(area, kPage, PROT_NONE) == 0;
    return guarded ? area + sizeof area : nullptr;
}

int init_entry(void*) {
    // Still in the factory's descriptor table: answer the host with our
    // pidfd, then take a table of our own (the factory's keeps the box's
    // two descriptors until we exit; it closes them then).
    g_spawn.replying = true;
    factory_reply(g_spawn.sock, 0, "", g_spawn.pidfd);
    g_spawn.replied = true;
    ::close(g_spawn.pidfd);
    if (::unshare(CLONE_FILES) != 0) ::_exit(127);  // the host sees init's exit without a report
    become_init(g_spawn.fds, g_spawn.rq);
}

void spawn_box(int sock, int own_pidns, Session& session, const sandbox::proto::FactoryRequest& rq,
               const std::vector<int>& fds) {
    if (fds.size() != 2) return factory_reply(sock, EPROTO, "spawn request without its two descriptors", -1);
    if (rq.nice < 0 || rq.nice > 19) return factory_reply(sock, EINVAL, "nice out of 0..19", -1);
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
            return factory_reply(sock, errno, "write(/proc/self/autogroup)", -1);
        session.nice = rq.nice;
    }
    // unshare(CLONE_NEWPID) works once per PID namespace for children:
    // return to our own first, then ask for a new one for the next child.
    if (::setns(own_pidns, CLONE_NEWPID) != 0) return factory_reply(sock, errno, "setns(own PID namespace)", -1);
    if (::unshare(CLONE_NEWPID) != 0) return factory_reply(sock, errno, "unshare(CLONE_NEWPID)", -1);
    // The init shares our memory (CLONE_VM) and we wait in clone until it
    // has exited (CLONE_VFORK): no copy of the factory per box, no page
    // faults on it, no address space to tear down at the box's end. It
    // answers the host itself, with the pidfd that CLONE_PIDFD puts in the
    // descriptor table it shares with us at first (CLONE_FILES).
    char* const stack = init_stack();
    if (!stack) return factory_reply(sock, ENOMEM, "mprotect(init stack guard)", -1);
    g_spawn = Spawn{sock, fds.data(), rq, -1, false, false};
    const pid_t pid = ::clone(init_entry, stack, CLONE_VM | CLONE_VFORK | CLONE_FILES | CLONE_PIDFD | SIGCHLD, nullptr,
                              &g_spawn.pidfd);
    if (pid < 0) return factory_reply(sock, errno, "clone(CLONE_VM|CLONE_VFORK|CLONE_PIDFD)", -1);
    // Here again once that init has exited. It waits, a zombie, for the
    // host's reap request, unless it died (killed) before it had answered.
    if (!g_spawn.replied) {
        if (g_spawn.pidfd >= 0) ::close(g_spawn.pidfd);
        int st;
        while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        // Killed while answering, the answer may or may not be on its way:
        // a second one could be taken for the next request's. The host
        // sees EOF instead and starts another factory.
        if (g_spawn.replying) ::_exit(1);
        factory_reply(sock, ECHILD, "box init died before it started", -1);
    }
}

constexpr std::size_t kHeapBound = 64u << 20;

// An init the host has seen exit: reap it (never one that is not ours, and
// never block on one still running: kill it first).
void reap_box(pid_t pid) {
    if (pid <= 0) return;
    int st;
    pid_t r;
    do r = ::waitpid(pid, &st, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == 0) {
        ::kill(pid, SIGKILL);
        while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
    }
    // What inits leave in our heap (on paths that end a box before its
    // program starts, or a failed exec) adds up over many boxes: past a
    // bound, this factory ends, and the host starts a fresh one.
    if (::mallinfo2().uordblks > kHeapBound) ::_exit(0);
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
        std::vector<int> fds;
        const ssize_t n = sandbox::fdpass::recv(sock, &rq, sizeof rq, fds);
        if (n == 0) ::_exit(0);  // the host is gone; PDEATHSIG ends the boxes
        if (n < 0 && errno != EMSGSIZE) ::_exit(1);
        if (n == static_cast<ssize_t>(sizeof rq) && rq.magic == sandbox::proto::kMagic) {
            if (rq.op == sandbox::proto::FactoryOp::spawn && setup_errno != 0)
                factory_reply(sock, setup_errno, setup_error.c_str(), -1);
            else if (rq.op == sandbox::proto::FactoryOp::spawn) spawn_box(sock, own_pidns, session, rq, fds);
            else if (rq.op == sandbox::proto::FactoryOp::reap) reap_box(rq.pid);
            else factory_reply(sock, EPROTO, "unknown factory request", -1);
        } else {
            factory_reply(sock, EPROTO, "malformed factory request", -1);
        }
        for (int fd : fds) ::close(fd);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "--factory") == 0) factory_main(argc, argv);
    std::fprintf(stderr, "usage: judge-sandbox-init --factory ROOT [BIND...] (started by the sandbox, fd 3 its socket)\n");
    return 2;
}
