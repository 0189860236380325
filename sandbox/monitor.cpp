#include "sandbox/monitor.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>

#include "sandbox/init_protocol.hpp"

namespace sandbox::monitor {

namespace {

std::uint64_t now_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

// One whole report, or false on EOF (init and everything else gone).
bool read_report(int fd, proto::Report& r) {
    for (;;) {
        ssize_t n = ::read(fd, &r, sizeof r);
        if (n == static_cast<ssize_t>(sizeof r)) return true;
        if (n < 0 && errno == EINTR) continue;
        return false;  // a partial report cannot happen: writes are atomic
    }
}

// Waits for `fd` to become readable until `deadline_ns`; false on timeout.
int wait_readable(pollfd* fds, nfds_t n, std::uint64_t deadline_ns) {
    std::uint64_t now = now_ns();
    std::uint64_t left = deadline_ns > now ? deadline_ns - now : 0;
    timespec ts{static_cast<time_t>(left / 1'000'000'000ull), static_cast<long>(left % 1'000'000'000ull)};
    int rc;
    do rc = ::ppoll(fds, n, &ts, nullptr);
    while (rc < 0 && errno == EINTR);
    return rc;
}

Outcome from_report(const proto::Report& r) {
    Outcome o;
    o.value = r.a;
    o.text.assign(r.text, strnlen(r.text, sizeof r.text));
    switch (r.kind) {
        case proto::ReportKind::exited:
            o.ending = Ending::exited;
            o.wait_status = r.a;
            o.end_ns = r.b > 0 ? static_cast<std::uint64_t>(r.b) : 0;
            break;
        case proto::ReportKind::violation:
            o.ending = Ending::violation;
            o.end_ns = r.b > 0 ? static_cast<std::uint64_t>(r.b) : 0;
            break;
        case proto::ReportKind::exec_failed: o.ending = Ending::exec_failed; break;
        case proto::ReportKind::setup_failed: o.ending = Ending::setup_failed; break;
        default:
            o.ending = Ending::setup_failed;
            o.value = EPROTO;
            o.text = "unexpected report from init";
    }
    return o;
}

}  // namespace

namespace {

Outcome watch_box(const Watch& w);

}  // namespace

Outcome watch(const Watch& w) {
    try {
        return watch_box(w);
    } catch (const std::exception& e) {
        // A cgroup file that cannot be read mid-run: still end and reap the
        // box, and say why (an internal error, not the program's fault).
        w.init->kill();
        w.init->reap();
        return Outcome{Ending::init_lost, 0, 0, std::string("monitoring the box failed: ") + e.what()};
    }
}

namespace {

Outcome watch_box(const Watch& w) {
    bool went = false;  // "go" sent
    auto end_box = [&](Outcome o) {
        o.program_started = went;
        w.init->kill();  // PID 1 gone: the kernel kills its namespace
        // After "exited", init has killed and reaped everything else: its
        // own exit (its memory, the namespaces' teardown: a millisecond or
        // more) need not hold up the run's result.
        if (o.ending == Ending::exited) return o;
        try {
            w.cg->kill_if_cheap();
        } catch (...) {  // v2 cgroup.kill is belt and braces; reaping is what counts
        }
        w.init->reap();
        return o;
    };

    // Set-up: wait for "ready" (a generous bound: set-up takes milliseconds).
    proto::Report r{};
    pollfd ready{w.report_fd, POLLIN, 0};
    if (wait_readable(&ready, 1, now_ns() + 30'000'000'000ull) <= 0 || !read_report(w.report_fd, r))
        return end_box(Outcome{Ending::init_lost, 0, ETIMEDOUT, "box init did not report ready"});
    if (r.kind != proto::ReportKind::ready) return end_box(from_report(r));

    // The clock starts here; set-up CPU (init's clone, mounts) is excluded.
    const std::uint64_t cpu_base = w.cg->cpu_usage_ns();
    const std::uint64_t t0 = now_ns();
    if (::write(w.go_fd, "g", 1) != 1)
        return end_box(Outcome{Ending::init_lost, 0, errno, "write(go) to box init"});
    went = true;
    const std::uint64_t wall_deadline = t0 + w.wall_limit_ns;
    const unsigned cpus = std::max(1u, w.cpus);

    // CPU that init and the program child spend between "go" and the exec
    // is the box's, not the program's: init reports it once the exec is done.
    std::uint64_t overhead = 0;
    auto program_cpu = [&] {
        const std::uint64_t used = w.cg->cpu_usage_ns() - cpu_base;
        return used > overhead ? used - overhead : 0;
    };
    auto stop = [&](Outcome o, std::uint64_t t_end) {
        o.cpu_ns = program_cpu();  // before the teardown adds its own
        o.wall_ns = t_end - t0;
        if (o.end_ns == 0) o.end_ns = t_end;
        return end_box(std::move(o));
    };

    pollfd fds[2] = {{w.report_fd, POLLIN, 0}, {w.cg->oom_event_fd(), w.cg->oom_event_mask(), 0}};
    for (;;) {
        const std::uint64_t used = program_cpu();
        const std::uint64_t now = now_ns();
        w.cg->sample();
        if (used > w.cpu_limit_ns) return stop(Outcome{Ending::cpu_limit, 0, 0, {}}, now);
        if (now >= wall_deadline) return stop(Outcome{Ending::wall_limit, 0, 0, {}}, now);
        // Before this moment the budget cannot be spent even with every
        // usable CPU busy; the floor bounds wake-ups near the limit.
        std::uint64_t cpu_wake = now + std::max<std::uint64_t>((w.cpu_limit_ns - used) / cpus + 1, 500'000);
        int rc = wait_readable(fds, 2, std::min(cpu_wake, wall_deadline));
        if (rc <= 0) continue;
        if (fds[1].revents) {
            w.cg->consume_oom_event();
            if (w.cg->oom_kills() > 0) return stop(Outcome{Ending::oom, 0, 0, {}}, now_ns());
        }
        if (fds[0].revents) {
            const std::uint64_t t_end = now_ns();
            if (!read_report(w.report_fd, r))
                return stop(Outcome{Ending::init_lost, 0, 0, "box init exited without a report"}, t_end);
            if (r.kind == proto::ReportKind::started) {
                overhead = r.b > 0 ? static_cast<std::uint64_t>(r.b) : 0;
                continue;
            }
            return stop(from_report(r), t_end);
        }
    }
}

}  // namespace

}  // namespace sandbox::monitor
