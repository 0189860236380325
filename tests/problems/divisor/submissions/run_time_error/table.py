# Looks the answer up in a table of smallest prime factors below 1000:
# an IndexError (exit code 1) for larger n.
N = 1000
spf = list(range(N))
for i in range(2, N):
    if spf[i] == i:
        for j in range(i * i, N, i):
            if spf[j] == j:
                spf[j] = i
n = int(input())
print(spf[n])
