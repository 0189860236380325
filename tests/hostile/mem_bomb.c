// Attacks: memory. Allocates and touches 1 GiB in 1 MiB steps.
// The box must answer: memory_limit, with a peak near the limit.
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

int main(void) {
    for (int i = 0; i < 1024; ++i) {
        char* p = malloc(1 << 20);
        if (!p) return 2;
        memset(p, i | 1, 1 << 20);
    }
    return 0;
}
