object Main {
  def main(args: Array[String]): Unit = {
    val t = scala.io.Source.stdin.mkString.split("\\s+").filter(_.nonEmpty)
    val answer = new Array[Int](1)
    println(answer((t(0).toLong + t(1).toLong).toInt))  // ArrayIndexOutOfBoundsException
  }
}
