// Attacks: descriptors leaked from the host. The harness opens host files
// without O_CLOEXEC before run(); any of them reaching the box would give
// the program access to the host.
// The box must answer: ok (exit 0): descriptors 0, 1, 2 open and 3..4095
// closed; otherwise the open ones are listed on stderr.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
    int bad = 0;
    for (int fd = 0; fd < 3; ++fd)
        if (fcntl(fd, F_GETFD) < 0) {
            fprintf(stderr, "fd %d is not open\n", fd);
            ++bad;
        }
    for (int fd = 3; fd < 4096; ++fd) {
        errno = 0;
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF) {
            char link[64], target[512];
            snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
            ssize_t n = readlink(link, target, sizeof target - 1);
            target[n > 0 ? n : 0] = 0;
            fprintf(stderr, "LEAK: fd %d is open (%s)\n", fd, target);
            ++bad;
        }
    }
    return bad ? 1 : 0;
}
