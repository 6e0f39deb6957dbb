#!/usr/bin/env bash
# eseal platform seal bind-key / key-location / sign from the command line (SQLite):
# a seal whose key is in the software token of another seal signs through the
# key-store interface with $ESEAL_PIN; an unreachable PKCS#11 module is a clear error.
set -euo pipefail
ESEAL=$1
T=$(mktemp -d /tmp/eseal-cli-ks.XXXXXX)
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

e init >/dev/null
e region add 350000 福建省 >/dev/null
unit=$(e --as admin --json unit add --name 福建省测试厅 --credit-code 91350100100000016G --region 350000 | num unit)
e --as admin account add maker --roles maker --region 350000 >/dev/null
e --as admin account add reviewer --roles reviewer >/dev/null
e --as admin account add app1 --roles applicant --unit "$unit" >/dev/null
e --as admin account add ua --roles unit-admin --unit "$unit" >/dev/null
e --as admin account add appr --roles use-approver >/dev/null
mk_seal() {
  local app esid
  app=$(e --as app1 --json app create --unit "$unit" "$@" --handler 王五 \
    --handler-mobile 13800000000 --handler-id 350102199002020021 | num application)
  e --as app1 app submit "$app" >/dev/null
  e --as maker app check "$app" >/dev/null
  e --as reviewer app approve "$app" >/dev/null
  esid=$(e --as maker --json app make "$app" | sed -n 's/.*"esid": "\([0-9]*\)".*/\1/p')
  e --as maker app file "$app" >/dev/null
  e --as maker app deliver "$app" >/dev/null
  e --as app1 seal confirm "$esid" >/dev/null
  echo "$esid"
}
a=$(mk_seal --name 福建省测试厅)
b=$(mk_seal --kind special --function contract --name 福建省测试厅合同专用章)
ESEAL_PIN=hold-pin-1 ESEAL_ADMIN_PIN=hold-admin-1 e --as ua token init "$b" >/dev/null

# bind-key: usage, malformed location, wrong role, unreachable PKCS#11 module
expect_rc 3 e --as ua seal bind-key "$a" -o "$T/a.crt"
expect_rc 3 e --as ua seal bind-key "$a" --location token -o "$T/a.crt"
expect_rc 4 e --as app1 seal bind-key "$a" --location "token:$b" -o "$T/a.crt"
ESEAL_PIN=some-pin-9 expect_rc 3 e --as ua seal bind-key "$a" \
  --location "pkcs11:/nonexistent/libnone-p11.so|tok|key|0x80000101|0x80000001" -o "$T/a.crt"
grep -q "unreachable" "$T/err" || fail "unreachable module message"
grep -q "some-pin-9" "$T/out" "$T/err" && fail "PIN in a message"
[ -z "$(e seal key-location "$a")" ] || fail "unbound seal has a location"

# bind to the software token of seal b (the PIN proves the key is there)
ESEAL_PIN=hold-pin-1 e --as ua seal bind-key "$a" --location "token:$b" -o "$T/a.crt" >/dev/null
[ -s "$T/a.crt" ] || fail "certificate written"
[ "$(e seal key-location "$a")" = "token:$b" ] || fail "key location"
e --json seal key-location "$a" | grep -q "\"location\": \"token:$b\"" || fail "json key location"

# sign: approval needed, PIN from the environment, wrong PIN refused
printf 'contract one' >"$T/doc1.txt"
req=$(e --as app1 --json use request "$a" --document "$T/doc1.txt" --purpose 采购合同 | num request)
ESEAL_PIN=hold-pin-1 expect_rc 4 e --as app1 seal sign "$a" --document "$T/doc1.txt" --request "$req" -o "$T/s.sig"
e --as appr use approve "$req" >/dev/null
ESEAL_PIN=wrong-pin-0 expect_rc 4 e --as app1 seal sign "$a" --document "$T/doc1.txt" --request "$req" -o "$T/s.sig"
grep -q "wrong-pin-0" "$T/out" "$T/err" && fail "PIN in a message"
e token status "$b" | grep -q "locked false" || fail "not locked after one wrong PIN"
ESEAL_PIN=hold-pin-1 e --as app1 seal sign "$a" --document "$T/doc1.txt" --request "$req" -o "$T/s.sig" >/dev/null
[ -s "$T/s.sig" ] || fail "signature written"
"$ESEAL" verify "$T/s.sig" --original "$T/doc1.txt" --trust "$T/p/trust" --at 2026-01-01T00:00:01Z >/dev/null \
  || fail "signature verifies"
[ "$(e use state "$req")" = "request $req used" ] || fail "request used"
if grep -rq "wrong-pin-0\|hold-pin-1\|hold-admin-1\|some-pin-9" "$T/p"/*.db* 2>/dev/null; then
  fail "a PIN in the database"
fi
echo ok
