#!/usr/bin/env bash
# Batch sealing jobs (docs/batch-jobs.md) through `eseal platform job`, on SQLite and on
# PostgreSQL (a throwaway cluster from tests/platform/pg.sh; skipped when PostgreSQL is not
# installed, unless ESEAL_TEST_REQUIRE_PG is set): a job of OFDs, a PDF and one file that is
# no document, under one use request for its manifest; two workers at once, killed with -9
# again and again and started anew, then a resume with --reclaim. Afterwards every
# document is sealed exactly once (one usage record per item, none for the failed one),
# every sealed copy verifies with `eseal verify` (platform anchors and status list), the
# audit chain is intact; the refusals (role, unit, missing or foreign use request,
# cancelled job) give exit code 4, bad input 3.
set -euo pipefail
ESEAL=$1
HERE=$(cd "$(dirname "$0")" && pwd)
command -v jq >/dev/null && command -v sqlite3 >/dev/null || { echo "jq and sqlite3 are needed (scripts/deps.sh)"; exit 77; }
T=$(mktemp -d /tmp/eseal-cli-batch.XXXXXX)
PGDIR=
WORKERS=()
cleanup() {
  for w in "${WORKERS[@]}"; do kill -9 "$w" 2>/dev/null || true; done
  [ -n "$PGDIR" ] && bash "$HERE/../platform/pg.sh" stop "$PGDIR"
  rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL ($LABEL): $*" >&2; exit 1; }
N=${ESEAL_BATCH_DOCS:-80}

# ---- the documents (the same for both backends) ------------------------------------------------
mkdir -p "$T/docs"
for i in $(seq -w 1 "$N"); do
  "$ESEAL" ofd make -o "$T/docs/licence-$i.ofd" --title 营业执照 "营业执照 第 $i 号" "名称：福州甲有限公司" >/dev/null
done
python3 "$(dirname "$0")/lib/mkpdf.py" "$T/docs/contract.pdf" "Contract: the buyer seals here"
printf 'not a document\n' >"$T/docs/zz-notes.txt"
TOTAL=$((N + 2))
VALID=$((N + 1))
mkdir -p "$T/empty" "$T/one"
cp "$T/docs/licence-$(printf %0${#N}d 1).ofd" "$T/one/"

suite() {
  LABEL=$1
  local store=${2:-}
  D=$T/$LABEL
  EPARGS=(--dir "$D")
  [ -n "$store" ] && EPARGS+=(--store "$store")
  # q SQL: one value from the store
  q() {
    if [ -n "$store" ]; then psql "${store#postgres:}" -XAtc "$1"; else sqlite3 "$D/platform.db" "$1"; fi
  }
  source "$HERE/lib/signin.sh"
  e init >/dev/null
  e region add 350000 福建省 >/dev/null
  e region add 350100 福州市 >/dev/null
  printf 'name,credit_code,region,legal_rep\n福州甲有限公司,91350100100000067Q,350100,赵一\n福州乙有限公司,91350100100000075K,350100,钱二\n' >"$T/feed.csv"
  "$ESEAL" registry import "${EPARGS[@]}" "$T/feed.csv" >/dev/null
  local unit unit2 esid esid2
  unit=$(q "SELECT id FROM units WHERE credit_code = '91350100100000067Q'")
  unit2=$(q "SELECT id FROM units WHERE credit_code = '91350100100000075K'")
  esid=$(q "SELECT esid FROM seals WHERE unit_id = $unit AND state = 'active'")
  esid2=$(q "SELECT esid FROM seals WHERE unit_id = $unit2 AND state = 'active'")
  [ ${#esid} = 14 ] && [ ${#esid2} = 14 ] || fail "registry import made no active seals ($esid $esid2)"
  e account add clerk --roles applicant --unit "$unit" >/dev/null
  e account add other --roles applicant --unit "$unit2" >/dev/null
  e account add approver --roles use-approver >/dev/null
  e account add reviewer --roles reviewer >/dev/null

  # ---- bad input (3) and refusals (4) --------------------------------------------------------
  local rc
  rc=0; e --as clerk job create "$esid" "$T/empty" >/dev/null 2>&1 || rc=$?; [ $rc = 3 ] || fail "empty folder: $rc"
  rc=0; e --as clerk job create 123 "$T/one" >/dev/null 2>&1 || rc=$?; [ $rc = 3 ] || fail "bad esID: $rc"
  rc=0; e --as clerk job create "$esid" "$T/one" --placement diagonal >/dev/null 2>&1 || rc=$?; [ $rc = 3 ] || fail "placement: $rc"
  rc=0; e --as clerk job create "$esid" "$T/one" --placement keyword >/dev/null 2>&1 || rc=$?; [ $rc = 3 ] || fail "no keyword: $rc"
  rc=0; e --as clerk job create "$esid" "$T/one" --x -5 >/dev/null 2>&1 || rc=$?; [ $rc = 3 ] || fail "negative x: $rc"
  rc=0; e --as clerk job show 0 >/dev/null 2>&1 || rc=$?; [ $rc = 3 ] || fail "job 0: $rc"
  rc=0; e --as reviewer job create "$esid" "$T/one" >/dev/null 2>&1 || rc=$?; [ $rc = 4 ] || fail "reviewer: $rc"
  rc=0; e --as other job create "$esid" "$T/one" >/dev/null 2>&1 || rc=$?; [ $rc = 4 ] || fail "another unit's seal: $rc"

  # ---- the job, its use request, the refusals before it runs -----------------------------------
  e --as clerk --json job create "$esid" "$T/docs" --x 100 --y 120 --reason 电子证照 >"$T/create.json" ||
    fail "job create: $(cat "$T/create.json")"
  local job manifest req other_req
  job=$(jq -r .job "$T/create.json")
  manifest=$(jq -r .manifest_sm3 "$T/create.json")
  [ "$(jq -r .documents "$T/create.json")" = "$TOTAL" ] || fail "documents: $(cat "$T/create.json")"
  # the manifest is SM3 over the documents' SM3s in name order
  local want
  want=$(for f in $(ls "$T/docs"); do openssl dgst -sm3 -binary "$T/docs/$f"; done | openssl dgst -sm3 -r | cut -c1-64)
  [ "$manifest" = "$want" ] || fail "manifest $manifest, expected $want"
  rc=0; e --as clerk job run "$job" >"$T/x" 2>&1 || rc=$?; [ $rc = 4 ] || fail "run before authorise: $rc"
  grep -q "no use request" "$T/x" || fail "run before authorise: $(cat "$T/x")"
  other_req=$(e --as clerk --json use request "$esid" --document "$T/one/$(ls "$T/one")" --purpose 别的 | jq -r .request)
  e --as approver use approve "$other_req" >/dev/null
  rc=0; e --as clerk job authorise "$job" --request "$other_req" >"$T/x" 2>&1 || rc=$?
  [ $rc = 4 ] && grep -q "manifest" "$T/x" || fail "a request of another document: $rc $(cat "$T/x")"
  req=$(e --as clerk --json use request "$esid" --sm3 "$manifest" --purpose 电子证照批量 | jq -r .request)
  rc=0; e --as clerk job authorise "$job" --request "$req" >/dev/null 2>&1 || rc=$?; [ $rc = 4 ] || fail "unapproved: $rc"
  e --as approver use approve "$req" >/dev/null
  rc=0; e --as approver job authorise "$job" --request "$req" >/dev/null 2>&1 || rc=$?; [ $rc = 4 ] || fail "not the owner: $rc"
  rc=0; e --as other job show "$job" >/dev/null 2>&1 || rc=$?; [ $rc = 4 ] || fail "another account reads it: $rc"
  e --as clerk job authorise "$job" --request "$req" >/dev/null
  [ "$(e --as clerk use state "$req")" = "request $req used" ] || fail "the request is used up by the job"

  # ---- two workers, killed with -9 and started anew -----------------------------------------------
  local pwfile kills=0 mid=0 done_now state
  pwfile=$(pwf clerk)
  # a test build holds each claimed item 25 ms (ESEAL_TEST_JOB_ITEM_MS, src/platform/batch.c), so
  # the kills land while the job runs and while a worker holds a claim, on a machine of any speed
  worker() { ESEAL_TEST_JOB_ITEM_MS=25 "$ESEAL" platform "${EPARGS[@]}" --as clerk --password-file "$pwfile" job run "$job" >>"$T/workers.log" 2>&1 & WORKERS+=($!); }
  worker; worker
  for _ in 1 2 3 4 5 6; do
    sleep "0.$((2 + RANDOM % 4))"
    state=$(e --as clerk --json job show "$job" | jq -r '"\(.state) \(.done + .failed)"')
    [ "${state%% *}" = running ] || break
    if kill -9 "${WORKERS[0]}" 2>/dev/null; then
      kills=$((kills + 1))
      [ "${state#* }" -lt "$TOTAL" ] && mid=$((mid + 1))
    fi
    wait "${WORKERS[0]}" 2>/dev/null || true
    WORKERS=("${WORKERS[@]:1}")
    worker
  done
  if [ "${ESEAL_TEST_CLOCK:-1}" = 1 ]; then
    [ $mid -ge 1 ] || fail "no worker was killed while the job ran (N=$N)"
  fi
  for w in "${WORKERS[@]}"; do wait "$w" || fail "a worker failed: $(tail -5 "$T/workers.log")"; done
  WORKERS=()
  local stuck
  stuck=$(q "SELECT COUNT(*) FROM job_items WHERE job_id = $job AND state = 'sealing'")
  # the killed workers' items stay claimed until their lease ends: --reclaim takes them now
  e --as clerk --json job run "$job" --reclaim >"$T/resume.json" || fail "resume: $(cat "$T/resume.json")"
  e --as clerk --json job show "$job" >"$T/show.json"
  jq -e --argjson v "$VALID" '.state == "done" and .done == $v and .failed == 1 and .pending == 0 and .sealing == 0' \
    "$T/show.json" >/dev/null || fail "job after resume: $(jq -c 'del(.items)' "$T/show.json")"
  jq -e '[.items[] | select(.state == "failed")][0] | .name == "zz-notes.txt" and (.error | test("neither"))' \
    "$T/show.json" >/dev/null || fail "the failed item: $(jq -c '[.items[] | select(.state == "failed")]' "$T/show.json")"

  # ---- exactly once: one usage record per sealed item, each item's own ------------------------------
  local nuse ndistinct nseal retaken
  nuse=$(q "SELECT COUNT(*) FROM usage_records WHERE request_id = $req")
  ndistinct=$(q "SELECT COUNT(DISTINCT u.id) FROM usage_records u JOIN job_items i ON i.usage_id = u.id WHERE i.job_id = $job AND u.doc_hash = i.doc_hash AND u.out_hash = i.out_hash")
  nseal=$(q "SELECT COUNT(*) FROM usage_records WHERE esid = '$esid'")
  [ "$nuse" = "$VALID" ] && [ "$ndistinct" = "$VALID" ] && [ "$nseal" = "$((VALID))" ] ||
    fail "usage records: $nuse under the request, $ndistinct matching items, $nseal of the seal; want $VALID each"
  retaken=$(jq '[.items[] | select(.attempts > 1)] | length' "$T/show.json")

  # ---- the results verify -------------------------------------------------------------------------
  e --as clerk job results "$job" -o "$T/out-$LABEL" >/dev/null
  e status list -o "$T/status.json" >/dev/null
  [ "$(ls "$T/out-$LABEL" | grep -vc '^results.json$')" = "$VALID" ] || fail "results: $(ls "$T/out-$LABEL" | wc -l) files"
  for f in "$T/out-$LABEL"/*; do
    [ "$(basename "$f")" = results.json ] && continue
    "$ESEAL" verify "$f" --trust "$D/trust" --status "$T/status.json" >"$T/v.txt" 2>&1 || fail "verify $(basename "$f"): $(head -5 "$T/v.txt")"
  done
  cmp <(jq -S . "$T/out-$LABEL/results.json") <(jq -S . "$T/show.json") >/dev/null || fail "results.json differs from job show --json"

  # ---- cancel, and a cancelled job seals nothing ------------------------------------------------------
  rc=0; e --as clerk job cancel "$job" >/dev/null 2>&1 || rc=$?; [ $rc = 4 ] || fail "cancel a finished job: $rc"
  local job2 req2 m2
  e --as clerk --json job create "$esid" "$T/one" >"$T/c2.json"
  job2=$(jq -r .job "$T/c2.json"); m2=$(jq -r .manifest_sm3 "$T/c2.json")
  req2=$(e --as clerk --json use request "$esid" --sm3 "$m2" --purpose 取消 | jq -r .request)
  e --as approver use approve "$req2" >/dev/null
  e --as clerk job authorise "$job2" --request "$req2" >/dev/null
  e --as clerk job cancel "$job2" >/dev/null
  e --as clerk --json job run "$job2" >"$T/r2.json"
  jq -e '.sealed == 0 and .state == "cancelled"' "$T/r2.json" >/dev/null || fail "a cancelled job ran: $(cat "$T/r2.json")"
  [ "$(q "SELECT COUNT(*) FROM usage_records WHERE request_id = $req2")" = 0 ] || fail "a cancelled job left a usage record"

  "$ESEAL" audit verify "${EPARGS[@]}" >/dev/null || fail "audit chain"
  [ "$(q "SELECT COUNT(*) FROM audit_log WHERE event = 'job-finish'")" = 1 ] || fail "job-finish audited once"
  echo "$LABEL: $TOTAL documents, $kills workers killed with -9 ($mid mid-job), $stuck items left claimed, $retaken taken again; $VALID sealed once each, 1 failed"
}

suite sqlite

source "$HERE/lib/pg_suite.sh"
pg_suite batch suite
