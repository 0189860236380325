# Guesses 42 once and gives up whatever the reply (no test hides 42).
print(42, flush=True)
input()
