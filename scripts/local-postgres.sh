#!/usr/bin/env bash
# A throwaway PostgreSQL for development, tests and CI.
#
#   scripts/local-postgres.sh start DIR [PORT]   initdb (once) + start; prints DATABASE_URL
#   scripts/local-postgres.sh stop DIR           stop it (the data stays in DIR)
#   scripts/local-postgres.sh destroy DIR        stop it and remove DIR
#
# The server refuses to run as root, so when we are root it runs as the `postgres` user.
# FAST=1 turns off fsync and friends (tests only: never for benchmarks).
set -euo pipefail

cmd=${1:?usage: local-postgres.sh start|stop|destroy DIR [PORT]}
dir=${2:?usage: local-postgres.sh start|stop|destroy DIR [PORT]}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "PostgreSQL server binaries not found (apt-get install -y postgresql)" >&2; exit 1; }

# Absolute, so that it still names the same place after `cd` (as_pg runs from inside it).
if [ -d "$dir" ]; then dir=$(cd "$dir" && pwd); fi

as_pg() {
  if [ "$(id -u)" = 0 ]; then (cd "$dir" && runuser -u postgres -- "$@"); else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

case "$cmd" in
start)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log"
  fi
  if as_pg "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    # Already running (a second `start`, e.g. scripts/dev-up run again): use it as it is.
    port=$(cat "$dir/port")
  else
    port=${3:-$(cat "$dir/port" 2>/dev/null || free_port)}
    echo "$port" >"$dir/port"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir/port"
    opts="-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=1000"
    if [ "${FAST:-0}" = 1 ]; then opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"; fi
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start -o "$opts" >/dev/null
  fi
  as_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "select 1 from pg_database where datname='urumi'" | grep -q 1 \
    || as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres urumi
  echo "postgres://postgres@127.0.0.1:$port/urumi"
  ;;
stop)
  [ -f "$dir/data/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  ;;
destroy)
  [ -f "$dir/data/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true
  rm -rf "$dir"
  ;;
*) echo "unknown command $cmd" >&2; exit 2 ;;
esac
