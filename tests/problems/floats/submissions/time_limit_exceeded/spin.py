# Burns CPU forever before answering.
a, b = map(int, input().split())
x = 0
while True:
    x += 1
