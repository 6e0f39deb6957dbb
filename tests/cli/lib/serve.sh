# SPDX-License-Identifier: AGPL-3.0-or-later
# Sourced by the server test scripts: the prelude they share. Needs $ESEAL.
#   serve_setup NAME     the scratch folder $T (removed at exit, the server stopped first),
#                        the platform folder $D, the store of $ESEAL_TEST_STORE in STORE
#                        (tests/cli/serve_pg.sh), curl and jq checked (77 without them)
#   fail MESSAGE         says it with the server log's last lines (not the access log) and exits 1
#   e ARGS               eseal platform on $D and STORE
#   serve_start [ARGS]   eseal serve on $D on a free loopback port, ARGS added (later flags
#                        win): $PID, $U; its log appended to $T/server.log
#   serve_stop [SIGNAL]  stop it (TERM by default) and fail unless it exits 0
serve_setup() {
  command -v curl >/dev/null && command -v jq >/dev/null || { echo "curl and jq are needed (scripts/deps.sh)"; exit 77; }
  T=$(mktemp -d "/tmp/eseal-cli-$1.XXXXXX")
  PID=
  trap serve_cleanup EXIT
  D=$T/p
  STORE=()
  if [ -n "${ESEAL_TEST_STORE:-}" ]; then STORE=(--store "$ESEAL_TEST_STORE"); fi
}
serve_cleanup() {
  if [ -n "${PID:-}" ]; then kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$T"
}
fail() { echo "FAIL: $*" >&2; [ -f "$T/server.log" ] && grep -v '^{"time' "$T/server.log" | tail -20 >&2; exit 1; }
e() { "$ESEAL" platform --dir "$D" "${STORE[@]}" "$@"; }
serve_start() {
  rm -f "$T/port"
  "$ESEAL" serve --dir "$D" "${STORE[@]}" --listen 127.0.0.1:0 --threads 2 --web none --port-file "$T/port" "$@" \
    2>>"$T/server.log" &
  PID=$!
  for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
  [ -s "$T/port" ] || fail "the server did not start"
  U=http://127.0.0.1:$(cat "$T/port")
}
serve_stop() { kill "-${1:-TERM}" "$PID"; wait "$PID" || fail "exit status after SIG${1:-TERM}"; PID=; }
