// Attacks: the kernel's attack surface. Usage: syscall NAME. Makes one call
// the seccomp policy must refuse, or one it must allow:
//   a plain syscall name (mount, ptrace, bpf, ...): syscall(SYS_name, 0, ...)
//   clone_newuser | clone_newnet | clone_newns: clone() with that namespace flag
//   unshare_newuser: unshare(CLONE_NEWUSER)
//   probe_NAME (probe_bpf, probe_io_uring_setup, ...): a call runtimes probe
//           for; it must fail with ENOSYS, EPERM or EACCES and the program
//           exits 0 (10 when it succeeded, 11 on another errno)
//   socket_netlink | socket_packet | socket_alg | socket_vsock | socket_packet_highbits
//   | socketpair_netlink | socketpair_packet: socket()/socketpair() of a family
//           outside AF_UNIX/AF_INET/AF_INET6 must fail with EAFNOSUPPORT (exit 0;
//           the host's own answer for these is a socket or another errno)
//   x32_getpid: getpid through the x32 ABI (number | 0x40000000)
//   int80_getpid: getpid through the 32-bit entry (int $0x80, i386 number
//           20), where the x86_64 numbers mean other calls; a kernel without
//           32-bit emulation answers SIGSEGV (the harness probes first)
//   clone3: clone3() must fail with ENOSYS so that libc falls back to clone()
//           (then a thread and a fork must still work)
//   socket_inet, fork, pthread: allowed calls
// The box must answer: syscall_violation naming the call for the refused
// ones; ok (exit 0) for the allowed ones. When a refused call is let through
// the program reports the result on stderr and exits 10.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ENTRY(name) {#name, SYS_##name}
static const struct {
    const char* name;
    long nr;
} table[] = {
    ENTRY(mount),           ENTRY(umount2),         ENTRY(pivot_root),
    ENTRY(chroot),          ENTRY(unshare),         ENTRY(setns),
    ENTRY(open_tree),       ENTRY(move_mount),      ENTRY(fsopen),
    ENTRY(fsconfig),        ENTRY(fsmount),         ENTRY(fspick),
    ENTRY(mount_setattr),   ENTRY(ptrace),          ENTRY(process_vm_readv),
    ENTRY(process_vm_writev), ENTRY(kcmp),          ENTRY(pidfd_getfd),
    ENTRY(keyctl),          ENTRY(add_key),         ENTRY(request_key),
    ENTRY(bpf),             ENTRY(perf_event_open), ENTRY(userfaultfd),
    ENTRY(io_uring_setup),  ENTRY(io_uring_enter),  ENTRY(io_uring_register),
    ENTRY(kexec_load),      ENTRY(kexec_file_load), ENTRY(init_module),
    ENTRY(finit_module),    ENTRY(delete_module),   ENTRY(reboot),
    ENTRY(swapon),          ENTRY(swapoff),         ENTRY(acct),
    ENTRY(quotactl),        ENTRY(syslog),          ENTRY(settimeofday),
    ENTRY(clock_settime),   ENTRY(clock_adjtime),   ENTRY(adjtimex),
    ENTRY(open_by_handle_at), ENTRY(name_to_handle_at),
};

static int let_through(const char* name, long rc, int err) {
    fprintf(stderr, "%s was let through: returned %ld (%s)\n", name, rc,
            rc < 0 ? strerror(err) : "success");
    return 10;
}

static int raw_clone(const char* name, unsigned long flag) {
    long rc = syscall(SYS_clone, flag | SIGCHLD, 0, 0, 0, 0);
    int err = errno;
    if (rc == 0) _exit(0);
    if (rc > 0) waitpid((pid_t)rc, 0, 0);
    return let_through(name, rc, err);
}

static int refused_family(const char* name, long rc, int err) {
    if (rc == -1 && err == EAFNOSUPPORT) return 0;
    return let_through(name, rc, err);
}

static int try_socket(const char* name, long family, int type) {
    long rc = syscall(SYS_socket, family, type, 0);
    return refused_family(name, rc, errno);
}

static int try_socketpair(const char* name, int family, int type) {
    int sv[2];
    long rc = syscall(SYS_socketpair, family, type, 0, sv);
    return refused_family(name, rc, errno);
}

static void* thread_main(void* arg) { return arg; }

