# A buffer of 8 places: an IndexError (exit code 1) once n > 8.
n = int(input())
out = [0] * 8
k = 0
for v in list(range(2, n + 1, 2)) + list(range(1, n + 1, 2)):
    out[k] = v
    k += 1
print(*out[:k])
