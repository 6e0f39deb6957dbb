#!/usr/bin/env bash
# Throwaway PostgreSQL cluster on loopback for the platform tests.
#   pg.sh start              -> prints "DIR PORT"; exit 77 when PostgreSQL is not installed
#   pg.sh createdb DIR PORT NAME
#   pg.sh stop DIR           -> stops the cluster and removes DIR
# Runs the server as the 'postgres' user when called as root (initdb refuses root).
set -euo pipefail

bindir=""
for d in /usr/lib/postgresql/*/bin; do
  [ -x "$d/initdb" ] && bindir="$d"
done

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "${1:-}" in
start)
  [ -n "$bindir" ] || { echo "pg.sh: PostgreSQL server binaries not installed (scripts/deps.sh)" >&2; exit 77; }
  dir=$(mktemp -d /tmp/eseal-pg.XXXXXX)
  chmod 0755 "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  as_pg "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  for attempt in 1 2 3 4 5 6 7 8; do
    port=$(( 20000 + (RANDOM % 20000) ))
    if as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
         -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=50" start >/dev/null 2>&1; then
      echo "$dir $port"
      exit 0
    fi
  done
  cat "$dir/server.log" >&2 || true
  exit 1
  ;;
createdb)
  dir=$2 port=$3 name=$4
  as_pg "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres "$name"
  ;;
stop)
  dir=$2
  [ -d "$dir/data" ] && as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
*)
  echo "usage: pg.sh start | createdb DIR PORT NAME | stop DIR" >&2
  exit 3
  ;;
esac
