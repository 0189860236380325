// Attacks: the host's file system and kernel interfaces. Usage:
// host_files HOST_PID1_CMDLINE (the host's /proc/1/cmdline, NULs as spaces).
// Tries to read host secrets and folders, to see host processes through
// /proc, to reach /sys and host devices, and to write to the read-only
// root, toolchain folders, /etc and /dev.
// The box must answer: all refused. Exit 0 when nothing leaked, otherwise 1
// with one "LEAK: ..." line on stderr per leak.
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int leaks;

static void leak(const char* what, const char* detail) {
    fprintf(stderr, "LEAK: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    ++leaks;
}

static void must_not_open(const char* path, int flags) {
    int fd = open(path, flags | O_CLOEXEC, 0644);
    if (fd >= 0) {
        leak(path, flags & (O_WRONLY | O_RDWR) ? "opened for writing" : "opened");
        close(fd);
    }
}

static void must_not_exist(const char* path) {
    struct stat st;
    if (lstat(path, &st) == 0) leak(path, "exists");
}

int main(int argc, char** argv) {
    if (argc != 2) return 2;

    must_not_open("/etc/shadow", O_RDONLY);
    must_not_open("/etc/hostname", O_RDONLY);
    must_not_open("/root", O_RDONLY | O_DIRECTORY);
    must_not_open("/home", O_RDONLY | O_DIRECTORY);
    must_not_open("/var", O_RDONLY | O_DIRECTORY);
    must_not_exist("/sys");

    // /proc is the box's own: pid 1 is the box's init, and only a handful
    // of processes are visible.
    char buf[4096];
    int fd = open("/proc/1/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        leak("/proc/1/cmdline", "unreadable, cannot tell whose init it is");
    } else {
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n < 0) n = 0;
        buf[n] = 0;
        for (ssize_t i = 0; i < n; ++i)
            if (buf[i] == 0) buf[i] = ' ';
        while (n > 0 && buf[n - 1] == ' ') buf[--n] = 0;
        const char* host = argv[1];
        size_t hn = strlen(host);
        while (hn > 0 && host[hn - 1] == ' ') --hn;
        if ((size_t)n == hn && memcmp(buf, host, hn) == 0) leak("/proc/1 is the host's init", buf);
    }
    DIR* d = opendir("/proc");
    if (!d) {
        leak("/proc", "not listable");
    } else {
        int procs = 0;
        for (struct dirent* e; (e = readdir(d));)
            if (isdigit((unsigned char)e->d_name[0])) ++procs;
        closedir(d);
        if (procs > 4) {
            snprintf(buf, sizeof buf, "%d processes visible", procs);
            leak("/proc", buf);
        }
    }
    must_not_open("/proc/sysrq-trigger", O_WRONLY);
    must_not_open("/proc/kcore", O_RDONLY);
    must_not_open("/proc/sys/kernel/hostname", O_WRONLY);

    // /dev holds the harmless nodes and nothing of the host's.
    static const char* const allowed[] = {".", "..", "null", "zero", "full", "random",
                                          "urandom", "fd", "stdin", "stdout", "stderr",
                                          "shm", 0};
    d = opendir("/dev");
    if (!d) {
        leak("/dev", "not listable");
    } else {
        for (struct dirent* e; (e = readdir(d));) {
            int ok = 0;
            for (int i = 0; allowed[i]; ++i) ok |= strcmp(e->d_name, allowed[i]) == 0;
            if (!ok) leak("/dev entry", e->d_name);
        }
        closedir(d);
    }

    // The root, the toolchain folders, /etc and /dev are read-only.
    must_not_open("/usr/x", O_WRONLY | O_CREAT | O_EXCL);
    must_not_open("/x", O_WRONLY | O_CREAT | O_EXCL);
    if (mkdir("/y", 0755) == 0) leak("/y", "created");
    must_not_open("/bin/sh", O_WRONLY);
    must_not_open("/etc/passwd", O_WRONLY);
    must_not_open("/etc/x", O_WRONLY | O_CREAT | O_EXCL);
    must_not_open("/etc/ld.so.cache", O_WRONLY);
    must_not_open("/dev/x", O_WRONLY | O_CREAT | O_EXCL);
    if (mkdir("/proc/y", 0755) == 0) leak("/proc/y", "created");
    return leaks ? 1 : 0;
}
