;; Keeps 1 GiB of touched memory in 1 MiB arrays (no single array larger than
;; the heap, so the JVM keeps growing until the box's memory limit stops it).
(let [kept (java.util.ArrayList.)]
  (dotimes [i 1024]
    (let [^bytes block (byte-array (bit-shift-left 1 20))]
      (java.util.Arrays/fill block (unchecked-byte (bit-or i 1)))
      (.add kept block)))
  (println (reduce + (map (fn [^bytes b] (aget b 7)) kept))))
