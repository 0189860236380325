// Attacks: per-thread CPU accounting. Two threads spin at once.
// The box must answer: time_limit, killed promptly after the summed CPU time
// reaches the limit.
#define _GNU_SOURCE
#include <pthread.h>

static void* spin(void* arg) {
    volatile unsigned long n = 0;
    (void)arg;
    for (;;) ++n;
    return 0;
}

int main(void) {
    pthread_t t;
    if (pthread_create(&t, 0, spin, 0) != 0) return 2;
    spin(0);
}
