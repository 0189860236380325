// Attacks: the wall clock. Sleeps forever without using CPU.
// The box must answer: wall_time_limit, with a low CPU time.
#define _GNU_SOURCE
#include <unistd.h>

int main(void) {
    for (;;) pause();
}
