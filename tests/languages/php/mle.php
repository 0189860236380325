<?php
// Keeps 1 GiB of touched memory in 1 MiB strings.
$kept = [];
for ($i = 0; $i < 1024; $i++) $kept[] = str_repeat(chr($i % 251 + 1), 1 << 20);
echo count($kept), "\n";
