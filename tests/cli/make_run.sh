#!/usr/bin/env bash
# `make run`'s script (scripts/run.sh) end to end: a demo platform in a fresh data folder
# (regions, units, one account per role with its one-time password printed once), eseal
# serve with the console, a sign-in with a printed password, Ctrl-C (SIGINT) stops it
# cleanly, and a second run keeps the platform and its passwords.
set -euo pipefail
ESEAL=$(readlink -f "$1")
SRC=$(cd "$(dirname "$0")/../.." && pwd)
command -v curl >/dev/null && command -v jq >/dev/null && command -v python3 >/dev/null ||
  { echo "curl, jq and python3 are needed (scripts/deps.sh)"; exit 77; }
T=$(mktemp -d /tmp/eseal-cli-make-run.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || true; }; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$T/out" ] && tail -20 "$T/out" >&2; exit 1; }
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
U=http://127.0.0.1:$PORT

run() {
  (cd "$SRC" && ESEAL=$ESEAL ESEAL_SERVE_LISTEN=127.0.0.1:$PORT exec bash scripts/run.sh "$T/data") >"$T/out" 2>&1 &
  PID=$!
  for _ in $(seq 150); do curl -sf "$U/readyz" >/dev/null 2>&1 && return 0; kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  fail "make run did not start serving on $U"
}
stop() {
  kill -INT "$PID"
  wait "$PID" || fail "exit status after Ctrl-C: $?"
  PID=
  grep -q "stopped" "$T/out" || fail "no clean stop on Ctrl-C"
}

run
grep -q "== serving on $U" "$T/out" || fail "the URL is not printed"
grep -q "the web console:   $U/" "$T/out" || fail "the console URL is not printed"
for login in admin applicant unit-admin company maker reviewer use-approver auditor; do
  grep -Eq "^  $login +[A-Za-z0-9]{16} " "$T/out" || fail "no one-time password printed for $login"
done
otp=$(awk '$1 == "applicant" { print $2 }' "$T/out")
[ "$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' \
  --data-binary "{\"login\":\"applicant\",\"password\":\"$otp\"}" "$U/api/v1/session")" = 200 ] || fail "sign-in with the printed password"
jq -e '.must_change_password == true and .roles == ["applicant"]' "$T/body" >/dev/null || fail "the session: $(cat "$T/body")"
curl -s "$U/" | grep -q '<html' || fail "the console is not served at /"
curl -s "$U/api/openapi.json" | jq -e '.openapi == "3.1.0"' >/dev/null || fail "the API document"
# the demo records: regions and units
"$ESEAL" platform --dir "$T/data" --json list region | jq -e '.items | length == 3' >/dev/null || fail "three demo regions"
"$ESEAL" platform --dir "$T/data" --json list unit | jq -e '.items | length == 2' >/dev/null || fail "two demo units"
stop
# a second run keeps the platform: no new passwords
run
grep -q "exists: its accounts keep their passwords" "$T/out" || fail "the second run made a new platform"
grep -Eq "^  applicant +[A-Za-z0-9]{16} " "$T/out" && fail "passwords printed again"
stop
"$ESEAL" audit verify --dir "$T/data" >/dev/null || fail "audit chain"
echo "make_run: demo platform, console and API on $U, one-time passwords, clean Ctrl-C, second run keeps it"
