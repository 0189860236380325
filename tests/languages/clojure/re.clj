(let [[a b] (map #(Long/parseLong %) (re-seq #"-?\d+" (slurp *in*)))]
  (println (nth [0] (+ a b))))  ; IndexOutOfBoundsException