static int thread_and_fork(void) {
    pthread_t t;
    int rc = pthread_create(&t, 0, thread_main, 0);
    if (rc != 0) {
        fprintf(stderr, "pthread_create: %s\n", strerror(rc));
        return 1;
    }
    pthread_join(t, 0);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "fork: %s\n", strerror(errno));
        return 1;
    }
    if (pid == 0) _exit(7);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 7) {
        fprintf(stderr, "fork: child did not exit 7 (status %#x)\n", status);
        return 1;
    }
    return 0;
}

struct clone_args_v0 {  // struct clone_args up to CLONE_ARGS_SIZE_VER0
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    const char* name = argv[1];
    for (size_t i = 0; i < sizeof table / sizeof table[0]; ++i) {
        if (strcmp(table[i].name, name) == 0) {
            long rc = syscall(table[i].nr, 0, 0, 0, 0, 0, 0);
            return let_through(name, rc, errno);
        }
    }
    if (strncmp(name, "probe_", 6) == 0) {
        for (size_t i = 0; i < sizeof table / sizeof table[0]; ++i) {
            if (strcmp(table[i].name, name + 6) == 0) {
                long rc = syscall(table[i].nr, 0, 0, 0, 0, 0, 0);
                int err = errno;
                if (rc == -1 && (err == ENOSYS || err == EPERM || err == EACCES)) return 0;
                if (rc == -1) {
                    fprintf(stderr, "%s: unexpected errno %s\n", name, strerror(err));
                    return 11;
                }
                return let_through(name, rc, err);
            }
        }
    }
    if (strcmp(name, "unshare_newuser") == 0) {
        long rc = syscall(SYS_unshare, CLONE_NEWUSER);
        return let_through(name, rc, errno);
    }
    if (strcmp(name, "clone_newuser") == 0) return raw_clone(name, CLONE_NEWUSER);
    if (strcmp(name, "clone_newnet") == 0) return raw_clone(name, CLONE_NEWNET);
    if (strcmp(name, "clone_newns") == 0) return raw_clone(name, CLONE_NEWNS);
    if (strcmp(name, "socket_netlink") == 0) return try_socket(name, AF_NETLINK, SOCK_RAW);
    if (strcmp(name, "socket_packet") == 0) return try_socket(name, AF_PACKET, SOCK_RAW);
    if (strcmp(name, "socket_alg") == 0) return try_socket(name, AF_ALG, SOCK_SEQPACKET);
    if (strcmp(name, "socket_vsock") == 0) return try_socket(name, AF_VSOCK, SOCK_STREAM);
    // AF_PACKET with bits above the int: the kernel would see AF_PACKET.
    if (strcmp(name, "socket_packet_highbits") == 0)
        return try_socket(name, (long)(0x100000000ULL | AF_PACKET), SOCK_RAW);
    if (strcmp(name, "socketpair_netlink") == 0) return try_socketpair(name, AF_NETLINK, SOCK_RAW);
    if (strcmp(name, "socketpair_packet") == 0) return try_socketpair(name, AF_PACKET, SOCK_RAW);
    if (strcmp(name, "x32_getpid") == 0) {
        long rc = syscall(0x40000000L | SYS_getpid);
        return let_through(name, rc, errno);
    }
    if (strcmp(name, "int80_getpid") == 0) {
        long rc;
        __asm__ volatile("int $0x80" : "=a"(rc) : "a"(20L) : "memory");
        return let_through(name, rc, rc < 0 ? (int)-rc : 0);
    }
    if (strcmp(name, "clone3") == 0) {
        struct clone_args_v0 args;
        memset(&args, 0, sizeof args);
        args.exit_signal = SIGCHLD;
        long rc = syscall(SYS_clone3, &args, sizeof args);
        int err = errno;
        if (rc == 0) _exit(0);
        if (rc > 0) waitpid((pid_t)rc, 0, 0);
        if (rc != -1 || err != ENOSYS) {
            fprintf(stderr, "clone3: expected ENOSYS, got %ld (%s)\n", rc,
                    rc < 0 ? strerror(err) : "success");
            return 1;
        }
        return thread_and_fork();
    }
    if (strcmp(name, "socket_inet") == 0) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) {
            fprintf(stderr, "socket(AF_INET): %s\n", strerror(errno));
            return 1;
        }
        close(fd);
        return 0;
    }
    if (strcmp(name, "fork") == 0 || strcmp(name, "pthread") == 0) return thread_and_fork();
    fprintf(stderr, "unknown call %s\n", name);
    return 2;
}
