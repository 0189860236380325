/* Off by 1e-3: far outside the tolerance of 1e-6. */
#include <stdio.h>

int main(void) {
    long long a = 0, b = 0;
    if (scanf("%lld %lld", &a, &b) != 2) return 1;
    printf("%.9f\n", (double)a / (double)b + 1e-3);
    return 0;
}
