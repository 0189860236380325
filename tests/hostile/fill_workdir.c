// Attacks: the disk through the working folder. Grows one file there
// without end.
// The box must answer: output_limit.
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    static char buf[1 << 20];
    memset(buf, 'y', sizeof buf);
    int fd = open("big", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return 2;
    for (;;)
        if (write(fd, buf, sizeof buf) < 0) return 3;
}
