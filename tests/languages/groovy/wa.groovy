def t = System.in.text.split(/\s+/).findAll { it }
println((t[0] as long) + (t[1] as long) + 1)
