fun main() {
    val t = System.`in`.bufferedReader().readText().split(Regex("\\s+")).filter { it.isNotEmpty() }
    println(t[0].toLong() + t[1].toLong() + 1)
}
