# The largest proper divisor: n over the smallest one.
n = int(input())
d = 2
while d * d <= n:
    if n % d == 0:
        print(n // d)
        break
    d += 1
