# Right except for 10 < n <= 1000 (group 1), so group 3, though right, does
# not count: it requires group 1.
n = int(input())
s = n * (n + 1) // 2
if 10 < n <= 1000:
    s += 1
print(s)
