// Attacks: the CPU. An infinite loop.
// The box must answer: time_limit, with the CPU time just past the limit.
int main(void) {
    volatile unsigned long n = 0;
    for (;;) ++n;
}
