lo, hi = 1, 10**9
while True:
    mid = (lo + hi) // 2
    print(mid, flush=True)  # without flush the interactor would wait forever
    reply = input().strip()
    if reply == "=":
        break
    if reply == "<":
        hi = mid - 1
    else:
        lo = mid + 1
