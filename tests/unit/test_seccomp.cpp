#include "sandbox/network.hpp"
#include "sandbox/seccomp.hpp"

#include <sys/socket.h>
#include <sys/syscall.h>

#include <cerrno>

#include <catch2/catch.hpp>
#include <map>
#include <set>

using namespace sandbox::seccomp;

TEST_CASE("the deny-list covers every call the sandbox promises to refuse", "[seccomp]") {
    std::set<std::string> names;
    for (const auto& r : policy()) {
        names.insert(r.syscall);
        INFO(r.syscall);
        CHECK_FALSE(r.why.empty());  // each rule says why
    }
    for (const char* n :
         {"mount", "umount2", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
          "pivot_root", "chroot", "unshare", "setns", "clone", "clone3", "ptrace", "process_vm_readv",
          "process_vm_writev", "kcmp", "pidfd_getfd", "keyctl", "add_key", "request_key", "bpf", "perf_event_open",
          "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register", "kexec_load", "kexec_file_load",
          "init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff", "acct", "quotactl",
          "syslog", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "open_by_handle_at",
          "name_to_handle_at", "socket", "socketpair"}) {
        INFO(n);
        CHECK(names.count(n) == 1);
    }
}

TEST_CASE("clone3 answers ENOSYS instead of a violation", "[seccomp]") {
    bool found = false;
    for (const auto& r : policy())
        if (r.syscall == "clone3") {
            found = true;
            CHECK(r.errno_value == ENOSYS);
        }
    CHECK(found);
}

TEST_CASE("clone is refused only with namespace flags; socket families are an allow-list", "[seccomp]") {
    int clone_rules = 0;
    std::set<unsigned long long> refused_eq[2];
    unsigned long long refused_above[2] = {~0ull, ~0ull};
    for (const auto& r : policy()) {
        if (r.syscall == "clone") {
            ++clone_rules;
            CHECK(r.when == Rule::When::arg_has_bits);
            CHECK(r.errno_value == 0);
        }
        const int i = r.syscall == "socket" ? 0 : r.syscall == "socketpair" ? 1 : -1;
        if (i < 0) continue;
        CHECK(r.arg == 0);
        CHECK(r.errno_value == EAFNOSUPPORT);
        if (r.when == Rule::When::arg_eq) refused_eq[i].insert(r.value);
        else if (r.when == Rule::When::arg_gt) refused_above[i] = r.value;
        else FAIL("socket rule of another kind");
    }
    CHECK(clone_rules == 7);
    // Every family value but AF_UNIX, AF_INET and AF_INET6 is refused.
    for (int i = 0; i < 2; ++i) {
        INFO((i ? "socketpair" : "socket"));
        CHECK(refused_above[i] == AF_INET6);
        for (unsigned long long af = 0; af <= AF_INET6 + 1; ++af) {
            INFO("family " << af);
            const bool allowed = af == AF_UNIX || af == AF_INET || af == AF_INET6;
            const bool refused = refused_eq[i].count(af) == 1 || af > refused_above[i];
            CHECK(allowed != refused);
        }
    }
}

TEST_CASE("calls runtimes probe for answer an errno; attacks kill", "[seccomp]") {
    std::map<std::string, int> answer;
    for (const auto& r : policy())
        if (r.when == Rule::When::always) answer[r.syscall] = r.errno_value;
    for (const char* n : {"io_uring_setup", "io_uring_enter", "io_uring_register"}) {
        INFO(n);
        CHECK(answer.at(n) == ENOSYS);
    }
    for (const char* n : {"userfaultfd", "perf_event_open", "bpf"}) {
        INFO(n);
        CHECK(answer.at(n) == EPERM);
    }
    for (const char* n : {"mount", "ptrace", "unshare", "setns", "keyctl", "add_key", "request_key", "pivot_root",
                          "open_by_handle_at", "process_vm_writev", "init_module", "kexec_load"}) {
        INFO(n);
        CHECK(answer.at(n) == 0);
    }
}

TEST_CASE("the filter compiles to classic BPF for the native architecture", "[seccomp]") {
    const auto& bpf = native_filter();
    REQUIRE(bpf.size() % 8 == 0);  // struct sock_filter is 8 bytes
    CHECK(bpf.size() / 8 > 50);
    CHECK(bpf.size() / 8 < 4096);  // BPF_MAXINSNS
    CHECK(&native_filter() == &bpf);  // built once
}

TEST_CASE("syscall numbers map back to names", "[seccomp]") {
    CHECK(syscall_name(SYS_ptrace) == "ptrace");
    CHECK(syscall_name(SYS_mount) == "mount");
    CHECK(syscall_name(99999) == "syscall 99999");
}

TEST_CASE("the network filter rejects the host, loopback, link-local and private ranges for box gids", "[seccomp][network]") {
    const std::string rules = sandbox::network::filter_ruleset();
    CHECK(rules.find("table inet judge_sandbox {") != std::string::npos);
    CHECK(rules.find("meta skgid 200000-204095 jump box_stack") != std::string::npos);
    CHECK(rules.find("fib daddr type { local,") != std::string::npos);
    for (const char* range : {"127.0.0.0/8", "169.254.0.0/16", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                              "100.64.0.0/10", "fe80::/10", "fc00::/7", "::/127"}) {
        INFO(range);
        CHECK(rules.find(range) != std::string::npos);
    }
    // The test network (198.18.0.0/15) and the public internet are not in it.
    CHECK(rules.find("198.18") == std::string::npos);
}
