// Attacks: per-process memory accounting. Eight children each touch 16 MiB
// (128 MiB in all) and stay alive; no single process is large.
// The box must answer: memory_limit (the limit holds for the whole box).
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    for (int i = 0; i < 8; ++i) {
        pid_t pid = fork();
        if (pid < 0) return 2;
        if (pid == 0) {
            char* p = malloc(16 << 20);
            if (!p) _exit(2);
            memset(p, 1, 16 << 20);
            for (;;) pause();
        }
    }
    for (;;) pause();
}
