# Keeps 1 GiB of touched memory in 1 MiB strings.
my @kept;
push @kept, chr($_ % 251 + 1) x (1 << 20) for 1 .. 1024;
print scalar(@kept), "\n";
