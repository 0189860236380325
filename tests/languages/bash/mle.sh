# Doubles a string until it holds 1 GiB (bash keeps every byte in memory).
s=x
for ((i = 0; i < 30; i++)); do s=$s$s; done
echo ${#s}
