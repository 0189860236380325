fun main() {
    val t = System.`in`.bufferedReader().readText().split(Regex("\\s+")).filter { it.isNotEmpty() }
    val sum: Int = t[0].toLong() + t[1].toLong()  // type mismatch: Long is not Int
    println(sum)
}
