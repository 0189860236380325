# Keeps 1 GiB of touched memory in 1 MiB blocks.
kept = []
for i in range(1024):
    kept.append(bytes([i % 251 + 1]) * (1 << 20))
print(sum(len(k) for k in kept))
