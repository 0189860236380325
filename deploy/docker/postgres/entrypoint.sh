#!/bin/bash
# Makes the cluster on first start (one database owned by one ordinary role:
# all judged needs), then runs the server in the foreground. SIGINT (the
# image's stop signal) is PostgreSQL's fast shutdown.
set -euo pipefail
: "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
user=${POSTGRES_USER:-postgres} db=${POSTGRES_DB:-${POSTGRES_USER:-postgres}}
if [[ ! -s $PGDATA/PG_VERSION ]]; then
  mkdir -p -m 0700 "$PGDATA"
  pw=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pw"
  initdb -D "$PGDATA" -U "$user" --pwfile="$pw" --auth-local=scram-sha-256 --auth-host=scram-sha-256 >/dev/null
  rm -f "$pw"
  printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
  if [[ $db != postgres ]]; then
    pg_ctl -D "$PGDATA" -o "-c listen_addresses=" -w start >/dev/null
    PGPASSWORD=$POSTGRES_PASSWORD psql -X -q -U "$user" -d postgres -v ON_ERROR_STOP=1 \
      -c "CREATE DATABASE \"$db\" OWNER \"$user\""
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  fi
fi
exec postgres -D "$PGDATA" -c listen_addresses='*'
