// Attacks: nothing; checks that the box's /dev nodes work for its
// unprivileged user: /dev/null takes writes, /dev/zero gives zeros,
// /dev/urandom and /dev/random give bytes, /dev/full refuses with ENOSPC.
// The box must answer: ok (exit 0); otherwise the failing node is on stderr.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int fail(const char* what) {
    fprintf(stderr, "%s: %s\n", what, strerror(errno));
    return 1;
}

int main(void) {
    char buf[4096];
    int fd = open("/dev/null", O_WRONLY);
    if (fd < 0 || write(fd, "abc", 3) != 3) return fail("/dev/null");
    close(fd);

    fd = open("/dev/zero", O_RDONLY);
    memset(buf, 1, sizeof buf);
    if (fd < 0 || read(fd, buf, sizeof buf) != (ssize_t)sizeof buf) return fail("/dev/zero");
    for (size_t i = 0; i < sizeof buf; ++i)
        if (buf[i] != 0) {
            fprintf(stderr, "/dev/zero: non-zero byte\n");
            return 1;
        }
    close(fd);

    static const char* const rnd[] = {"/dev/urandom", "/dev/random"};
    for (int k = 0; k < 2; ++k) {
        fd = open(rnd[k], O_RDONLY);
        memset(buf, 0, sizeof buf);
        if (fd < 0 || read(fd, buf, 64) != 64) return fail(rnd[k]);
        int nonzero = 0;
        for (int i = 0; i < 64; ++i) nonzero |= buf[i];
        if (!nonzero) {
            fprintf(stderr, "%s: only zeros\n", rnd[k]);
            return 1;
        }
        close(fd);
    }

    fd = open("/dev/full", O_WRONLY);
    if (fd < 0) return fail("/dev/full");
    errno = 0;
    if (write(fd, "abc", 3) != -1 || errno != ENOSPC) {
        fprintf(stderr, "/dev/full: write did not fail with ENOSPC (%s)\n", strerror(errno));
        return 1;
    }
    close(fd);
    return 0;
}
