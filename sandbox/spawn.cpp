#include "sandbox/spawn.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "sandbox/init_protocol.hpp"
#include "sandbox/sys_io.hpp"

namespace sandbox::spawn {

namespace {

constexpr std::size_t kStackSize = 64 * 1024;

// Async-signal-safe failure record: no allocation, no formatting library.
[[noreturn]] void child_fail(int report_fd, const char* step, int err) {
    proto::Report r{};
    r.kind = proto::ReportKind::setup_failed;
    r.a = err;
    for (std::size_t i = 0; step[i] && i + 1 < sizeof r.text; ++i) r.text[i] = step[i];
    [[maybe_unused]] ssize_t n = ::write(report_fd, &r, sizeof r);
    ::_exit(127);
}

int child_main(void* p) {
    const Args& a = *static_cast<const Args*>(p);
    int report = a.report_fd;
    // If the host dies, so does the box.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) child_fail(report, "prctl(PR_SET_PDEATHSIG)", errno);
    if (a.nice != 0 && ::setpriority(PRIO_PROCESS, 0, a.nice) != 0) child_fail(report, "setpriority()", errno);

    // Lay out fds 0..4 (null, null, null, control, report) without
    // clobbering a source that already sits on a target number.
    const int src[5] = {a.null_fd, a.null_fd, a.null_fd, a.control_fd, a.report_fd};
    int tmp[5];
    for (int i = 0; i < 5; ++i) {
        tmp[i] = ::fcntl(src[i], F_DUPFD, 16);
        if (tmp[i] < 0) child_fail(report, "fcntl(F_DUPFD)", errno);
    }
    for (int i = 0; i < 5; ++i)
        if (::dup2(tmp[i], i) != i) child_fail(report, "dup2()", errno);
    report = proto::kReportFd;
    // Not one host descriptor beyond these crosses into the box. The init
    // binary's O_PATH descriptor must stay open until execveat, so mark
    // close-on-exec instead of closing.
    if (::syscall(SYS_close_range, 5, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
        for (int fd = 5; fd < 65536; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    char arg0[] = "judge-sandbox-init";
    char* argv[] = {arg0, nullptr};
    char* envp[] = {nullptr};
    ::syscall(SYS_execveat, a.init_fd, "", argv, envp, AT_EMPTY_PATH);
    child_fail(report, "execveat(judge-sandbox-init)", errno);
}

}  // namespace

pid_t start_init(const Args& args) {
    // One stack per thread, reused: the child lives on it only until exec,
    // and the calling thread is suspended meanwhile.
    thread_local std::unique_ptr<char[]> stack(new char[kStackSize]);
    sigset_t all, old;
    sigfillset(&all);
    // No signal handler may run in the child: it shares our memory.
    ::pthread_sigmask(SIG_SETMASK, &all, &old);
    int flags = CLONE_VM | CLONE_VFORK | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD;
    if (args.new_netns) flags |= CLONE_NEWNET;
    pid_t pid = ::clone(child_main, stack.get() + kStackSize, flags, const_cast<Args*>(&args));
    int err = errno;
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (pid < 0) io::throw_errno("clone(CLONE_NEWPID|CLONE_NEWNS|CLONE_NEWIPC|CLONE_NEWUTS|CLONE_NEWNET)", err);
    return pid;
}

}  // namespace sandbox::spawn
