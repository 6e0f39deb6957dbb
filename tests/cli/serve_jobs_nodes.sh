#!/usr/bin/env bash
# Batch jobs sealed by the servers themselves (docs/batch-jobs.md, "Workers in the server"):
# two `eseal serve` nodes on one store, on SQLite and on PostgreSQL (a throwaway cluster from
# tests/platform/pg.sh; skipped when PostgreSQL is not installed, unless ESEAL_TEST_REQUIRE_PG
# is set). A zip of $ESEAL_NODES_DOCS documents (100 in make check, 2 000 in make check-long)
# is uploaded to node A and authorised; nobody calls /run: the nodes' background workers seal
# it. Node A is killed with -9 while it holds claims; node B takes over, A's claimed items
# after their lease (job_lease_s 5); A is started again and works too. Then: every document
# sealed exactly once (one usage record per item, each matching its item's SM3s), a long-poll
# on node B saw the progress node A made, an event stream (SSE) from node B followed the job to
# its end, GET /api/v1/jobs lists it (cursor, filters, bad
# cursor and limit), another account cannot read it, bad wait/since values are refused, the
# results zip verifies; retention (POST /api/v1/jobs/run with job_retention_days, the test
# clock moved on) purges it: its results answer 410 and the job says purged_at; GET
# /api/v1/webhooks lists subscriptions to administrators only; the audit chain is intact.
set -euo pipefail
ESEAL=$1
HERE=$(cd "$(dirname "$0")" && pwd)
command -v curl >/dev/null && command -v jq >/dev/null && command -v sqlite3 >/dev/null && command -v unzip >/dev/null ||
  { echo "curl, jq, sqlite3 and unzip are needed (scripts/deps.sh)"; exit 77; }
