/* Sums in 32 bits: right on small inputs, wrong once the sum leaves int. */
#include <stdio.h>

int main(void) {
    long long a = 0, b = 0;
    if (scanf("%lld %lld", &a, &b) != 2) return 1;
    unsigned int s = (unsigned int)a + (unsigned int)b;
    printf("%d\n", (int)s);
    return 0;
}
