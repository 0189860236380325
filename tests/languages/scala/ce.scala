object Main {
  def main(args: Array[String]): Unit = {
    val t = scala.io.Source.stdin.mkString.split("\\s+").filter(_.nonEmpty)
    val sum: Int = t(0).toLong + t(1).toLong  // type mismatch: Long is not Int
    println(sum)
  }
}
