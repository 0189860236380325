// Attacks: per-process CPU accounting. Two processes spin at once, so each
// one alone stays below the limit while the box as a whole exceeds it.
// The box must answer: time_limit, killed promptly after the summed CPU time
// reaches the limit.
#define _GNU_SOURCE
#include <unistd.h>

int main(void) {
    fork();
    volatile unsigned long spin = 0;
    for (;;) ++spin;
}
