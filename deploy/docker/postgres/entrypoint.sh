#!/bin/bash
# Makes the cluster on first start, then runs the server in the foreground.
# POSTGRES_USER is made an ordinary role that owns POSTGRES_DB, all judged
# needs (no superuser); the superuser "postgres" shares the password but may
# log in from this container only. SIGINT (the image's stop signal) is
# PostgreSQL's fast shutdown.
set -euo pipefail
: "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
user=${POSTGRES_USER:-postgres} db=${POSTGRES_DB:-${POSTGRES_USER:-postgres}}
if [[ ! -s $PGDATA/PG_VERSION ]]; then
  mkdir -p -m 0700 "$PGDATA"
  pw=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pw"
  initdb -D "$PGDATA" -U postgres --pwfile="$pw" --auth-local=scram-sha-256 --auth-host=scram-sha-256 >/dev/null
  rm -f "$pw"
  printf 'host all postgres all reject\nhost all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=" -w start >/dev/null
  PGPASSWORD=$POSTGRES_PASSWORD psql -X -q -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -v user="$user" -v db="$db" -v pw="$POSTGRES_PASSWORD" <<'SQL'
SELECT :'user' <> 'postgres' AS ordinary \gset
\if :ordinary
CREATE ROLE :"user" LOGIN PASSWORD :'pw' NOSUPERUSER NOCREATEDB NOCREATEROLE;
\endif
SELECT :'db' <> 'postgres' AS own_db \gset
\if :own_db
CREATE DATABASE :"db" OWNER :"user";
\c :"db"
ALTER SCHEMA public OWNER TO :"user";
\endif
SQL
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
fi
exec postgres -D "$PGDATA" -c listen_addresses='*'
