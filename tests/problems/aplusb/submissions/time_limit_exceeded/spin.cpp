// Burns CPU forever: a time limit on CPU time must stop it (sleeping would not).
#include <iostream>

int main() {
    long long a = 0, b = 0;
    std::cin >> a >> b;
    volatile unsigned long long spin = 0;
    for (;;) spin = spin + 1;
}
