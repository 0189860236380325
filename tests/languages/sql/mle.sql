-- 1 GiB of blobs held at once by a sort kept in memory (not spilled to a file).
PRAGMA temp_store = MEMORY;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1024)
SELECT length(b) FROM (SELECT randomblob(1048576) AS b FROM c ORDER BY b) LIMIT 1;
