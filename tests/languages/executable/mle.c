/* Allocates 1 GiB in 1 MiB blocks, touching every page, and keeps them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    enum { block = 1 << 20, blocks = 1024 };
    static char *kept[blocks];
    for (int i = 0; i < blocks; i++) {
        kept[i] = malloc(block);
        if (!kept[i]) return 3;
        memset(kept[i], i & 0xff, block);
    }
    unsigned long sum = 0;
    for (int i = 0; i < blocks; i++) sum += (unsigned char)kept[i][i];
    printf("%lu\n", sum);
    return 0;
}
