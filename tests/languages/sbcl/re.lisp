; Reads the input, then signals an error nobody handles (--script: exit status 1).
(let ((a (read)) (b (read)))
  (error "no answer for ~D and ~D" a b))
