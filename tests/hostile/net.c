// Attacks: the network. Usage: net PORT. Tries to reach the host's loopback
// (127.0.0.1:PORT, where the test harness listens) and the outside world
// (192.0.2.1:80, TEST-NET-1, never routed), each with a short timeout.
// The box must answer: both fail, since the box has a fresh, empty network
// namespace. Exit 0 when both fail, 1 when any connection succeeded.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

// 1 when connected, 0 when refused or timed out.
static int try_connect(const char* ip, int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        fprintf(stderr, "socket: %s\n", strerror(errno));
        return 0;
    }
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    inet_pton(AF_INET, ip, &a.sin_addr);
    int connected = 0;
    if (connect(fd, (struct sockaddr*)&a, sizeof a) == 0) {
        connected = 1;
    } else if (errno == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        if (poll(&p, 1, 300) == 1) {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            connected = err == 0;
            if (!connected) fprintf(stderr, "connect %s:%d: %s\n", ip, port, strerror(err));
        } else {
            fprintf(stderr, "connect %s:%d: timed out\n", ip, port);
        }
    } else {
        fprintf(stderr, "connect %s:%d: %s\n", ip, port, strerror(errno));
    }
    close(fd);
    if (connected) fprintf(stderr, "LEAK: connected to %s:%d\n", ip, port);
    return connected;
}

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    int port = atoi(argv[1]);
    int leaks = try_connect("127.0.0.1", port);
    leaks += try_connect("192.0.2.1", 80);
    return leaks ? 1 : 0;
}
