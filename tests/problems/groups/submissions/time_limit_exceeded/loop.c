/* Adds one number at a time, each through a division by a volatile 1 so the
 * compiler can neither vectorise the loop nor turn it into the formula: fine
 * for n = 5000, many seconds for n = 2 * 10^9. */
#include <stdio.h>

int main(void) {
    unsigned long long n = 0;
    if (scanf("%llu", &n) != 1) return 1;
    volatile unsigned long long one = 1;
    unsigned long long s = 0;
    for (unsigned long long i = 1; i <= n; ++i) s += i / one;
    printf("%llu\n", s);
    return 0;
}
