# Keeps 1 GiB of touched memory in 1 MiB strings.
kept = []
1024.times { |i| kept << ((i % 251 + 1).chr * (1 << 20)) }
puts kept.size
