#!/usr/bin/env bash
# eseal platform use / token, eseal audit verify, eseal backup / restore from the
# command line (SQLite): use approval, PIN lockout, tamper detection, restore.
set -euo pipefail
ESEAL=$1
T=$(mktemp -d /tmp/eseal-cli-audit.XXXXXX)
trap 'rm -rf "$T"' EXIT
export ESEAL_PLATFORM_DIR=$T/p
export ESEAL_FAKE_NOW=2026-01-01T00:00:00Z
# the fake clock works in test builds only (ES_TEST_CLOCK); a release build ignores it
[ "${ESEAL_TEST_CLOCK:-1}" = 1 ] || { echo "skipped: this build ignores ESEAL_FAKE_NOW"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
source "$(dirname "$0")/lib/signin.sh"
expect_rc() { local want=$1; shift; set +e; "$@" >"$T/out" 2>"$T/err"; local rc=$?; set -e
  [ "$rc" -eq "$want" ] || { cat "$T/out" "$T/err" >&2; fail "expected exit $want, got $rc: $*"; }; }
num() { sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p"; }

# help into a file first: grep -q quits early, and a long help then dies of SIGPIPE
helps() { "$ESEAL" "$1" --help >"$T/help"; grep -q "$2" "$T/help" || fail "$1 help"; }
helps audit "audit verify"
helps audit "audit anchor"
helps backup "eseal backup FILE"
helps restore "eseal restore FILE"
e init >/dev/null
e region add 350000 福建省 >/dev/null
unit=$(e --as admin --json unit add --name 福建省测试厅 --credit-code 91350100100000016G --region 350000 | num unit)
e --as admin account add maker --roles maker --region 350000 >/dev/null
e --as admin account add reviewer --roles reviewer >/dev/null
e --as admin account add app1 --roles applicant --unit "$unit" >/dev/null
e --as admin account add ua --roles unit-admin --unit "$unit" >/dev/null
e --as admin account add appr --roles use-approver >/dev/null
e --as admin account add aud --roles auditor >/dev/null
app=$(e --as app1 --json app create --unit "$unit" --name 福建省测试厅 --handler 王五 \
  --handler-mobile 13800000000 --handler-id 350102199002020021 | num application)
e --as app1 app submit "$app" >/dev/null
e --as maker app check "$app" >/dev/null
e --as reviewer app approve "$app" >/dev/null
esid=$(e --as maker --json app make "$app" | sed -n 's/.*"esid": "\([0-9]*\)".*/\1/p')
e --as maker app file "$app" >/dev/null
e --as maker app deliver "$app" >/dev/null
e --as app1 seal confirm "$esid" >/dev/null

# use approval: no request, wrong document, once
printf 'contract one' >"$T/doc1.txt"
printf 'contract two' >"$T/doc2.txt"
expect_rc 3 e --as app1 seal sign "$esid" --document "$T/doc1.txt" -o "$T/s.sig"
req=$(e --as app1 --json use request "$esid" --document "$T/doc1.txt" --purpose 采购合同 | num request)
expect_rc 4 e --as app1 seal sign "$esid" --document "$T/doc1.txt" --request "$req" -o "$T/s.sig"
expect_rc 4 e --as app1 use approve "$req"
e --as appr use approve "$req" >/dev/null
expect_rc 4 e --as app1 seal sign "$esid" --document "$T/doc2.txt" --request "$req" -o "$T/s.sig"
e --as app1 seal sign "$esid" --document "$T/doc1.txt" --request "$req" -o "$T/s.sig" >/dev/null
[ -s "$T/s.sig" ] || fail "signature written"
expect_rc 4 e --as app1 seal sign "$esid" --document "$T/doc1.txt" --request "$req" -o "$T/s2.sig"
[ "$(e use state "$req")" = "request $req used" ] || fail "request used"

# software token: 5 wrong PINs lock it
ESEAL_PIN=user-pin-1 ESEAL_ADMIN_PIN=admin-pin-1 e --as ua token init "$esid" >/dev/null
for i in 1 2 3 4 5; do ESEAL_PIN=wrong-pin-0 expect_rc 4 e --as app1 token check "$esid"; done
e token status "$esid" | grep -q "locked true" || fail "locked"
ESEAL_PIN=user-pin-1 expect_rc 4 e --as app1 token check "$esid"
grep -q "PIN-unlock" "$T/err" || fail "unlock hint"
if grep -rq "wrong-pin-0\|user-pin-1\|admin-pin-1" "$T/p"/*.db* 2>/dev/null; then fail "a PIN in the database"; fi

# audit: intact, then a row edited behind the platform's back
e --as aud --json use state "$req" >/dev/null
"$ESEAL" audit verify --as aud --password-file "$(pwf aud)" | grep -q "audit log intact" || fail "intact"
expect_rc 4 "$ESEAL" audit verify --as app1 --password-file "$(pwf app1)"
"$ESEAL" backup "$T/b.esbk" --as admin --password-file "$(pwf admin)" | grep -q "backup written" || fail "backup"
expect_rc 4 "$ESEAL" backup "$T/b2.esbk" --as app1 --password-file "$(pwf app1)"
[ ! -e "$T/b2.esbk" ] || fail "refused backup written"
# restore into a fresh directory (the master key travels separately)
mkdir -m 700 "$T/r"
cp "$T/p/master.key" "$T/r/master.key"
"$ESEAL" restore "$T/b.esbk" --dir "$T/r" | grep -q "audit log intact" || fail "restore"
ESEAL_PLATFORM_DIR=$T/r "$ESEAL" platform status "$esid" | grep -q active || fail "restored seal"
# one flipped byte, the wrong key: refused, nothing written
cp "$T/b.esbk" "$T/bad.esbk"
half=$(( $(stat -c %s "$T/b.esbk") / 2 ))
byte=$(od -An -tu1 -j "$half" -N1 "$T/b.esbk" | tr -d ' ')
printf "\\$(printf %03o $(( byte ^ 1 )))" | dd of="$T/bad.esbk" bs=1 seek="$half" conv=notrunc status=none
cmp -s "$T/b.esbk" "$T/bad.esbk" && fail "byte not flipped"
mkdir -m 700 "$T/r2"
cp "$T/p/master.key" "$T/r2/master.key"
expect_rc 3 "$ESEAL" restore "$T/bad.esbk" --dir "$T/r2"
grep -q "altered or made with another master key" "$T/err" || fail "tamper message"
[ ! -e "$T/r2/platform.db" ] || fail "tampered restore wrote"
ESEAL_MASTER_KEY=$(printf '%064d' 7) expect_rc 3 "$ESEAL" restore "$T/b.esbk" --dir "$T/r2"
# separation of duties: an account holding applicant and reviewer never approves its own
e --as admin account add self --roles applicant,maker,reviewer --unit "$unit" >/dev/null
app2=$(e --as self --json app create --unit "$unit" --name 福建省测试厅合同专用章 --kind special --function contract \
  --handler 王五 --handler-mobile 13800000000 --handler-id 350102199002020021 | num application)
e --as self app submit "$app2" >/dev/null
expect_rc 4 e --as self app check "$app2"
grep -q "account 'self' filed application $app2 and may not also check it (separation of duties" "$T/err" ||
  fail "self-check message"
e --as maker app check "$app2" >/dev/null
expect_rc 4 e --as self app approve "$app2"
e --as reviewer app approve "$app2" >/dev/null
expect_rc 4 e --as self app make "$app2"
# role refusals name the login; role changes are audited with the old and new roles
expect_rc 4 e --as maker account roles self --roles applicant
grep -q "account 'maker' may not" "$T/err" || fail "refusal names the login"
e --as admin account roles self --roles applicant >/dev/null
[ "$(sqlite3 "$T/p/platform.db" "SELECT detail FROM audit_log WHERE event = 'account-roles'")" = \
  "roles applicant,maker,reviewer -> applicant" ] || fail "role change audited"
# a use request for a revoked seal is refused at once, naming the state
rev=$(e --as app1 --json app create --business revoke --target "$esid" --reason 单位注销 --unit "$unit" \
  --name 福建省测试厅 --handler 王五 --handler-mobile 13800000000 --handler-id 350102199002020021 | num application)
e --as app1 app submit "$rev" >/dev/null
e --as maker app check "$rev" >/dev/null
e --as reviewer app approve "$rev" >/dev/null
e --as maker app make "$rev" >/dev/null
expect_rc 4 e --as app1 use request "$esid" --document "$T/doc2.txt" --purpose 采购合同
grep -q "is revoked" "$T/err" || fail "revoked seal named"

# anchors: signed and time-stamped, kept elsewhere, and proved extended
"$ESEAL" audit anchor --as aud --password-file "$(pwf aud)" -o "$T/anchor.json" | grep -q "audit head: entry" || fail "anchor"
"$ESEAL" audit anchor --as aud --password-file "$(pwf aud)" --json | grep -q '"time_stamp"' || fail "anchor json"
expect_rc 4 "$ESEAL" audit anchor --as app1 --password-file "$(pwf app1)"
"$ESEAL" audit verify --as aud --password-file "$(pwf aud)" --anchor "$T/anchor.json" | grep -q "audit log intact" || fail "extends anchor"
printf '{"format": "x"}' >"$T/bad-anchor.json"
expect_rc 3 "$ESEAL" audit verify --anchor "$T/bad-anchor.json"
[ "$(stat -c %a "$T/p/audit-anchor.json")" = 600 ] || fail "anchor file mode"
# deleting every checkpoint is a break
cp "$T/p/platform.db" "$T/saved.db"
sqlite3 "$T/p/platform.db" "DELETE FROM audit_checkpoints"
expect_rc 1 "$ESEAL" audit verify
grep -q "BROKEN" "$T/out" || fail "missing checkpoints"
cp "$T/saved.db" "$T/p/platform.db"
"$ESEAL" audit verify | grep -q "audit log intact" || fail "intact again"

# tamper with the live log: the first bad entry is named
# (needs python3's sqlite3 module; the unit tests do the same on both backends)
if command -v python3 >/dev/null && python3 -c 'import sqlite3' 2>/dev/null; then
  python3 - "$T/p/platform.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute("UPDATE audit_log SET detail = 'x' WHERE seq = 7"); c.commit()
PY
  expect_rc 1 "$ESEAL" audit verify
  grep -q "BROKEN at entry 7" "$T/out" || fail "first bad entry"
  expect_rc 1 "$ESEAL" audit verify --json
  grep -q '"first_bad": 7' "$T/out" || fail "json first bad"
fi
echo ok
