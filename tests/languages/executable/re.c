/* Reads the input, then writes through a null pointer: SIGSEGV. */
#include <stdio.h>

int main(void) {
    long long a, b;
    if (scanf("%lld %lld", &a, &b) != 2) return 1;
    int *volatile p = NULL;
    *p = (int)(a + b);
    printf("%d\n", *p);
    return 0;
}
