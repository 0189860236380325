# The sum right, the product not attempted: half of every test.
a, b = map(int, input().split())
print(a + b)
print(0)
