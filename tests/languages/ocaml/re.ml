(* Reads the input, then raises an exception nobody catches. *)
let () = Scanf.scanf " %Ld %Ld" (fun _ _ -> failwith "no answer")
