% Keeps 1 GiB in 1 MiB blocks, every byte written.
kept = cell(1, 1024);
for i = 1:1024
  kept{i} = repmat(uint8(mod(i, 256)), 1, 2^20);
end
printf("%d\n", numel(kept));
