// Attacks: the stack. Recurses 10^6 frames deep (compiled -O0 with a local
// array so each frame is over 100 bytes and cannot become a loop), about
// 150 MB of stack.
// The box must answer: ok with the default stack (as large as the memory
// limit); prints the depth reached.
#include <stdio.h>

static unsigned long depth(unsigned long n) {
    volatile char pad[100];
    pad[0] = (char)n;
    pad[99] = pad[0];
    if (n == 0) return 0;
    return depth(n - 1) + 1 + (unsigned long)(pad[99] - pad[0]);
}

int main(void) {
    printf("%lu\n", depth(1000000));
    return 0;
}
