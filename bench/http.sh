#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# make bench, the HTTP part: wrk on loopback against eseal serve (SQLite, a
# throwaway data directory) for BENCH_HTTP_SECONDS (20) each, on the health
# route and on a cursor-paged list read with an API key. Prints requests/s,
# p50/p99 latency, errors (non-2xx answers and socket errors: must be 0) and the
# server's peak RSS. Figures only: nothing here is asserted on timing.
set -euo pipefail
ESEAL=${1:-./build/eseal}
SECONDS_EACH=${BENCH_HTTP_SECONDS:-20}
CONNS=${BENCH_HTTP_CONNECTIONS:-32}
command -v wrk >/dev/null || { echo "bench http: wrk is not installed (scripts/deps.sh installs it)"; exit 0; }
command -v curl >/dev/null && command -v jq >/dev/null || { echo "bench http: curl and jq are needed"; exit 1; }
T=$(mktemp -d /tmp/eseal-bench-http.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
D=$T/p
EPARGS=(--dir "$D")
# shellcheck source=../tests/cli/lib/signin.sh
. "$(dirname "$0")/../tests/cli/lib/signin.sh"

echo "== HTTP: a platform with 300 accounts (SQLite in $T)"
e init >/dev/null
e region add 350000 福建省 >/dev/null
unit=$(e --json unit add --name 福建省测试厅 --credit-code 91350100100000016G --region 350000 | jq -r .unit)
for i in $(seq 300); do e account add "user$i" --roles applicant --unit "$unit" >/dev/null; done
pw=$(head -1 "$(pwf admin)")

threads=$(nproc)
"$ESEAL" serve --dir "$D" --listen 127.0.0.1:0 --threads "$threads" --port-file "$T/port" \
  --per-ip-connections 256 --web none 2>"$T/server.log" &
PID=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
[ -s "$T/port" ] || { tail -5 "$T/server.log"; echo "bench http: the server did not start"; exit 1; }
U=http://127.0.0.1:$(cat "$T/port")
curl -s -c "$T/jar" -H 'Content-Type: application/json' \
  --data-binary "{\"login\":\"admin\",\"password\":\"$pw\"}" "$U/api/v1/session" >"$T/session"
csrf=$(jq -r .csrf_token "$T/session")
curl -s -b "$T/jar" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
  --data-binary '{"login":"admin","name":"bench","expires":"2099-01-01T00:00:00Z","scope":"read"}' \
  "$U/api/v1/api-keys" >"$T/key"
KEY=$(jq -r .key "$T/key")
[ -n "$KEY" ] && [ "$KEY" != null ] || { cat "$T/key"; echo "bench http: no API key"; exit 1; }
LIST=/api/v1/accounts?limit=100
n=$(curl -s -H "Authorization: Bearer $KEY" "$U$LIST" | jq '.items | length')
[ "$n" = 100 ] || { echo "bench http: the list gave $n items, not 100"; exit 1; }

# run NAME PATH [HEADER]: one wrk run, summarised
run() {
  local name=$1 path=$2 hdr=${3:-}
  local args=(-t "$threads" -c "$CONNS" -d "${SECONDS_EACH}s" --latency)
  [ -n "$hdr" ] && args+=(-H "$hdr")
  wrk "${args[@]}" "$U$path" >"$T/wrk" 2>&1
  local rps p50 p99 non2xx sock
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$T/wrk")
  p50=$(awk '$1 == "50%" {print $2}' "$T/wrk")
  p99=$(awk '$1 == "99%" {print $2}' "$T/wrk")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$T/wrk")
  sock=$(awk -F'[ ,]+' '/Socket errors:/ {print $4+$6+$8+$10}' "$T/wrk")
  printf '%-34s %10s req/s   p50 %-9s p99 %-9s errors %s\n' "$name" "$rps" "$p50" "$p99" \
    "$(( ${non2xx:-0} + ${sock:-0} ))"
}
echo "== HTTP: wrk, $threads threads, $CONNS connections, ${SECONDS_EACH} s each, server with $threads poll threads"
run "GET /healthz" /healthz
run "GET $LIST (API key)" "$LIST" "Authorization: Bearer $KEY"
printf '%-34s %s\n' "server peak RSS" "$(awk '/^VmHWM:/ {print $2, $3}' "/proc/$PID/status")"
kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=
lines=$(wc -l <"$T/server.log")
echo "(server log: $lines lines; one JSON access-log line per request)"
