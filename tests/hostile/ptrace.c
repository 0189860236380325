// Attacks: process inspection. Usage: ptrace traceme | attach.
//   traceme: ptrace(PTRACE_TRACEME)
//   attach:  forks a child and tries ptrace(PTRACE_ATTACH) on it
// The box must answer: syscall_violation naming ptrace. Exit 1 if the call
// was let through.
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    if (strcmp(argv[1], "traceme") == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        return 1;
    }
    if (strcmp(argv[1], "attach") == 0) {
        pid_t child = fork();
        if (child < 0) return 2;
        if (child == 0) {
            for (;;) pause();
        }
        ptrace(PTRACE_ATTACH, child, 0, 0);
        kill(child, SIGKILL);
        waitpid(child, 0, 0);
        return 1;
    }
    return 2;
}
