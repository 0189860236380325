// Attacks: per-thread CPU accounting. Two threads each burn 0.6 s of their
// own CPU time and stop, so each alone stays below a 1 s limit while the
// process as a whole exceeds it; then it exits 0.
// The box must answer: time_limit (the sum counts), whether or not the two
// ran in parallel. With "forever" both spin without end.
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>
#include <time.h>

static int forever;

static double thread_cpu(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void* spin(void* arg) {
    (void)arg;
    volatile unsigned long n = 0;
    while (forever || thread_cpu() < 0.6) ++n;
    return 0;
}

int main(int argc, char** argv) {
    forever = argc > 1 && strcmp(argv[1], "forever") == 0;
    pthread_t t;
    if (pthread_create(&t, 0, spin, 0) != 0) return 2;
    spin(0);
    pthread_join(t, 0);
    return 0;
}
