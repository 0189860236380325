// Keeps 1 GiB of touched memory in 1 MiB arrays (no single array larger than
// the heap, so the JVM keeps growing until the box's memory limit stops it).
def kept = []
for (int i = 0; i < 1024; i++) {
    byte[] block = new byte[1 << 20]
    Arrays.fill(block, (byte) (i | 1))
    kept << block
}
println(kept.sum { it[7] })
