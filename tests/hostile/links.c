// Attacks: the host side that reads the working folder after the run.
// Usage: links [DECOY]. Plants out.txt -> /etc/passwd, dir -> /, a FIFO named
// fifo (a reader that opens it blocks forever), a regular file ok.txt
// containing "fine", and with DECOY, decoy -> DECOY (a host folder the
// harness watches, so that a removal following links shows without harm).
// The box must answer: ok; the harness then checks that the host-side
// readers refuse the links and the FIFO and that removal follows no link.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc > 1 && symlink(argv[1], "decoy") != 0) return perror("symlink decoy"), 1;
    if (symlink("/etc/passwd", "out.txt") != 0) return perror("symlink out.txt"), 1;
    if (symlink("/", "dir") != 0) return perror("symlink dir"), 1;
    if (mkfifo("fifo", 0666) != 0) return perror("mkfifo fifo"), 1;
    int fd = open("ok.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, "fine", 4) != 4) return perror("ok.txt"), 1;
    close(fd);
    return 0;
}