[ "${ESEAL_TEST_CLOCK:-1}" = 1 ] || { echo "skipped: this build ignores ESEAL_FAKE_NOW (retention)"; exit 77; }
T=$(mktemp -d /tmp/eseal-cli-jobs-nodes.XXXXXX)
PGDIR=
declare -A PID=()
cleanup() {
  for n in "${!PID[@]}"; do [ -n "${PID[$n]}" ] && kill -9 "${PID[$n]}" 2>/dev/null; done
  wait 2>/dev/null || true
  [ -n "$PGDIR" ] && bash "$HERE/../platform/pg.sh" stop "$PGDIR"
  rm -rf "$T"
}
trap cleanup EXIT
LABEL=setup
fail() { echo "FAIL ($LABEL): $*" >&2; for f in "$T"/*.log; do [ -f "$f" ] && { echo "== $f" >&2; grep -v '"route"' "$f" | tail -8 >&2; }; done; exit 1; }
N=${ESEAL_NODES_DOCS:-100}

# ---- the zip (the same for both stores): N small OFDs, made 20 at a time and copied ----------------
mkdir -p "$T/src" "$T/z"
for i in $(seq -w 1 20); do
  "$ESEAL" ofd make -o "$T/src/$i.ofd" --title 营业执照 "营业执照 第 $i 号" >/dev/null
done
python3 - "$T/src" "$T/docs.zip" "$N" <<'PY'
import os, sys, zipfile
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
bases = sorted(os.listdir(src))
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(n):
        z.write(os.path.join(src, bases[i % len(bases)]), "licence-%05d.ofd" % (i + 1))
PY

suite() {
  LABEL=$1
  local store=${2:-}
  D=$T/$LABEL
  EPARGS=(--dir "$D")
  SARGS=(--dir "$D")
  [ -n "$store" ] && EPARGS+=(--store "$store") && SARGS+=(--store "$store")
  q() {
    if [ -n "$store" ]; then psql "${store#postgres:}" -XAtc "$1"; else sqlite3 "$D/platform.db" "$1"; fi
  }
  source "$HERE/lib/signin.sh"
  e init >/dev/null
  e region add 350000 福建省 >/dev/null
  e region add 350100 福州市 >/dev/null
  printf 'name,credit_code,region,legal_rep\n福州甲有限公司,91350100100000067Q,350100,赵一\n福州乙有限公司,91350100100000075K,350100,钱二\n' >"$T/feed.csv"
  "$ESEAL" registry import "${EPARGS[@]}" "$T/feed.csv" >/dev/null
  local unit unit2 esid
  unit=$(q "SELECT id FROM units WHERE credit_code = '91350100100000067Q'")
  unit2=$(q "SELECT id FROM units WHERE credit_code = '91350100100000075K'")
  esid=$(q "SELECT esid FROM seals WHERE unit_id = $unit AND state = 'active'")
  e account add clerk --roles applicant --unit "$unit" >/dev/null
  e account add other --roles applicant --unit "$unit2" >/dev/null
  e account add approver --roles use-approver >/dev/null
  e account add auditor --roles auditor >/dev/null
  declare -A OTP
  local a
  for a in admin clerk other approver auditor; do OTP[$a]=$(e account otp "$a"); done

  # start NODE: eseal serve with background workers and a short lease; a test build holds each
  # claimed item $ESEAL_TEST_JOB_ITEM_MS ms, 25 here (src/platform/batch.c), so the kill lands mid-job
  start() {
    local n=$1
    rm -f "$T/port.$n"
    ESEAL_TEST_JOB_ITEM_MS=${ITEM_MS:-25} ESEAL_FAKE_NOW=${FAKE_NOW:-} "$ESEAL" serve "${SARGS[@]}" --listen 127.0.0.1:0 \
      --threads 2 --job-workers 2 --job-lease-s 5 --job-poll-ms 200 --job-retention-days 30 \
      --port-file "$T/port.$n" 2>>"$T/$LABEL-$n.log" &
    PID[$n]=$!
    for _ in $(seq 100); do [ -s "$T/port.$n" ] && break; sleep 0.1; done
    [ -s "$T/port.$n" ] || fail "node $n did not start"
    eval "U$n=http://127.0.0.1:$(cat "$T/port.$n")"
  }
  stop() { local n=$1; [ -n "${PID[$n]:-}" ] && kill "${PID[$n]}" && wait "${PID[$n]}" 2>/dev/null; PID[$n]=; }
  # call NODE METHOD PATH [BODY] WHO: the status printed, the body in $T/body
  call() {
    local node=$1 method=$2 path=$3 body=${4:-} who=${5:-} u
    eval "u=\$U$node"
    local args=(-s -o "$T/body" -w '%{http_code}' -X "$method" -b "$T/jar.$who")
    [ "$method" != GET ] && args+=(-H "X-CSRF-Token: $(cat "$T/csrf.$who")")
    [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
    curl "${args[@]}" "$u$path"
  }
  expect() { local want=$1; shift; local got; got=$(call "$@"); [ "$got" = "$want" ] || { head -c 600 "$T/body" >&2; fail "expected $want, got $got: $*"; }; }
  signin() {
    local who=$1 pw=$2 got
    got=$(curl -s -o "$T/body" -w '%{http_code}' -c "$T/jar.$who" -H 'Content-Type: application/json' \
      --data-binary "{\"login\":\"$who\",\"password\":\"$pw\"}" "$UA/api/v1/session")
    [ "$got" = 200 ] || { cat "$T/body" >&2; fail "sign-in of $who: $got"; }
    jq -r .csrf_token "$T/body" >"$T/csrf.$who"
  }
  start A
  start B
  local PW=Nodes-Platform-2026 i=0
  for a in admin clerk other approver auditor; do
    i=$((i + 1))
    signin "$a" "${OTP[$a]}"
    expect 200 A POST /api/v1/password "{\"login\":\"$a\",\"old_password\":\"${OTP[$a]}\",\"new_password\":\"$PW-$i\"}" "$a"
    signin "$a" "$PW-$i"
  done

  # ---- the job: uploaded to A, authorised; nobody calls /run -------------------------------------
  local got job manifest req
  got=$(curl -s -o "$T/job.json" -w '%{http_code}' -b "$T/jar.clerk" -H "X-CSRF-Token: $(cat "$T/csrf.clerk")" \
    -F "documents=@$T/docs.zip" -F "esid=$esid" -F x_mm=100 -F y_mm=120 -F reason=电子证照 "$UA/api/v1/jobs")
  [ "$got" = 201 ] || fail "upload: $got $(head -c 300 "$T/job.json")"
  job=$(jq -r .id "$T/job.json")
  manifest=$(jq -r .manifest_sm3 "$T/job.json")
  # queued and not authorised: no worker touches it
  sleep 0.5
  [ "$(q "SELECT COUNT(*) FROM job_items WHERE job_id = $job AND state <> 'pending'")" = 0 ] || fail "a worker ran an unauthorised job"
  # the long-poll answers at once for a job that is not running yet? no: it waits its time, then answers
  expect 200 B GET "/api/v1/jobs/$job?wait=1&since=0" "" clerk
  jq -e '.state == "queued" and .done == 0' "$T/body" >/dev/null || fail "long-poll on a queued job: $(jq -c 'del(.items)' "$T/body")"
  # bad long-poll values, unknown job, another unit's account
  expect 422 B GET "/api/v1/jobs/$job?wait=31" "" clerk
  expect 422 B GET "/api/v1/jobs/$job?wait=-1" "" clerk
  expect 422 B GET "/api/v1/jobs/$job?wait=abc" "" clerk
  expect 422 B GET "/api/v1/jobs/$job?wait=2&since=x" "" clerk
  expect 422 B GET "/api/v1/jobs/$job?since=3" "" clerk
  expect 422 B GET "/api/v1/jobs/$job?colour=red" "" clerk
  expect 404 B GET "/api/v1/jobs/99999?wait=5" "" clerk
  expect 403 B GET "/api/v1/jobs/$job?wait=5" "" other
  expect 201 A POST /api/v1/use-requests "{\"esid\":\"$esid\",\"doc_sm3\":\"$manifest\",\"purpose\":\"电子证照批量\"}" clerk
  req=$(jq -r .id "$T/body")
  expect 200 A POST "/api/v1/use-requests/$req/approve" '{"reason":"同意"}' approver
  expect 404 B GET /api/v1/jobs/99999/events "" clerk
  expect 403 B GET "/api/v1/jobs/$job/events" "" other
  # Server-Sent Events from node B while the job runs (the events come from the store)
  curl -s -N -D "$T/sse.headers" -o "$T/sse.txt" --max-time 400 -b "$T/jar.clerk" "$UB/api/v1/jobs/$job/events" &
  local sse=$!
  expect 200 A POST "/api/v1/jobs/$job/authorise" "{\"use_request\":$req}" clerk

  # ---- the servers seal it; node A killed with -9 while it holds claims ----------------------------
  local claimed_a=0 done_before
  for _ in $(seq 300); do
    done_before=$(q "SELECT COUNT(*) FROM job_items WHERE job_id = $job AND state = 'done'")
    [ "$done_before" -ge 20 ] && break
    sleep 0.1
  done
  [ "$done_before" -ge 20 ] || fail "the background workers sealed nothing: $done_before"
  kill -9 "${PID[A]}"; wait "${PID[A]}" 2>/dev/null || true; PID[A]=
  done_before=$(q "SELECT COUNT(*) FROM job_items WHERE job_id = $job AND state = 'done'")
  [ "$done_before" -lt "$N" ] || fail "the job ended before node A was killed (N=$N too small)"
  # a long-poll on node B sees the progress made from then on (by B, and by A once it is back)
  local t0 t1
  t0=$(date +%s)
  expect 200 B GET "/api/v1/jobs/$job?wait=30&since=$done_before" "" clerk
  t1=$(date +%s)
  jq -e --argjson s "$done_before" '.finished > $s or .state == "done"' "$T/body" >/dev/null ||
    fail "the long-poll answered without progress: $(jq -c 'del(.items)' "$T/body")"
  [ $((t1 - t0)) -lt 30 ] || fail "the long-poll waited its whole time although the job moved"
  start A
  # wait for the end through long-polls (each answers on progress), on either node
  local since=0 polls=0 node
  for _ in $(seq 200); do
    node=$([ $((polls % 2)) = 0 ] && echo A || echo B)
    expect 200 "$node" GET "/api/v1/jobs/$job?wait=20&since=$since" "" clerk
    polls=$((polls + 1))
    since=$(jq .finished "$T/body")
    [ "$(jq -r .state "$T/body")" = done ] && break
  done
  jq -e --argjson n "$N" '.state == "done" and .done == $n and .failed == 0 and .sealing == 0 and .pending == 0' "$T/body" >/dev/null ||
    fail "the job did not end sealed: $(jq -c 'del(.items)' "$T/body")"
  wait "$sse" || fail "the event stream did not end when the job did: $(tail -c 300 "$T/sse.txt")"
  grep -qi '^Content-Type: text/event-stream' "$T/sse.headers" || fail "event stream type: $(cat "$T/sse.headers")"
  local events
  events=$(grep -c '^event: progress' "$T/sse.txt")
  [ "$events" -ge 3 ] || fail "$events progress events: $(head -c 600 "$T/sse.txt")"
  sed -n 's/^data: //p' "$T/sse.txt" | jq -s -e --argjson n "$N" \
    '(.[:-1] | map(.finished) | . == sort) and (.[-2].finished == $n and .[-2].state == "done") and .[-1].reason == "done"' >/dev/null ||
    fail "the events: $(sed -n 's/^data: //p' "$T/sse.txt" | tail -3)"
  [ "$(tail -3 "$T/sse.txt" | head -1)" = "event: end" ] || fail "the stream's last event: $(tail -3 "$T/sse.txt")"
  local retaken
  retaken=$(jq '[.items[] | select(.attempts > 1)] | length' "$T/body")
  # exactly once: one usage record per item, each the item's own (input and output SM3)
  [ "$(q "SELECT COUNT(*) FROM usage_records WHERE request_id = $req")" = "$N" ] || fail "usage records: $(q "SELECT COUNT(*) FROM usage_records WHERE request_id = $req"), want $N"
  [ "$(q "SELECT COUNT(DISTINCT usage_id) FROM job_items WHERE job_id = $job")" = "$N" ] || fail "usage ids not distinct"
  [ "$(q "SELECT COUNT(*) FROM job_items i JOIN usage_records g ON g.id = i.usage_id WHERE i.job_id = $job AND g.doc_hash = i.doc_hash")" = "$N" ] ||
    fail "a usage record does not match its item's document"
  [ "$(q "SELECT COUNT(*) FROM audit_log WHERE event = 'job-finish'")" = 1 ] || fail "job-finish audited once"

  # ---- the list: own jobs, filters, cursor, bad input --------------------------------------------------
  got=$(curl -s -o "$T/job2.json" -w '%{http_code}' -b "$T/jar.clerk" -H "X-CSRF-Token: $(cat "$T/csrf.clerk")" \
    -F "documents=@$T/docs.zip" -F "esid=$esid" "$UB/api/v1/jobs")
  [ "$got" = 201 ] || fail "second upload: $got"
  local job2
  job2=$(jq -r .id "$T/job2.json")
  expect 200 B GET "/api/v1/jobs?limit=1" "" clerk
  jq -e --argjson j "$job" '(.items | length) == 1 and .items[0].id == $j and .items[0].done > 0 and .next != null' "$T/body" >/dev/null ||
    fail "list page 1: $(cat "$T/body")"
  local next
  next=$(jq -r .next "$T/body")
  expect 200 B GET "/api/v1/jobs?limit=1&after=$next" "" clerk
  jq -e --argjson j "$job2" '(.items | length) == 1 and .items[0].id == $j and .items[0].state == "queued" and .next == null' "$T/body" >/dev/null ||
    fail "list page 2: $(cat "$T/body")"
  expect 200 A GET "/api/v1/jobs?state=done" "" clerk
  jq -e --argjson j "$job" '[.items[].id] == [$j]' "$T/body" >/dev/null || fail "list ?state=done: $(cat "$T/body")"
  expect 200 A GET "/api/v1/jobs?esid=$esid&state=queued" "" clerk
  jq -e --argjson j "$job2" '[.items[].id] == [$j]' "$T/body" >/dev/null || fail "list ?esid&state: $(cat "$T/body")"
  expect 200 A GET /api/v1/jobs "" other
  jq -e '.items == []' "$T/body" >/dev/null || fail "another unit's account lists: $(cat "$T/body")"
  expect 200 A GET /api/v1/jobs "" auditor
  jq -e '(.items | length) == 2' "$T/body" >/dev/null || fail "the auditor lists: $(cat "$T/body")"
  expect 422 A GET "/api/v1/jobs?after=abc" "" clerk
  expect 422 A GET "/api/v1/jobs?limit=501" "" clerk
  expect 422 A GET "/api/v1/jobs?limit=0" "" clerk
  expect 422 A GET "/api/v1/jobs?wait=3" "" clerk
  # the command line too (with the password set above: a new one-time password would end the sessions)
  printf '%s\n' "$PW-2" >"$T/pw.clerk"
  "$ESEAL" platform "${EPARGS[@]}" --as clerk --password-file "$T/pw.clerk" --json job list --state done >"$T/cli-list.json" ||
    fail "job list: $(cat "$T/cli-list.json")"
  jq -e --argjson j "$job" '[.items[].id] == [$j]' "$T/cli-list.json" >/dev/null || fail "job list: $(cat "$T/cli-list.json")"
  expect 200 A POST "/api/v1/jobs/$job2/cancel" "" clerk

  # ---- the results verify --------------------------------------------------------------------------
  got=$(curl -s -o "$T/results.zip" -w '%{http_code}' -b "$T/jar.clerk" "$UB/api/v1/jobs/$job/results")
  [ "$got" = 200 ] || fail "results: $got"
  rm -rf "$T/res" && mkdir "$T/res" && (cd "$T/res" && unzip -q "$T/results.zip")
  [ "$(ls "$T/res" | grep -c '\.ofd$')" = "$N" ] || fail "results zip: $(ls "$T/res" | wc -l) files"
  e status list -o "$T/status.json" >/dev/null
  local f
  for f in "$T/res/licence-00001.ofd" "$T/res/licence-$(printf %05d "$N").ofd"; do
    "$ESEAL" verify "$f" --trust "$D/trust" --status "$T/status.json" >"$T/v.txt" 2>&1 || fail "verify $(basename "$f"): $(head -5 "$T/v.txt")"
  done

  # ---- webhooks: the list, administrators only ----------------------------------------------------------
  expect 201 A POST /api/v1/webhooks "{\"url\":\"http://127.0.0.1:9/h\",\"events\":\"job.finished\",\"unit_id\":$unit}" admin
  local hook
  hook=$(jq -r .id "$T/body")
  expect 200 B GET /api/v1/webhooks "" admin
  jq -e --argjson h "$hook" '[.items[] | select(.id == $h and .events == "job.finished" and .url == "http://127.0.0.1:9/h")] | length == 1' "$T/body" >/dev/null ||
    fail "webhook list: $(cat "$T/body")"
  ! grep -q whsec_ "$T/body" || fail "the webhook list shows a secret"
  expect 200 B GET "/api/v1/webhooks/$hook" "" admin
  expect 403 B GET /api/v1/webhooks "" clerk
  expect 422 B GET "/api/v1/webhooks?after=x" "" admin
  expect 200 B DELETE "/api/v1/webhooks/$hook" "" admin
  expect 200 B GET /api/v1/webhooks "" admin
  jq -e --argjson h "$hook" '[.items[] | select(.id == $h)][0].state != "active"' "$T/body" >/dev/null ||
    fail "a removed webhook: $(cat "$T/body")"

  # ---- retention: 31 days on (the test clock), the scheduled job purges the finished jobs ---------------
  expect 200 A POST /api/v1/jobs/run "" admin
  jq -e '.jobs_purged == 0' "$T/body" >/dev/null || fail "purged too early: $(cat "$T/body")"
  stop A
  FAKE_NOW=$(date -u -d "+31 days" +%Y-%m-%dT%H:%M:%SZ) start A
  signin clerk "$PW-2"
  signin admin "$PW-1"
  expect 200 A POST /api/v1/jobs/run "" admin
  jq -e '.jobs_purged == 2' "$T/body" >/dev/null || fail "retention: $(cat "$T/body")"
  expect 410 A GET "/api/v1/jobs/$job/results" "" clerk
  grep -q purged "$T/body" || fail "410 without a reason: $(cat "$T/body")"
  expect 200 A GET "/api/v1/jobs/$job" "" clerk
  jq -e '.purged_at != null and .state == "done"' "$T/body" >/dev/null || fail "a purged job: $(jq -c 'del(.items)' "$T/body")"
  [ "$(q "SELECT COUNT(*) FROM job_items WHERE job_id = $job AND (length(doc) > 0 OR sealed IS NOT NULL)")" = 0 ] || fail "documents left after the purge"
  [ "$(q "SELECT COUNT(*) FROM audit_log WHERE event = 'job-purge'")" = 2 ] || fail "job-purge audited"
  [ "$(q "SELECT COUNT(*) FROM usage_records WHERE request_id = $req")" = "$N" ] || fail "the purge touched the usage records"
  expect 200 A POST /api/v1/jobs/run "" admin
  jq -e '.jobs_purged == 0' "$T/body" >/dev/null || fail "purged twice: $(cat "$T/body")"
  stop A
  stop B
  # the command line: the scheduled job with a retention (nothing left to purge), a bad one, the webhook list
  ESEAL_FAKE_NOW=$(date -u -d "+31 days" +%Y-%m-%dT%H:%M:%SZ) "$ESEAL" jobs run "${EPARGS[@]}" --job-retention-days 30 --json \
    >"$T/jr.json" || fail "jobs run: $(cat "$T/jr.json")"
  jq -e '.jobs_purged == 0' "$T/jr.json" >/dev/null || fail "jobs run purged again: $(cat "$T/jr.json")"
  local rc=0
  "$ESEAL" jobs run "${EPARGS[@]}" --job-retention-days 99999 >/dev/null 2>&1 || rc=$?
  [ $rc = 3 ] || fail "--job-retention-days 99999: exit $rc"
  printf '%s\n' "$PW-1" >"$T/pw.admin"
  "$ESEAL" platform "${EPARGS[@]}" --as admin --password-file "$T/pw.admin" --json webhook list >"$T/wl.json" ||
    fail "webhook list: $(cat "$T/wl.json")"
  jq -e --argjson h "$hook" '[.items[].id] == [$h]' "$T/wl.json" >/dev/null || fail "webhook list: $(cat "$T/wl.json")"
  "$ESEAL" audit verify "${EPARGS[@]}" >/dev/null || fail "audit chain"
  echo "$LABEL: $N documents sealed by two nodes' workers, node A killed with -9 after $done_before; $retaken items taken again after their lease; each sealed once; $polls long-polls, $events progress events; list, retention (410) and webhooks checked"
}

suite sqlite

source "$HERE/lib/pg_suite.sh"
pg_suite nodes suite
