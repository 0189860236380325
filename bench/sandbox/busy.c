/* A fixed amount of CPU work for bench_sandbox.
 *
 *   busy N   N iterations of a volatile counter increment, then exit 0
 *   busy 0   loop forever (for the CPU-limit kill test)
 *
 * The counter is volatile so every iteration is a real load and store that
 * the compiler cannot fold away: the run time is proportional to N and the
 * loop touches no memory beyond one cache line, so it measures CPU time and
 * nothing else. */
#include <stdlib.h>

int main(int argc, char** argv) {
    unsigned long long n = argc > 1 ? strtoull(argv[1], NULL, 10) : 0;
    volatile unsigned long long counter = 0;
    if (n == 0)
        for (;;) counter = counter + 1;
    for (unsigned long long i = 0; i < n; ++i) counter = counter + 1;
    return 0;
}
