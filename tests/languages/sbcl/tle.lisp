(let ((n 0))
  (loop (incf n)))
