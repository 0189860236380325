object Main {
  def main(args: Array[String]): Unit = {
    val t = scala.io.Source.stdin.mkString.split("\\s+").filter(_.nonEmpty)
    println(t(0).toLong + t(1).toLong)
  }
}
