// Attacks: per-process CPU accounting. Two processes each burn 0.6 s of
// their own CPU time and stop, so each one alone stays below a 1 s limit
// while the box as a whole exceeds it; the parent then exits 0.
// The box must answer: time_limit (the sum counts), whether or not the two
// ran in parallel. With "forever" both spin without end.
#define _GNU_SOURCE
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double own_cpu(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
    int forever = argc > 1 && strcmp(argv[1], "forever") == 0;
    pid_t child = fork();
    volatile unsigned long spin = 0;
    while (forever || own_cpu() < 0.6) ++spin;
    if (child == 0) return 0;
    waitpid(child, 0, 0);
    return 0;
}
