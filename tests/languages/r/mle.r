# Keeps 1 GiB in 1 MiB raw vectors, every byte written.
kept <- list()
for (i in 1:1024) kept[[i]] <- rep(as.raw(i %% 256), 2^20)
cat(length(kept), "\n")
