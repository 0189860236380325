// Spins forever; the volatile-like store keeps the loop from being optimized out.
import core.volatile : volatileStore;

void main() {
    ulong n = 0;
    for (;;) volatileStore(&n, n + 1);
}
