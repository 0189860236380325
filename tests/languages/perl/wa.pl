my ($a, $b) = split ' ', do { local $/; <STDIN> };
print $a - $b, "\n";
