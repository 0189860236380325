-- A fresh database in the box; the one test's answer (1 + 2).
CREATE TABLE t (a INTEGER, b INTEGER);
INSERT INTO t VALUES (1, 2);
SELECT a + b FROM t;
