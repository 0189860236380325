def t = System.in.text.split(/\s+/).findAll { it }
int[] answer = new int[1]
println(answer[(int) ((t[0] as long) + (t[1] as long))])  // ArrayIndexOutOfBoundsException
