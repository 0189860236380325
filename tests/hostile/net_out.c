// Attacks: the network of a box with network=true. Usage:
//   net_out INET_IP INET_PORT HOST_IP HOST_PORT LO_PORT ABSTRACT_NAME
// Must reach INET_IP:INET_PORT (a listener in a namespace the harness made,
// standing in for the internet); must not reach the host itself at
// HOST_IP:HOST_PORT (the host's end of that link), the host's loopback
// listener at LO_PORT (as 127.0.0.1 and through the user-mode stack's
// gateway 10.0.2.2), nor the host's abstract unix socket ABSTRACT_NAME. Exit 0 when exactly the first one
// connects, 1 otherwise (each line on stderr says what happened).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
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
        if (poll(&p, 1, 3000) == 1) {
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
    if (connected) {
        // A byte both ways: the connection really reaches a peer.
        char c = 'x';
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (write(fd, &c, 1) != 1 || poll(&p, 1, 3000) != 1 || read(fd, &c, 1) != 1) {
            fprintf(stderr, "connect %s:%d: connected, but no byte came back\n", ip, port);
            connected = 0;
        }
    }
    close(fd);
    if (connected) fprintf(stderr, "connected to %s:%d\n", ip, port);
    return connected;
}

static int try_abstract(const char* name) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    size_t n = strlen(name);
    if (n + 1 > sizeof a.sun_path) return 0;
    memcpy(a.sun_path + 1, name, n);
    int ok = connect(fd, (struct sockaddr*)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) == 0;
    if (ok) fprintf(stderr, "connected to abstract socket @%s\n", name);
    else fprintf(stderr, "connect @%s: %s\n", name, strerror(errno));
    close(fd);
    return ok;
}

int main(int argc, char** argv) {
    if (argc != 7) return 2;
    int out = try_connect(argv[1], atoi(argv[2]));
    int leaks = try_connect(argv[3], atoi(argv[4]));
    leaks += try_connect("127.0.0.1", atoi(argv[5]));
    leaks += try_connect("10.0.2.2", atoi(argv[5]));
    leaks += try_abstract(argv[6]);
    if (!out) fprintf(stderr, "FAIL: the internet listener was not reached\n");
    if (leaks) fprintf(stderr, "LEAK: %d host endpoints reached\n", leaks);
    return out && !leaks ? 0 : 1;
}
