#!/usr/bin/env bash
# eseal platform / jobs / registry end to end from the command line (SQLite).
set -euo pipefail
ESEAL=$1
T=$(mktemp -d /tmp/eseal-cli-platform.XXXXXX)
trap 'rm -rf "$T"' EXIT
export ESEAL_PLATFORM_DIR=$T/p
export ESEAL_FAKE_NOW=2026-01-01T00:00:00Z
# the fake clock works in test builds only (ES_TEST_CLOCK); a release build ignores it
[ "${ESEAL_TEST_CLOCK:-1}" = 1 ] || { echo "skipped: this build ignores ESEAL_FAKE_NOW"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
source "$(dirname "$0")/lib/signin.sh"
expect_rc() { local want=$1; shift; set +e; "$@" >"$T/out" 2>"$T/err"; local rc=$?; set -e
  [ "$rc" -eq "$want" ] || { cat "$T/out" "$T/err" >&2; fail "expected exit $want, got $rc: $*"; }; }

# into a file: grep -q quits at the first match, and a help longer than the pipe buffer then dies of SIGPIPE
"$ESEAL" platform --help >"$T/help"; grep -q "eseal platform" "$T/help" || fail "help"
"$ESEAL" jobs --help >"$T/help"; grep -q "jobs run" "$T/help" || fail "jobs help"
"$ESEAL" registry --help >"$T/help"; grep -q "registry import" "$T/help" || fail "registry help"
e init >/dev/null
[ -f "$T/p/trust/root.crt" ] || fail "trust anchor"
[ "$(stat -c %a "$T/p/master.key")" = 600 ] || fail "master key mode"
e region add 350000 福建省 >/dev/null
e region add 350100 福州市 >/dev/null
expect_rc 3 e --as admin region add 350201 思明区   # parent 350200 missing: ES_ENOTFOUND
grep -q "parent region 350200" "$T/err" || fail "parent message"
unit=$(e --as admin --json unit add --name 福建省测试厅 --credit-code 91350100100000016G --region 350000 | sed -n 's/.*"unit": \([0-9]*\).*/\1/p')
[ -n "$unit" ] || fail "unit add"
expect_rc 3 e --as admin unit add --name 坏 --credit-code 91350100100000016H --region 350000
grep -q "credit code" "$T/err" || fail "bad credit code message"
e --as admin account add maker --roles maker >/dev/null
e --as admin account add reviewer --roles reviewer >/dev/null
e --as admin account add app1 --roles applicant --unit "$unit" >/dev/null
e --as admin account add aud --roles auditor >/dev/null
expect_rc 4 e --as maker region add 350200 厦门市
grep -q "needs the role sysadmin" "$T/err" || fail "role message"
# the cost of new password hashes: $ESEAL_PASSWORD_COST (make check sets 2000), checked
want_cost=${ESEAL_PASSWORD_COST:-120000}
command -v sqlite3 >/dev/null && { sqlite3 "$T/p/platform.db" "SELECT hash FROM credentials" | grep -qF "pbkdf2-sm3\$$want_cost\$" ||
  fail "no password hash at cost $want_cost: $(sqlite3 "$T/p/platform.db" "SELECT substr(hash, 1, 20) FROM credentials")"; }
ESEAL_PASSWORD_COST=12 expect_rc 3 e account otp maker
grep -q "ESEAL_PASSWORD_COST must be a number of iterations from 1000 to 10000000" "$T/err" || fail "a bad cost: $(cat "$T/err")"
ESEAL_PASSWORD_COST=2k expect_rc 3 e account otp maker
person=$(e --as app1 --json person add --name 李四 --id 350102198001010011 --mobile 13912345678 | sed -n 's/.*"person": \([0-9]*\).*/\1/p')
e --as aud person show "$person" | grep -q '350102\*\*\*\*\*\*\*\*0011' || fail "masked for auditor"
e --as maker person show "$person" | grep -q '350102198001010011' || fail "clear for maker"
expect_rc 3 e --as app1 person add --name 错 --id 350102198001010012
app=$(e --as app1 --json app create --unit "$unit" --name 福建省测试厅 --handler 王五 \
  --handler-mobile 13800000000 --handler-id 350102199002020021 | sed -n 's/.*"application": \([0-9]*\).*/\1/p')
[ -n "$app" ] || fail "app create"
printf 'letter' >"$T/letter.pdf"
e --as app1 app attach "$app" --kind letter "$T/letter.pdf" >/dev/null
e --as app1 app submit "$app" >/dev/null
expect_rc 4 e --as app1 app check "$app"
e --as maker app check "$app" >/dev/null
expect_rc 3 e --as reviewer app reject "$app"
e --as reviewer app reject "$app" --reason 印模不清 >/dev/null
[ "$(e app state "$app")" = rejected ] || fail "rejected"
e --as app1 app submit "$app" >/dev/null
e --as maker app check "$app" >/dev/null
e --as reviewer app approve "$app" >/dev/null
esid=$(e --as maker --json app make "$app" | sed -n 's/.*"esid": "\([0-9]*\)".*/\1/p')
[ "${#esid}" -eq 14 ] || fail "esid '$esid'"
e --as maker app file "$app" >/dev/null
e --as maker app deliver "$app" >/dev/null
expect_rc 4 e --as app1 seal use "$esid"
grep -q "confirm" "$T/err" || fail "confirm message"
e --as app1 seal confirm "$esid" >/dev/null
e --as app1 seal use "$esid" >/dev/null
e status "$esid" | grep -q active || fail "status active"
e --as aud seal export "$esid" -o "$T/s.esl"
"$ESEAL" seal show "$T/s.esl" | grep -q "$esid" || fail "seal show"
# loss: stops at once, published, verifier-compatible list
lapp=$(e --as app1 --json app create --business loss --target "$esid" --reason 丢失 --unit "$unit" --name 福建省测试厅 \
  --handler 王五 --handler-mobile 13800000000 --handler-id 350102199002020021 | sed -n 's/.*"application": \([0-9]*\).*/\1/p')
e --as app1 app submit "$lapp" >/dev/null
e --json status "$esid" | grep -q '"lost"' || fail "lost"
grep -q "$esid" "$T/p/status/status.json" || fail "published"
e status list -o "$T/list.json" >/dev/null
[ -s "$T/list.json.sig" ] || fail "signature"
# the verifier believes the list because the seal's trusted maker signed it: the lost seal is void
expect_rc 1 "$ESEAL" verify "$T/s.esl" --trust "$T/p/trust" --status "$T/list.json"
grep -q "lost since" "$T/out" || fail "lost seal not void: $(cat "$T/out")"
# an edited list (lost changed to active, old signature kept) is not believed
sed 's/"status": "lost"/"status": "active"/' "$T/list.json" >"$T/forged.json"
cmp -s "$T/list.json" "$T/forged.json" && fail "forging the list changed nothing"
expect_rc 2 "$ESEAL" verify "$T/s.esl" --trust "$T/p/trust" --status "$T/forged.json" --status-sig "$T/list.json.sig"
grep -q "does not verify" "$T/out" || fail "forged list: $(cat "$T/out")"
expect_rc 4 e --as app1 seal use "$esid"
# registry import and jobs
printf 'name,credit_code,region,legal_rep\n福州甲有限公司,91350100100000067Q,350100,赵一\n' >"$T/feed.csv"
"$ESEAL" registry import "$T/feed.csv" | grep -q "seals made 1" || fail "registry"
"$ESEAL" registry import "$T/feed.csv" | grep -q "skipped (done before) 1" || fail "registry rerun"
printf '[{"seal_code": "35000000000099", "credit_code": "91350100100000016G", "name": "福建省测试厅", "kind": "official"}]' >"$T/psb.json"
"$ESEAL" registry psb-import "$T/psb.json" --json | grep -q '"imported": 1' || fail "psb import"
expect_rc 4 "$ESEAL" registry psb-import "$T/psb.json" --as app1 --password-file "$(pwf app1)"
ESEAL_FAKE_NOW=2027-01-03T00:00:00Z "$ESEAL" jobs run --json | grep -q '"suspended": 1' || fail "jobs suspend"
expect_rc 4 "$ESEAL" jobs run --as app1 --password-file "$(pwf app1)"
"$ESEAL" platform outbox deliver | grep -q "filings sent" || fail "outbox"
ls "$T/p/outbox/psb" | grep -q json || fail "file drop"
echo "platform CLI OK"
