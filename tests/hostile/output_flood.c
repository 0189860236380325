// Attacks: the disk through stdout. Writes to stdout without end.
//   no argument:    default SIGXFSZ (killed when the file reaches the limit)
//   "ignore":       ignores SIGXFSZ and keeps calling write() forever while it
//                   fails with EFBIG
//   "ignore-exit":  ignores SIGXFSZ, keeps writing 1000 more times after the
//                   first EFBIG, then exits 0 as if all were well
// The box must answer: output_limit in every mode, and the file stays within
// the limit.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
    static char buf[65536];
    memset(buf, 'x', sizeof buf);
    int ignore = argc > 1 && strncmp(argv[1], "ignore", 6) == 0;
    int exit_after = argc > 1 && strcmp(argv[1], "ignore-exit") == 0;
    if (ignore) signal(SIGXFSZ, SIG_IGN);
    int failures = 0;
    for (;;) {
        ssize_t n = write(1, buf, sizeof buf);
        if (n < 0) {
            if (errno != EFBIG) return 4;
            if (exit_after && ++failures >= 1000) return 0;
        }
    }
}
