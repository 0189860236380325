program mle;
{ Keeps 1 GiB of touched memory in 1 MiB blocks. }
var
  kept: array[0..1023] of PByte;
  i: integer;
  sum: int64;
begin
  for i := 0 to 1023 do
  begin
    GetMem(kept[i], 1 shl 20);
    FillChar(kept[i]^, 1 shl 20, (i or 1) and 255);
  end;
  sum := 0;
  for i := 0 to 1023 do
    sum := sum + kept[i][7];
  writeln(sum);
end.
