// Resource limits and credentials of the program, applied in the program
// child (cloned by init, sharing its memory until exec) just before seccomp
// and exec. The bounding set is dropped earlier, by the factory and by init.
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include "sandbox/box_setup.hpp"

namespace sandbox::box {

namespace {

void set_limit(int resource, const char* name, rlim_t soft, rlim_t hard) {
    struct rlimit rl {
        soft, hard
    };
    if (::setrlimit(resource, &rl) != 0) fail(std::string("setrlimit(") + name + ")", errno);
}

int last_cap() {
    // In an init /proc is the box's own, which still shows the kernel's
    // value; the factory, whose root is the template without a /proc, falls
    // back to the headers' CAP_LAST_CAP.
    int last = CAP_LAST_CAP;
    if (FILE* f = std::fopen("/proc/sys/kernel/cap_last_cap", "re")) {
        if (std::fscanf(f, "%d", &last) != 1) last = CAP_LAST_CAP;
        std::fclose(f);
    }
    return last;
}

}  // namespace

void apply_rlimits(const proto::InitConfig& cfg) {
    // RLIMIT_CPU is a per-process backstop only: the host enforces the
    // box-wide CPU budget from the cgroup's counter.
    set_limit(RLIMIT_CPU, "RLIMIT_CPU", cfg.rlimit_cpu_s, cfg.rlimit_cpu_s + 1);
    set_limit(RLIMIT_FSIZE, "RLIMIT_FSIZE", cfg.rlimit_fsize, cfg.rlimit_fsize);
    set_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", cfg.rlimit_nofile, cfg.rlimit_nofile);
    set_limit(RLIMIT_STACK, "RLIMIT_STACK", cfg.rlimit_stack, cfg.rlimit_stack);
    // Per-uid and every box has a uid of its own, so this counts the box's
    // tasks; the pids cgroup is the primary limit.
    set_limit(RLIMIT_NPROC, "RLIMIT_NPROC", cfg.rlimit_nproc, cfg.rlimit_nproc);
    set_limit(RLIMIT_CORE, "RLIMIT_CORE", 0, 0);
    set_limit(RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE", 0, 0);
    set_limit(RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK", 0, 0);
}

void drop_bounding_set() {
    // Needs CAP_SETPCAP, which init keeps in its effective set: dropping a
    // capability from the bounding set only stops it being gained at exec.
    const int last = last_cap();
    for (int cap = 0; cap <= last; ++cap)
        if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
            fail("prctl(PR_CAPBSET_DROP, " + std::to_string(cap) + ")", errno);
}

void drop_privileges(const proto::InitConfig& cfg) {
    if (::setgroups(0, nullptr) != 0) fail("setgroups(0)", errno);
    if (::setresgid(cfg.gid, cfg.gid, cfg.gid) != 0) fail("setresgid(" + std::to_string(cfg.gid) + ")", errno);
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
        fail("prctl(PR_CAP_AMBIENT_CLEAR_ALL)", errno);
    // A change of all uids away from 0 clears the permitted and effective sets.
    if (::setresuid(cfg.uid, cfg.uid, cfg.uid) != 0) fail("setresuid(" + std::to_string(cfg.uid) + ")", errno);
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail("prctl(PR_SET_NO_NEW_PRIVS)", errno);
}

}  // namespace sandbox::box
