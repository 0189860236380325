(let [[a b] (map #(Long/parseLong %) (re-seq #"-?\d+" (slurp *in*)))]
  (println (+ a b)))
