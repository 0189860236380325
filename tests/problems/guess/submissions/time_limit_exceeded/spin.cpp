// Thinks forever before its first guess: burns CPU, never writes.
int main() {
    volatile unsigned long long spin = 0;
    for (;;) spin = spin + 1;
}
