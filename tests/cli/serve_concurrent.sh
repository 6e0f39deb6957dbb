#!/usr/bin/env bash
# eseal serve under concurrent requests: slow work (sign-in hashing, making seals)
# runs on the worker pool while the poll thread keeps answering; many mixed
# requests at once are each answered once, none with a server error; SIGTERM in
# the middle of a stream answers or refuses every request (none is cut) and
# leaves the audit chain intact. Run under a TSan build (ES_SANITIZE=thread) it
# also fails on any data race the sanitizer reports (exit status of the server).
set -euo pipefail
ESEAL=$1
command -v curl >/dev/null && command -v jq >/dev/null || { echo "curl and jq are needed (scripts/deps.sh)"; exit 77; }
T=$(mktemp -d /tmp/eseal-cli-serve-conc.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$T/server.log" ] && grep -v '^{"time' "$T/server.log" | tail -30 >&2; exit 1; }
D=$T/p
EPARGS=(--dir "$D")
source "$(dirname "$0")/lib/signin.sh"
e init >/dev/null
e region add 350000 福建省 >/dev/null
unit=$(e --json unit add --name 福建省测试厅 --credit-code 91350100100000016G --region 350000 | jq -r .unit)
e account add applicant --roles applicant --unit "$unit" >/dev/null
e account add maker --roles maker >/dev/null
e account add reviewer --roles reviewer >/dev/null
apps=()
for i in 1 2 3 4; do
  a=$(e --as applicant --json app create --unit "$unit" --name "福建省测试厅$i" --handler 王五 \
    --handler-mobile 13800000000 --handler-id 350102199002020021 | jq -r .application)
  e --as applicant app submit "$a" >/dev/null
  e --as maker app check "$a" >/dev/null
  e --as reviewer app approve "$a" >/dev/null
  apps+=("$a")
done
OTP=$(e account otp maker)
export TSAN_OPTIONS="${TSAN_OPTIONS:-} halt_on_error=0 exitcode=66"

start() {
  rm -f "$T/port"
  "$ESEAL" serve --dir "$D" --listen 127.0.0.1:0 --port-file "$T/port" "$@" 2>>"$T/server.log" &
  PID=$!
  for _ in $(seq 600); do [ -s "$T/port" ] && break; sleep 0.1; done
  [ -s "$T/port" ] || fail "the server did not start"
  U=http://127.0.0.1:$(cat "$T/port")
}
stop() { kill -TERM "$PID"; local rc=0; wait "$PID" || rc=$?; PID=; [ $rc = 0 ] || fail "server exit status $rc (66: a data race)"; }

# ---- one poll thread, one worker: the poll thread answers while sign-ins hash ----------
# sign-ins at the deployed cost (make check lowers $ESEAL_PASSWORD_COST): here they must be slow work
export ESEAL_PASSWORD_COST=120000
start --threads 1 --workers 1
signin_bad() { curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
  --data-binary '{"login":"nobody","password":"Wrong-Password-1"}' "$U/api/v1/session" >>"$T/signins"; }
: >"$T/signins"
for _ in $(seq 8); do signin_bad & done
sleep 0.05
curl -s -o /dev/null "$U/healthz"
done_when_health=$(wc -l <"$T/signins")
wait $(jobs -p | grep -v "^$PID$") 2>/dev/null || true
[ "$(wc -l <"$T/signins")" = 8 ] || fail "sign-ins answered: $(wc -l <"$T/signins")"
[ "$done_when_health" -lt 8 ] || fail "the health check waited for every sign-in (the poll thread blocked)"
grep -qv '^401$\|^429$' "$T/signins" && fail "sign-in answers: $(sort "$T/signins" | uniq -c)"
curl -s "$U/metrics" | grep -q '^eseal_worker_queue 0$' || fail "worker queue gauge"
stop

# ---- many mixed requests at once --------------------------------------------------------
start --threads 2 --workers 2
got=$(curl -s -o "$T/body" -w '%{http_code}' -c "$T/jar" -H 'Content-Type: application/json' \
  --data-binary "{\"login\":\"maker\",\"password\":\"$OTP\"}" "$U/api/v1/session")
[ "$got" = 200 ] || fail "sign-in $got"
curl -s -o /dev/null -H 'Content-Type: application/json' \
  --data-binary "{\"login\":\"maker\",\"old_password\":\"$OTP\",\"new_password\":\"Seal-Platform-2026\"}" "$U/api/v1/password"
curl -s -o "$T/body" -c "$T/jar" -H 'Content-Type: application/json' \
  --data-binary '{"login":"maker","password":"Seal-Platform-2026"}' "$U/api/v1/session"
CSRF=$(jq -r .csrf_token "$T/body")
: >"$T/codes"
req() { curl -s -o /dev/null -w "%{http_code} $1\n" -b "$T/jar" -H "X-CSRF-Token: $CSRF" "${@:2}" >>"$T/codes"; }
for a in "${apps[@]}"; do req make -X POST "$U/api/v1/applications/$a/make" & done
for i in $(seq 12); do req read "$U/api/v1/applications?limit=5" & req health "$U/healthz" & done
for i in $(seq 4); do signin_bad & done
wait $(jobs -p | grep -v "^$PID$") 2>/dev/null || true
[ "$(wc -l <"$T/codes")" = 28 ] || fail "answers: $(wc -l <"$T/codes") of 28"
[ "$(grep -c '^200 make$' "$T/codes")" = 4 ] || fail "makes: $(sort "$T/codes" | uniq -c)"
grep -q '^5' "$T/codes" && fail "a server error: $(sort "$T/codes" | uniq -c)"
[ "$(grep -c '^200 ' "$T/codes")" = 28 ] || fail "answers: $(sort "$T/codes" | uniq -c)"
for a in "${apps[@]}"; do [ "$(e app state "$a")" = made ] || fail "application $a not made"; done

# ---- SIGTERM during a stream: every request answered or refused, none cut ------------------
: >"$T/stream"
for i in $(seq 30); do
  curl -s -o /dev/null -w '%{http_code} %{exitcode}\n' -H 'Content-Type: application/json' \
    --data-binary '{"login":"nobody","password":"Wrong-Password-1"}' "$U/api/v1/session" >>"$T/stream" &
  curl -s -o /dev/null -w '%{http_code} %{exitcode}\n' "$U/api/v1/seals/35000000000001/status" >>"$T/stream" &
done
sleep 0.2
stop
wait $(jobs -p) 2>/dev/null || true
[ "$(wc -l <"$T/stream")" = 60 ] || fail "stream answers: $(wc -l <"$T/stream")"
# answered (401/429 sign-ins, 200 status), refused while stopping (503), or never accepted
# (curl exit 7: connection refused); a cut answer (52, 56) fails
grep -qv '^200 0$\|^401 0$\|^429 0$\|^503 0$\|^000 7$' "$T/stream" && fail "stream: $(sort "$T/stream" | uniq -c)"
grep -q "ThreadSanitizer" "$T/server.log" && fail "ThreadSanitizer reports"
"$ESEAL" audit verify --dir "$D" >/dev/null || fail "audit chain after SIGTERM"
echo "serve_concurrent: all checks passed ($(sort "$T/stream" | uniq -c | tr -s ' \n' ' '))"
