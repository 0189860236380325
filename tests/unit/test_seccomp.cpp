#include "sandbox/seccomp.hpp"

#include <sys/syscall.h>

#include <catch2/catch.hpp>
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
          "name_to_handle_at", "socket"}) {
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

TEST_CASE("clone is refused only with namespace flags; socket only for four families", "[seccomp]") {
    int clone_rules = 0, socket_rules = 0;
    for (const auto& r : policy()) {
        if (r.syscall == "clone") {
            ++clone_rules;
            CHECK(r.when == Rule::When::arg_has_bits);
        }
        if (r.syscall == "socket") {
            ++socket_rules;
            CHECK(r.when == Rule::When::arg_eq);
        }
    }
    CHECK(clone_rules == 7);
    CHECK(socket_rules == 4);
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
