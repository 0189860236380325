// Attacks: the box's tmpfs folders (/tmp, /dev/shm). Usage: tmp_fill DIR MIB
// writes MIB MiB into DIR/x.
// The box must answer: ENOSPC once the tmpfs size is reached (the program
// then exits 3, a runtime_error); and when the tmpfs is larger than the
// memory limit, memory_limit, since tmpfs pages count against the box.
// Exit codes: 0 all written, 2 usage/open failed, 3 ENOSPC, 4 other error.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
    static char buf[1 << 20];
    if (argc != 3) return 2;
    char path[4096];
    snprintf(path, sizeof path, "%s/x", argv[1]);
    long mib = strtol(argv[2], 0, 10);
    memset(buf, 'z', sizeof buf);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        fprintf(stderr, "open(%s): %s\n", path, strerror(errno));
        return 2;
    }
    for (long i = 0; i < mib; ++i) {
        size_t done = 0;
        while (done < sizeof buf) {
            ssize_t n = write(fd, buf + done, sizeof buf - done);
            if (n < 0) {
                fprintf(stderr, "write(%s) after %ld MiB: %s\n", path, i, strerror(errno));
                return errno == ENOSPC ? 3 : 4;
            }
            done += (size_t)n;
        }
    }
    return 0;
}
