(* Allocates 1 GiB in 1 MiB blocks, writing every byte, and keeps them. *)
let () =
  let kept = ref [] in
  for i = 0 to 1023 do
    kept := Bytes.make (1 lsl 20) (Char.chr (i land 0xff)) :: !kept
  done;
  print_int (List.length !kept)
