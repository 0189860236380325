// Keeps 1 GiB of touched memory in 1 MiB arrays (no single array larger than
// the heap, so the JVM keeps growing until the box's memory limit stops it).
fun main() {
    val kept = ArrayList<ByteArray>()
    for (i in 0 until 1024) {
        val block = ByteArray(1 shl 20)
        block.fill((i or 1).toByte())
        kept.add(block)
    }
    println(kept.sumBy { it[7].toInt() })
}
