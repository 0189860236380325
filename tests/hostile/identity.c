// Attacks: privilege. Usage: identity HOST_HOSTNAME [UID_BASE SLOTS]. Checks
// who the program runs as: a box uid (UID_BASE + slot, default 200000 and
// 4096 slots) for real, effective and saved ids, no
// supplementary groups, no capabilities in any set, no_new_privs, a seccomp
// filter in force, a hostname that is not the host's, and no terminal: a
// process group of its own, no controlling terminal, not a session leader
// (so it cannot acquire one), /dev/tty not there.
// The box must answer: ok (exit 0); otherwise each finding is on stderr.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int bad;

static void finding(const char* what, const char* detail) {
    fprintf(stderr, "BAD: %s: %s\n", what, detail);
    ++bad;
}

int main(int argc, char** argv) {
    if (argc != 2 && argc != 4) return 2;
    const unsigned long base = argc == 4 ? strtoul(argv[2], 0, 10) : 200000;
    const unsigned long slots = argc == 4 ? strtoul(argv[3], 0, 10) : 4096;
    char buf[256];
    uid_t r, e, s;
    gid_t gr, ge, gs;
    getresuid(&r, &e, &s);
    getresgid(&gr, &ge, &gs);
    snprintf(buf, sizeof buf, "uid %u/%u/%u gid %u/%u/%u", r, e, s, gr, ge, gs);
    if (r < base || r >= base + slots || e != r || s != r) finding("uid", buf);
    if (gr == 0 || ge == 0 || gs == 0) finding("gid", buf);
    int ngroups = getgroups(0, 0);
    if (ngroups != 0) {
        snprintf(buf, sizeof buf, "%d supplementary groups", ngroups);
        finding("groups", buf);
    }

    FILE* f = fopen("/proc/self/status", "r");
    if (!f) {
        finding("/proc/self/status", "unreadable");
    } else {
        static const char* const zero_caps[] = {"CapInh:", "CapPrm:", "CapEff:", "CapBnd:",
                                                "CapAmb:"};
        int seen = 0;
        char line[512];
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = 0;
            for (int i = 0; i < 5; ++i) {
                size_t n = strlen(zero_caps[i]);
                if (strncmp(line, zero_caps[i], n) == 0) {
                    ++seen;
                    if (strtoull(line + n, 0, 16) != 0) finding("capabilities", line);
                }
            }
            if (strncmp(line, "NoNewPrivs:", 11) == 0) {
                ++seen;
                if (strcmp(line, "NoNewPrivs:\t1") != 0) finding("no_new_privs", line);
            }
            if (strncmp(line, "Seccomp:", 8) == 0) {
                ++seen;
                if (strcmp(line, "Seccomp:\t2") != 0) finding("seccomp", line);
            }
        }
        fclose(f);
        if (seen != 7) finding("/proc/self/status", "missing Cap*/NoNewPrivs/Seccomp lines");
    }

    char host[256] = {0};
    if (gethostname(host, sizeof host - 1) != 0) finding("hostname", "gethostname failed");
    else if (strcmp(host, argv[1]) == 0) finding("hostname", "is the host's");

    // Field 7 of /proc/self/stat is the controlling terminal (0: none).
    int pgrp = 0, session = 0, tty = -1;
    f = fopen("/proc/self/stat", "r");
    if (!f || fscanf(f, "%*d (%*[^)]) %*c %*d %d %d %d", &pgrp, &session, &tty) != 3) {
        finding("/proc/self/stat", "unreadable");
    } else {
        snprintf(buf, sizeof buf, "pid %d pgrp %d session %d tty %d", (int)getpid(), pgrp, session, tty);
        if (pgrp != getpid() || getpgrp() != getpid()) finding("process group", buf);
        if (tty != 0) finding("controlling terminal", buf);
        if (session == getpid() || getsid(0) == getpid()) finding("session leader", buf);
    }
    if (f) fclose(f);
    int t = open("/dev/tty", O_RDWR | O_NOCTTY);
    if (t >= 0) finding("/dev/tty", "opens");
    else if (errno != ENOENT && errno != ENXIO) finding("/dev/tty", strerror(errno));
    return bad ? 1 : 0;
}
