a, b = STDIN.read.split.map(&:to_i)
raise ArgumentError, "no answer for #{a + b}"
