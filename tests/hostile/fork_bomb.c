// Attacks: the process table. Forks without end while every process spins,
// so the box holds as many busy processes as pids_max allows.
// The box must answer: time_limit (the CPU time of all processes is summed),
// with fork() failing once pids_max is reached, and nothing left on the host.
#define _GNU_SOURCE
#include <unistd.h>

int main(void) {
    volatile unsigned long spin = 0;
    for (;;) {
        fork();
        for (int i = 0; i < 100000; ++i) ++spin;
    }
}
