// Attacks: the host's environment. Prints the environment, one variable a
// line, so the harness can check it is exactly RunSpec::env, in order, with
// nothing of the host's added.
// The box must answer: ok, stdout = the spec's variables.
#include <stdio.h>

extern char** environ;

int main(void) {
    for (char** e = environ; *e; ++e) printf("%s\n", *e);
    return 0;
}
