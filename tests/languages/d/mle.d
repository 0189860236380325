// Allocates 1 GiB in 1 MiB blocks, writing every byte, and keeps them.
import std.stdio;

void main() {
    ubyte[][] kept;
    foreach (i; 0 .. 1024) {
        auto block = new ubyte[1 << 20];
        block[] = cast(ubyte) i;
        kept ~= block;
    }
    ulong sum = 0;
    foreach (i, block; kept) sum += block[i];
    writeln(sum);
}
