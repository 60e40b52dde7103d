#!/usr/bin/env bash
# Start a throwaway PostgreSQL on 127.0.0.1 (free port, data dir in a temp folder) and print its URL.
# Installs Debian's `postgresql` when no server binary is found. Stop it with: pg_ctl -D "$DATA" stop
# Usage: eval "$(scripts/ci/postgres.sh)"   → exports MIGRATION_LINT_PG_URL and MIGRATION_LINT_PG_DATA
set -euo pipefail
bindir=""
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && bindir="$d"; done
if [ -z "$bindir" ]; then
  if [ "$(id -u)" = 0 ]; then apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2
  else sudo apt-get update >&2 && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2; fi
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && bindir="$d"; done
fi
[ -n "$bindir" ] || { echo "postgres.sh: no PostgreSQL server found after install" >&2; exit 1; }
data="$(mktemp -d /tmp/ml-pg.XXXXXX)"
port="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
as_pg() { if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$data"; runuser -u postgres -- "$@"; else "$@"; fi; }
as_pg "$bindir/initdb" -D "$data/db" -U postgres -A trust >&2
as_pg "$bindir/pg_ctl" -D "$data/db" -l "$data/log" -w -o "-c listen_addresses=127.0.0.1 -p $port -k $data" start >&2
echo "export MIGRATION_LINT_PG_URL=postgres://postgres@127.0.0.1:$port/postgres"
echo "export MIGRATION_LINT_PG_DATA=$data/db"
