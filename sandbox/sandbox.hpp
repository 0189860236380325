// The sandbox's public face: one call runs one program in a fresh box.
//
//   sandbox::RunSpec spec;
//   spec.argv = {"./prog"};
//   spec.workdir = "/var/lib/judge/work/42";
//   sandbox::RunResult r = sandbox::run(spec);
//
// Every run gets fresh PID, mount, network, IPC, UTS and cgroup namespaces, a
// tmpfs root with read-only binds of the toolchain folders, its own cgroup
// (memory, pids, CPU accounting), an unprivileged uid/gid of its own, no
// capabilities, no_new_privs and a seccomp filter. When run() returns, every
// process of the box is dead and its cgroup and mounts are gone.
//
// Thread-safety: run() may be called from many threads at once; each call
// owns its box. validate() and to_string() are pure.
// Errors: run() never throws for the program's behaviour; a failure of the
// sandbox itself is reported as Status::internal_error with the step and
// errno in `message`. Invalid specs throw std::invalid_argument (validate()).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sandbox {

enum class Status {
    ok,                 // exited with status 0
    runtime_error,      // exited with a non-zero status
    signaled,           // killed by a signal it did not get from us
    time_limit,         // CPU time limit exceeded
    wall_time_limit,    // wall-clock limit exceeded
    memory_limit,       // the box's memory cgroup killed it (OOM)
    output_limit,       // a file or stdout/stderr grew past its limit
    syscall_violation,  // made a call the seccomp policy forbids
    internal_error,     // the sandbox failed; never the program's fault
};

const char* to_string(Status s);

// An extra folder made visible in the box.
struct Bind {
    std::string host_path;
    std::string box_path;   // empty: same as host_path
    bool writable = false;  // default read-only; always nosuid, nodev
};

struct RunSpec {
    // Program and arguments; argv[0] is resolved against PATH from `env`
    // when it has no slash (like execvp), inside the box.
    std::vector<std::string> argv;
    // The environment, exactly: nothing of the host's leaks in.
    std::vector<std::string> env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/box",
                                    "LANG=C.UTF-8"};

    // Host folder bound read-write at /box, the program's working folder.
    // Empty: the sandbox creates a fresh folder and removes it afterwards.
    std::string workdir;

    // Redirections: host paths opened by the sandbox on the host side
    // (never following a final symlink; outputs created or truncated).
    // Empty stdin: /dev/null. Empty stdout/stderr: discarded.
    std::string stdin_path;
    std::string stdout_path;
    std::string stderr_path;
    // Alternatively, already-open host descriptors (>= 0 wins over a path).
    int stdin_fd = -1;
    int stdout_fd = -1;
    int stderr_fd = -1;

    // Limits. 0 means "no limit" only where said.
    std::uint64_t cpu_time_ms = 1000;        // summed over every process and thread
    std::uint64_t wall_time_ms = 0;          // 0: 2 * cpu_time_ms + 1000
    std::uint64_t memory_bytes = 256ull << 20;  // whole box, tmpfs included, no swap
    std::uint32_t pids_max = 64;             // processes + threads of the program
    std::uint64_t output_bytes = 64ull << 20;   // each file the box writes, stdout/err too
    std::uint32_t open_files = 256;
    std::uint64_t stack_bytes = 0;           // 0: as large as memory_bytes
    std::uint64_t tmp_bytes = 0;             // size of /tmp and /dev/shm; 0: memory_bytes

    // Extra folders/files beyond /usr, /bin, /sbin, /lib, /lib64, /lib32,
    // /libx32 (those the host has) and /etc/ld.so.cache.
    std::vector<Bind> binds;
    // Outbound network: the box's own network namespace gets a user-mode
    // stack whose connections to the host itself, loopback, link-local and
    // private ranges are rejected (network.hpp). Off: the namespace is empty.
    bool network = false;
};

struct RunResult {
    Status status = Status::internal_error;
    int exit_code = 0;        // valid when the program exited
    int signal = 0;           // valid when it was killed by a signal
    std::uint64_t cpu_time_us = 0;
    std::uint64_t wall_time_us = 0;
    std::uint64_t memory_bytes = 0;  // peak of the whole box
    // syscall_violation: the refused call's number (-1 when the kernel did
    // not say which: a call through a foreign ABI) and its name ("ptrace";
    // "syscall N" for a number without one; "" when the number is -1).
    int refused_syscall = -1;
    std::string refused_syscall_name;
    // When the program ended, on CLOCK_MONOTONIC (ns; the boxes share the
    // host's clock: no time namespace): read by the box's init as it reaps
    // the program or takes the refused call's notification, so it does not
    // depend on when the host thread got to look; for a run the host ended
    // at a limit, the host's reading as it decided to kill. 0 when the
    // program never ran (internal_error before its start).
    std::uint64_t end_time_ns = 0;
    std::string message;      // for people only: the syscall name, the failing step; not to be parsed
};

// Throws std::invalid_argument naming the bad field.
void validate(const RunSpec& spec);

// Runs one program in a fresh box. See the file comment.
RunResult run(const RunSpec& spec);

// One line saying what a box is on this host (namespaces, the seccomp
// filter's size, each controller's cgroup version), for GET /isolate.
std::string describe_host();

// The RunResult as the CLI's JSON object (keys status, exit_code, signal,
// cpu_time_ms, wall_time_ms, memory_kb, message).
std::string to_json(const RunResult& r);

}  // namespace sandbox
