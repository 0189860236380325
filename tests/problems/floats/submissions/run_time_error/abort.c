/* Dies by SIGABRT once it has read the input. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    long long a = 0, b = 0;
    if (scanf("%lld %lld", &a, &b) != 2) return 1;
    abort();
}
