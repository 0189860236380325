// Attacks: cleanup. Usage: daemon spin | sleep. Leaves an orphaned daemon
// behind: the child calls setsid() and forks again, the grandchild spins (or
// sleeps) forever, and the program exits 0 as soon as the grandchild runs.
// The box must answer: ok at once (not after the wall limit), and the
// daemon must not survive the run.
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    int spin = strcmp(argv[1], "spin") == 0;
    int p[2];
    if (pipe(p) != 0) return 2;
    pid_t pid = fork();
    if (pid < 0) return 2;
    if (pid == 0) {
        setsid();
        if (fork() != 0) _exit(0);
        close(p[0]);
        if (write(p[1], "r", 1) != 1) _exit(2);
        close(p[1]);
        volatile unsigned long n = 0;
        for (;;) {
            if (spin) ++n;
            else pause();
        }
    }
    close(p[1]);
    char c;
    if (read(p[0], &c, 1) != 1) return 3;  // the grandchild is running
    return 0;
}
