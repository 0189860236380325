import scala.collection.mutable.ArrayBuffer

// Keeps 1 GiB of touched memory in 1 MiB arrays (no single array larger than
// the heap, so the JVM keeps growing until the box's memory limit stops it).
object Main {
  def main(args: Array[String]): Unit = {
    val kept = ArrayBuffer[Array[Byte]]()
    for (i <- 0 until 1024) {
      val block = new Array[Byte](1 << 20)
      java.util.Arrays.fill(block, (i | 1).toByte)
      kept += block
    }
    println(kept.map(_(7).toInt).sum)
  }
}
