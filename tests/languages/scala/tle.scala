object Main {
  @volatile var n = 0L

  def main(args: Array[String]): Unit = {
    while (true) n += 1
  }
}
