// Attacks: other processes. Sends SIGKILL to every process it may signal,
// kill(-1, SIGKILL), which on a shared uid or PID namespace would reach the
// host's processes.
// The box must answer: ok (kill(-1) spares the caller; the host's processes,
// checked by the harness, are out of reach).
#define _GNU_SOURCE
#include <signal.h>
#include <time.h>

int main(void) {
    kill(-1, SIGKILL);
    struct timespec t = {0, 100 * 1000 * 1000};
    nanosleep(&t, 0);
    return 0;
}
