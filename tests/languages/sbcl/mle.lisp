; Keeps 1 GiB in 1 MiB byte vectors, every byte written.
(let ((kept '()))
  (dotimes (i 1024)
    (push (make-array (expt 2 20) :element-type '(unsigned-byte 8) :initial-element (logand i 255)) kept))
  (format t "~D~%" (length kept)))
