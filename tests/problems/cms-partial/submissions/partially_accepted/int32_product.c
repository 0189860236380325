/* The product in 32 bits: right on the two small tests, wrong (wrapped) on
 * the two big ones, where only the sum scores. */
#include <stdio.h>

int main(void) {
    long long a = 0, b = 0;
    if (scanf("%lld %lld", &a, &b) != 2) return 1;
    unsigned int p = (unsigned int)a * (unsigned int)b;
    printf("%lld\n%d\n", a + b, (int)p);
    return 0;
}
