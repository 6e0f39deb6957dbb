#!/usr/bin/env bash
# Batch sealing jobs over HTTP (docs/batch-jobs.md) against a real `eseal serve` on a loopback
# port: a zip of documents uploaded (POST /api/v1/jobs), the use request for its manifest,
# POST …/authorise, two POST …/run at once, the server killed with -9 while they run and
# started again, a resume with reclaim; then GET …/results is a zip whose every document
# verifies with `eseal verify`, one usage record per sealed item; bad uploads and bodies,
# another unit's account, an unknown job give their HTTP codes; the audit chain is intact.
set -euo pipefail
ESEAL=$1
command -v curl >/dev/null && command -v jq >/dev/null && command -v sqlite3 >/dev/null && command -v unzip >/dev/null ||
  { echo "curl, jq, sqlite3 and unzip are needed (scripts/deps.sh)"; exit 77; }
T=$(mktemp -d /tmp/eseal-cli-serve-jobs.XXXXXX)
PID=
cleanup() { rm -f "$T/gate"; [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$T/server.log" ] && tail -20 "$T/server.log" >&2; exit 1; }
D=$T/p
EPARGS=(--dir "$D")
source "$(dirname "$0")/lib/signin.sh"
q() { sqlite3 "$D/platform.db" "$1"; }

e init >/dev/null
e region add 350000 福建省 >/dev/null
e region add 350100 福州市 >/dev/null
printf 'name,credit_code,region,legal_rep\n福州甲有限公司,91350100100000067Q,350100,赵一\n福州乙有限公司,91350100100000075K,350100,钱二\n' >"$T/feed.csv"
"$ESEAL" registry import --dir "$D" "$T/feed.csv" >/dev/null
unit=$(q "SELECT id FROM units WHERE credit_code = '91350100100000067Q'")
unit2=$(q "SELECT id FROM units WHERE credit_code = '91350100100000075K'")
esid=$(q "SELECT esid FROM seals WHERE unit_id = $unit AND state = 'active'")
e account add clerk --roles applicant --unit "$unit" >/dev/null
e account add other --roles applicant --unit "$unit2" >/dev/null
e account add approver --roles use-approver >/dev/null
declare -A OTP
for a in admin clerk other approver; do OTP[$a]=$(e account otp "$a"); done

start() {
  rm -f "$T/port"
  # a test build holds each claimed job item 25 ms (ESEAL_TEST_JOB_ITEM_MS, src/platform/batch.c):
  # the kill -9 below lands while the job runs, on a machine of any speed
  ESEAL_TEST_JOB_ITEM_MS=25 "$ESEAL" serve --dir "$D" --listen 127.0.0.1:0 --threads 3 --port-file "$T/port" "$@" 2>>"$T/server.log" &
  PID=$!
  for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
  [ -s "$T/port" ] || fail "the server did not start"
  U=http://127.0.0.1:$(cat "$T/port")
}
start
call() {
  local method=$1 path=$2 body=${3:-} who=${4:-}
  local args=(-s -o "$T/body" -w '%{http_code}' -X "$method" -b "$T/jar.$who")
  [ "$method" != GET ] && args+=(-H "X-CSRF-Token: $(cat "$T/csrf.$who")")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  curl "${args[@]}" "$U$path"
}
expect() { local want=$1; shift; local got; got=$(call "$@"); [ "$got" = "$want" ] || { cat "$T/body" >&2; fail "expected $want, got $got: $*"; }; }
signin() {
  local who=$1 pw=$2 got
  got=$(curl -s -o "$T/body" -w '%{http_code}' -c "$T/jar.$who" -H 'Content-Type: application/json' \
    --data-binary "{\"login\":\"$who\",\"password\":\"$pw\"}" "$U/api/v1/session")
  [ "$got" = 200 ] || { cat "$T/body" >&2; fail "sign-in of $who: $got"; }
  jq -r .csrf_token "$T/body" >"$T/csrf.$who"
}
PW=Jobs-Platform-2026
declare -A NUM=([clerk]=1 [other]=2 [approver]=3 [admin]=4)
for a in admin clerk other approver; do
  signin "$a" "${OTP[$a]}"
  expect 200 POST /api/v1/password "{\"login\":\"$a\",\"old_password\":\"${OTP[$a]}\",\"new_password\":\"$PW-${NUM[$a]}\"}" "$a"
  signin "$a" "$PW-${NUM[$a]}"
done
# upload WHO OUT [curl -F fields...]: POST /api/v1/jobs, the status printed
upload() {
  local who=$1 out=$2; shift 2
  local args=(-s -o "$out" -w '%{http_code}' -b "$T/jar.$who" -H "X-CSRF-Token: $(cat "$T/csrf.$who")")
  for f in "$@"; do args+=(-F "$f"); done
  curl "${args[@]}" "$U/api/v1/jobs"
}
expect_upload() { local want=$1; shift; local got; got=$(upload "$@"); [ "$got" = "$want" ] || { cat "$2" >&2; fail "upload: expected $want, got $got: $*"; }; }

# ---- the zip: OFDs in a folder, one file that is no document, macOS metadata skipped -----------------
N=${ESEAL_JOBS_DOCS:-40}
mkdir -p "$T/z/licences" "$T/z/__MACOSX"
for i in $(seq -w 1 "$N"); do
  "$ESEAL" ofd make -o "$T/z/licences/licence-$i.ofd" --title 营业执照 "营业执照 第 $i 号" >/dev/null
done
printf 'notes\n' >"$T/z/licences/notes.txt"
printf 'x' >"$T/z/__MACOSX/._licence-01.ofd"
(cd "$T/z" && python3 -c '
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for root, dirs, files in sorted(os.walk(".")):
        for f in sorted(files):
            z.write(os.path.join(root, f), os.path.join(root, f)[2:])
' "$T/docs.zip")
python3 -c '
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("a/x.ofd", "PK one"); z.writestr("b/x.ofd", "PK two")
' "$T/dup.zip"
printf 'PK\003\004 not really a zip, only its first bytes ......' >"$T/bad.zip"

# ---- bad uploads -----------------------------------------------------------------------------
[ "$(curl -s -o "$T/x" -w '%{http_code}' -b "$T/jar.clerk" -H "X-CSRF-Token: $(cat "$T/csrf.clerk")" \
  -H 'Content-Type: application/zip' --data-binary @"$T/docs.zip" "$U/api/v1/jobs")" = 415 ] || fail "raw body: 415"
expect_upload 422 clerk "$T/x" "documents=@$T/docs.zip"
expect_upload 422 clerk "$T/x" "documents=@$T/docs.zip" "esid=$esid" "colour=red"
expect_upload 422 clerk "$T/x" "documents=@$T/docs.zip" "esid=$esid" "placement=diagonal"
expect_upload 422 clerk "$T/x" "documents=@$T/docs.zip" "esid=$esid" "x_mm=-3"
got=$(upload clerk "$T/x" "documents=@$T/bad.zip" "esid=$esid"); [ "$got" = 422 ] || [ "$got" = 400 ] || fail "bad zip: $got"
grep -q "zip" "$T/x" || fail "bad zip: $(cat "$T/x")"
expect_upload 422 clerk "$T/x" "documents=@$T/dup.zip" "esid=$esid"
grep -q "named" "$T/x" || fail "duplicate names: $(cat "$T/x")"
expect_upload 403 other "$T/x" "documents=@$T/docs.zip" "esid=$esid"
expect_upload 403 approver "$T/x" "documents=@$T/docs.zip" "esid=$esid"
[ "$(q "SELECT COUNT(*) FROM jobs")" = 0 ] || fail "a refused upload made a job"

# ---- the job, its use request, authorise ------------------------------------------------------------
expect_upload 201 clerk "$T/job.json" "documents=@$T/docs.zip" "esid=$esid" "x_mm=100" "y_mm=120" "reason=电子证照"
job=$(jq -r .id "$T/job.json")
manifest=$(jq -r .manifest_sm3 "$T/job.json")
jq -e --argjson n $((N + 1)) '.state == "queued" and .total == $n and .use_request == null' "$T/job.json" >/dev/null ||
  fail "new job: $(jq -c 'del(.items)' "$T/job.json")"
want=$(for f in $(cd "$T/z/licences" && ls); do openssl dgst -sm3 -binary "$T/z/licences/$f"; done | openssl dgst -sm3 -r | cut -c1-64)
[ "$manifest" = "$want" ] || fail "manifest $manifest, expected $want"
expect 409 POST "/api/v1/jobs/$job/run" '{}' clerk
expect 201 POST /api/v1/use-requests "{\"esid\":\"$esid\",\"doc_sm3\":\"$manifest\",\"purpose\":\"电子证照批量\"}" clerk
req=$(jq -r .id "$T/body")
expect 409 POST "/api/v1/jobs/$job/authorise" "{\"use_request\":$req}" clerk
expect 200 POST "/api/v1/use-requests/$req/approve" '{"reason":"同意"}' approver
expect 422 POST "/api/v1/jobs/$job/authorise" '{"use_request":"seven"}' clerk
expect 422 POST "/api/v1/jobs/$job/authorise" "{\"use_request\":$req,\"extra\":1}" clerk
expect 403 POST "/api/v1/jobs/$job/authorise" "{\"use_request\":$req}" other
expect 200 POST "/api/v1/jobs/$job/authorise" "{\"use_request\":$req}" clerk
jq -e --argjson r "$req" '.use_request == $r' "$T/body" >/dev/null || fail "authorised: $(jq -c 'del(.items)' "$T/body")"
expect 404 GET /api/v1/jobs/999 "" clerk
expect 404 GET /api/v1/jobs/abc "" clerk
expect 403 GET "/api/v1/jobs/$job" "" other
expect 422 POST "/api/v1/jobs/$job/run" '{"reclaim":"yes"}' clerk

# ---- two runs at once, the server killed with -9 while they run, started again, resumed --------------
runner() { curl -s -o /dev/null -b "$T/jar.clerk" -H "X-CSRF-Token: $(cat "$T/csrf.clerk")" -H 'Content-Type: application/json' \
  --data-binary '{}' "$U/api/v1/jobs/$job/run" || true; }
runner & R1=$!
runner & R2=$!
for _ in $(seq 100); do
  [ "$(q "SELECT COUNT(*) FROM job_items WHERE job_id = $job AND state = 'done'")" -ge 3 ] && break
  sleep 0.1
done
before=$(q "SELECT COUNT(*) FROM job_items WHERE job_id = $job AND state = 'done'")
kill -9 "$PID"; wait "$PID" 2>/dev/null || true; PID=
wait $R1 $R2 || true
[ "$before" -lt "$N" ] || fail "the job ended before the server was killed (N=$N too small)"
start
signin clerk "$PW-1"
expect 200 GET "/api/v1/jobs/$job" "" clerk
jq -e '.state == "running"' "$T/body" >/dev/null || fail "after the kill: $(jq -c 'del(.items)' "$T/body")"
left=$(jq .sealing "$T/body")
expect 200 POST "/api/v1/jobs/$job/run" '{"reclaim":true}' clerk
jq -e --argjson n "$N" '.state == "done" and .done == $n and .failed == 1 and .sealing == 0 and .pending == 0' "$T/body" >/dev/null ||
  fail "after the resume: $(jq -c 'del(.items)' "$T/body")"
jq -e '[.items[] | select(.state == "failed")][0].name == "notes.txt"' "$T/body" >/dev/null || fail "the failed item"
[ "$(q "SELECT COUNT(*) FROM usage_records WHERE request_id = $req")" = "$N" ] || fail "usage records: $(q "SELECT COUNT(*) FROM usage_records WHERE request_id = $req"), want $N"

# ---- the results -----------------------------------------------------------------------------------
got=$(curl -s -D "$T/headers" -o "$T/results.zip" -w '%{http_code}' -b "$T/jar.clerk" "$U/api/v1/jobs/$job/results")
[ "$got" = 200 ] || fail "results: $got"
grep -qi '^Content-Type: application/zip' "$T/headers" || fail "results content type"
mkdir "$T/res" && (cd "$T/res" && unzip -q "$T/results.zip")
[ "$(ls "$T/res" | grep -c '\.ofd$')" = "$N" ] && [ -f "$T/res/results.json" ] || fail "results zip: $(ls "$T/res" | head)"
e status list -o "$T/status.json" >/dev/null
for f in "$T/res"/*.ofd; do
  "$ESEAL" verify "$f" --trust "$D/trust" --status "$T/status.json" >"$T/v.txt" 2>&1 || fail "verify $(basename "$f"): $(head -5 "$T/v.txt")"
done
[ "$(curl -s -o /dev/null -w '%{http_code}' -b "$T/jar.other" "$U/api/v1/jobs/$job/results")" = 403 ] || fail "another account's results"
expect 409 POST "/api/v1/jobs/$job/cancel" "" clerk
# ---- webhooks over HTTP (delivery and signatures: tests/unit/platform/webhooks.c) ----------------------
expect 403 POST /api/v1/webhooks '{"url":"http://127.0.0.1:9/h","events":"seal.status"}' clerk
expect 422 POST /api/v1/webhooks '{"url":"http://127.0.0.1:9/h","events":"seal.stolen"}' admin
expect 422 POST /api/v1/webhooks '{"url":"ftp://127.0.0.1/h","events":"seal.status"}' admin
expect 422 POST /api/v1/webhooks '{"events":"seal.status"}' admin
expect 422 POST /api/v1/webhooks '{"url":"http://127.0.0.1:9/h","events":"seal.status","unit_id":"one"}' admin
expect 201 POST /api/v1/webhooks "{\"url\":\"http://127.0.0.1:9/h\",\"events\":\"seal.status,job.finished\",\"unit_id\":$unit}" admin
hook=$(jq -r .id "$T/body")
jq -e '.secret | test("^whsec_[0-9a-f]{64}$")' "$T/body" >/dev/null || fail "webhook secret: $(cat "$T/body")"
! grep -q "$(jq -r .secret "$T/body")" "$T/server.log" || fail "the webhook secret is in the log"
expect 403 DELETE "/api/v1/webhooks/$hook" "" clerk
expect 200 DELETE "/api/v1/webhooks/$hook" "" admin
expect 404 DELETE "/api/v1/webhooks/$hook" "" admin

# ---- a run holds no poll thread, and a stopping server answers it after one slice ------------------
# One poll thread, no background worker; each claimed item waits while $T/gate exists
# (ESEAL_TEST_JOB_GATE, a test build's hook): a run held there must leave the server answering.
kill -TERM "$PID"; wait "$PID" || fail "exit status after SIGTERM"; PID=
touch "$T/gate"
ESEAL_TEST_JOB_GATE=$T/gate start --threads 1 --job-workers 0 --job-runs 1
for a in clerk approver; do signin "$a" "$PW-${NUM[$a]}"; done
expect_upload 201 clerk "$T/job2.json" "documents=@$T/docs.zip" "esid=$esid"
job2=$(jq -r .id "$T/job2.json")
expect 201 POST /api/v1/use-requests "{\"esid\":\"$esid\",\"doc_sm3\":\"$manifest\",\"purpose\":\"电子证照批量\"}" clerk
req2=$(jq -r .id "$T/body")
expect 200 POST "/api/v1/use-requests/$req2/approve" '{"reason":"同意"}' approver
expect 200 POST "/api/v1/jobs/$job2/authorise" "{\"use_request\":$req2}" clerk
curl -s -o "$T/run2.json" -w '%{http_code}' -b "$T/jar.clerk" -H "X-CSRF-Token: $(cat "$T/csrf.clerk")" \
  -H 'Content-Type: application/json' --data-binary '{}' "$U/api/v1/jobs/$job2/run" >"$T/run2.code" & R3=$!
for _ in $(seq 600); do
  [ "$(q "SELECT COUNT(*) FROM job_items WHERE job_id = $job2 AND state = 'sealing'")" -ge 1 ] && break
  sleep 0.1
done
[ "$(q "SELECT COUNT(*) FROM job_items WHERE job_id = $job2 AND state = 'sealing'")" = 1 ] || fail "the run claimed no item"
# the run waits at the gate: the one poll thread still answers, a new connection and a kept-alive one
# (before this change the run held the poll thread, and these waited for the whole job)
got=$(curl -s -o "$T/h" -w '%{http_code}' --max-time 60 "$U/healthz") || true
[ "$got" = 200 ] || fail "/healthz while a run seals: $got"
got=$(curl -s -o "$T/j1" -w '%{http_code}' --max-time 60 -b "$T/jar.clerk" "$U/api/v1/jobs/$job2" \
  --next -s -o "$T/j2" -w ' %{http_code}' --max-time 60 -b "$T/jar.clerk" "$U/api/v1/jobs/$job2") || true
[ "$got" = "200 200" ] || fail "the job read while it runs: $got"
jq -e '.state == "running" and .sealing == 1 and .done == 0' "$T/j2" >/dev/null || fail "while held: $(jq -c 'del(.items)' "$T/j2")"
[ ! -s "$T/run2.code" ] || fail "the run answered while held: $(cat "$T/run2.code")"
curl -s "$U/metrics" | grep -q '^eseal_job_runs 1$' || fail "the job-run gauge: $(curl -s "$U/metrics" | grep job_runs)"
# the job-run pool (one thread here) is full: 16 more runs wait in its queue, the next is refused at once
# runq OUT [curl args]: POST the run, the body to OUT, the status printed
runq() { local out=$1; shift; curl -s -o "$out" -w '%{http_code}' -b "$T/jar.clerk" -H "X-CSRF-Token: $(cat "$T/csrf.clerk")" \
  -H 'Content-Type: application/json' --data-binary '{}' "$@" "$U/api/v1/jobs/$job2/run"; }
Q=()
for i in $(seq 16); do runq /dev/null >"$T/queued.$i" & Q+=($!); done
for _ in $(seq 600); do curl -s "$U/metrics" | grep -q '^eseal_job_runs 17$' && break; sleep 0.1; done
curl -s "$U/metrics" | grep -q '^eseal_job_runs 17$' || fail "one run held and 16 queued: $(curl -s "$U/metrics" | grep job_runs)"
got=$(runq "$T/busy.json" -D "$T/busy.h")
[ "$got" = 503 ] && grep -qi '^Retry-After: 5' "$T/busy.h" && jq -e '.error.message | test("job_runs")' "$T/busy.json" >/dev/null ||
  fail "the 18th run: $got $(cat "$T/busy.json")"
# SIGTERM while it runs: once the server says it is stopping, the gate opens; the run ends its slice
# (8 claims), answers with the job still running, and the server exits 0
kill -TERM "$PID"
for _ in $(seq 600); do grep -q "finishing requests in flight" "$T/server.log" && break; sleep 0.1; done
rm -f "$T/gate"
wait "$PID" || fail "exit status after SIGTERM with a run in flight"; PID=
wait "$R3" "${Q[@]}" || true
# the queued runs start no slice on a stopping server: 503, to run again elsewhere or later
for i in $(seq 16); do [ "$(cat "$T/queued.$i")" = 503 ] || fail "queued run $i at the stop: $(cat "$T/queued.$i")"; done
[ "$(cat "$T/run2.code")" = 200 ] || fail "the run cut by the stop: $(cat "$T/run2.code") $(cat "$T/run2.json")"
jq -e --argjson n $((N + 1)) '.state == "running" and .done > 0 and .done + .failed < $n and .sealing == 0' "$T/run2.json" \
  >/dev/null || fail "the run's answer at the stop: $(jq -c 'del(.items)' "$T/run2.json")"
stopped_at=$(jq .done "$T/run2.json")
start --threads 1 --job-workers 0
signin clerk "$PW-1"
expect 200 POST "/api/v1/jobs/$job2/run" '{}' clerk
jq -e --argjson n "$N" '.state == "done" and .done == $n and .failed == 1' "$T/body" >/dev/null ||
  fail "the run resumed after the stop: $(jq -c 'del(.items)' "$T/body")"
[ "$(q "SELECT COUNT(*) FROM usage_records WHERE request_id = $req2")" = "$N" ] || fail "usage records of the resumed job"

"$ESEAL" audit verify --dir "$D" >/dev/null || fail "audit chain"
echo "serve_jobs: $((N + 1)) documents uploaded as a zip; the server killed with -9 after $before, $left items left claimed; $N sealed once each and verified, 1 failed; a held run left the one poll thread answering; 16 runs queued behind it, the 17th refused 503; SIGTERM ended the held run after $stopped_at items and refused the queued ones, resumed to the end"
