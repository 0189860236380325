# repr-style output: as many digits as Python likes (and 1e-06 style exponents).
a, b = map(int, input().split())
print(a / b)
