// Attacks: the disk through the working folder. Grows one file there
// without end. Usage: fill_workdir [ignore-exit]; with ignore-exit it
// ignores SIGXFSZ and, once write() fails with EFBIG, exits 0 as if all
// were well.
// The box must answer: output_limit in both modes.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
    int ignore = argc > 1 && strcmp(argv[1], "ignore-exit") == 0;
    if (ignore) signal(SIGXFSZ, SIG_IGN);
    static char buf[1 << 20];
    memset(buf, 'y', sizeof buf);
    int fd = open("big", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return 2;
    for (;;)
        if (write(fd, buf, sizeof buf) < 0) return ignore && errno == EFBIG ? 0 : 3;
}
