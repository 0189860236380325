fun main() {
    val t = System.`in`.bufferedReader().readText().split(Regex("\\s+")).filter { it.isNotEmpty() }
    val answer = IntArray(1)
    println(answer[(t[0].toLong() + t[1].toLong()).toInt()])  // ArrayIndexOutOfBoundsException
}
