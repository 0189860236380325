/* Burns CPU forever. */
#include <stdio.h>

int main(void) {
    long long a = 0, b = 0;
    if (scanf("%lld %lld", &a, &b) != 2) return 1;
    volatile unsigned long long spin = 0;
    for (;;) spin = spin + 1;
}
