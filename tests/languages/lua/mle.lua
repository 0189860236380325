-- Keeps 1 GiB of touched memory in 1 MiB strings (long strings are not shared).
local kept = {}
for i = 1, 1024 do kept[i] = string.rep(string.char(i % 251 + 1), 1 << 20) end
print(#kept)
