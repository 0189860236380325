import qualified Data.Map.Strict as M

-- Keeps a map of 40 million entries alive (several GiB of heap).
main :: IO ()
main = do
  let m = M.fromList [(i, i) | i <- [1 .. 40000000 :: Int]]
  print (M.size m + M.foldl' (+) 0 m)
