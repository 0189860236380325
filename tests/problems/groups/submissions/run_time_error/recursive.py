# S(n) = n + S(n - 1): fine for small n, a RecursionError (exit code 1) for
# large n.
import sys

sys.setrecursionlimit(6000)


def s(n):
    return 0 if n == 0 else n + s(n - 1)


print(s(int(input())))
