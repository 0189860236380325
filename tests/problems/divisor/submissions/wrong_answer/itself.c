/* n divides n, but it is not a proper divisor. */
#include <stdio.h>

int main(void) {
    long long n = 0;
    if (scanf("%lld", &n) != 1) return 1;
    printf("%lld\n", n);
    return 0;
}
