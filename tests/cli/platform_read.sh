#!/usr/bin/env bash
# eseal platform list / get / api-key / seal document from the command line (SQLite):
# every JSON document comes from the library's encoders or jansson, so quotes,
# backslashes and Chinese survive; lists page with --after; API keys are shown once;
# a document is sealed under its approved use request, with a PIN from a file.
set -euo pipefail
ESEAL=$1
T=$(mktemp -d /tmp/eseal-cli-read.XXXXXX)
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
# jget FILE EXPR: a value of the JSON document in FILE (python's parser, not ours)
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

"$ESEAL" platform --help >"$T/help"
for w in "list KIND" "get KIND ID" "api-key create" "seal document"; do
  grep -q "$w" "$T/help" || fail "help lacks '$w'"
done

e init >/dev/null
e region add 350000 '福建"省' >/dev/null
e region add 350100 福州市 >/dev/null
e region add 350102 鼓楼区 >/dev/null
NAME='测试"厅 «引号» 福建'
unit=$(e --as admin --json unit add --name "$NAME" --credit-code 91350100100000016G --region 350000 --legal-rep '张"三' | num unit)
[ -n "$unit" ] || fail "unit add"
e --as admin account add maker --roles maker --region 350000 >/dev/null
e --as admin account add reviewer --roles reviewer >/dev/null
e --as admin account add app1 --roles applicant --unit "$unit" >/dev/null
e --as admin account add ua --roles unit-admin --unit "$unit" >/dev/null
e --as admin account add appr --roles use-approver >/dev/null

# ---- JSON as a JSON parser reads it ----
e --as admin --json get unit "$unit" >"$T/u.json"
[ "$(jget "$T/u.json" 'd["name"]')" = "$NAME" ] || fail "unit name through get --json"
[ "$(jget "$T/u.json" 'd["legal_rep"]')" = '张"三' ] || fail "legal rep through get --json"
e --as admin --json list unit >"$T/ul.json"
[ "$(jget "$T/ul.json" 'd["items"][0]["name"]')" = "$NAME" ] || fail "unit name through list --json"
e --as admin get unit "$unit" | grep -qF "name: $NAME" || fail "text get"
e --json region add 350200 '厦门"市' >"$T/r.json"
[ "$(jget "$T/r.json" 'd["region"]')" = 350200 ] || fail "region add --json"
# an error message quoting what was typed: quotes, a backslash and Chinese
e --json account roles 'wang"\李' --roles applicant >"$T/err.json" || true
[ "$(jget "$T/err.json" 'd["error"]["code"]')" = ENOTFOUND ] || fail "error code"
jget "$T/err.json" 'd["error"]["message"]' | grep -qF 'wang"\李' || fail "error message escaped"
e --as admin --json account roles app1 --roles applicant,unit-admin >"$T/roles.json"
[ "$(jget "$T/roles.json" 'd["roles"]')" = applicant,unit-admin ] || fail "account roles --json"
e --as admin account roles app1 --roles applicant >/dev/null

# ---- a seal, its application's history, lists with filters and paging ----
mk_seal() {
  local app esid
  app=$(e --as app1 --json app create --unit "$unit" "$@" --handler 王五 \
    --handler-mobile 13800000000 --handler-id 350102199002020021 | num application)
  e --as app1 app submit "$app" >/dev/null
  e --as maker app check "$app" >/dev/null
  e --as reviewer app approve "$app" --reason '印模"清晰"' >/dev/null
  esid=$(e --as maker --json app make "$app" | sed -n 's/.*"esid": "\([0-9]*\)".*/\1/p')
  e --as maker app file "$app" >/dev/null
  e --as maker app deliver "$app" >/dev/null
  e --as app1 seal confirm "$esid" >/dev/null
  echo "$esid"
}
a=$(mk_seal --name 福建省测试厅)
b=$(mk_seal --kind special --function contract --name 福建省测试厅合同专用章)
e --as app1 --json get application 1 >"$T/app.json"
[ "$(jget "$T/app.json" 'd["history"][-1]["to"]')" = delivered ] || fail "history"
[ "$(jget "$T/app.json" 'd["review_reason"]')" = '印模"清晰"' ] || fail "review reason escaped"
e --as app1 --json list seal --state active >"$T/s.json"
[ "$(jget "$T/s.json" 'len(d["items"])')" = 2 ] || fail "two active seals"
e --as app1 --json list seal --kind special >"$T/s.json"
[ "$(jget "$T/s.json" 'd["items"][0]["esid"]')" = "$b" ] || fail "filter by kind"
e --as app1 --json list seal --limit 1 >"$T/p1.json"
next=$(jget "$T/p1.json" 'd["next"]')
[ "$next" = "$a" ] || fail "cursor '$next'"
e --as app1 --json list seal --limit 1 --after "$next" >"$T/p2.json"
[ "$(jget "$T/p2.json" 'd["items"][0]["esid"]')" = "$b" ] || fail "second page"
[ "$(jget "$T/p2.json" 'd["next"]')" = None ] || fail "last page"
e --as app1 list seal --limit 1 | grep -q -- "more: --after $a" || fail "text cursor"
e --as app1 --json list seal --expiring-days 30 >"$T/s.json"
[ "$(jget "$T/s.json" 'len(d["items"])')" = 0 ] || fail "nothing expiring"
expect_rc 3 e --as app1 list seal --limit 501
expect_rc 3 e --as app1 list seal --limit x
expect_rc 3 e --as app1 list seals
expect_rc 3 e --as app1 list seal --after abc
expect_rc 4 e --as app1 list audit
expect_rc 3 e --as app1 get seal 35000000009999
e --as admin --json list audit --object seal --esid "$a" --limit 500 >"$T/au.json"
[ "$(jget "$T/au.json" 'len(d["items"]) > 0')" = True ] || fail "audit of the seal"

# ---- API keys: shown once, listed without the key, revoked ----
e --as admin --json api-key create app1 --name 'OA "系统"' --expires 2027-01-01 --scope read,use-request \
  --allow-from 10.0.0.0/8 >"$T/k.json"
key=$(jget "$T/k.json" 'd["key"]')
kid=$(jget "$T/k.json" 'd["id"]')
case $key in esk_*) ;; *) fail "key '$key'" ;; esac
e --as admin --json api-key list >"$T/kl.json"
grep -qF "$key" "$T/kl.json" && fail "the key is listed"
# tp-style keys made by the sign-ins above come first: find ours by id
python3 - "$T/kl.json" "$kid" <<'PY' || fail "api-key list"
import json, sys
d = json.load(open(sys.argv[1]))
k = [i for i in d["items"] if i["id"] == int(sys.argv[2])][0]
assert k["name"] == 'OA "系统"' and k["login"] == "app1" and k["scope"] == ["read", "use-request"], k
assert k["revoked_at"] is None and k["allow_from"] == "10.0.0.0/8", k
PY
# the command line signs in from "local", outside the key's address list
expect_rc 4 env ESEAL_API_KEY="$key" "$ESEAL" platform --as app1 list seal
grep -q "may not be used from local" "$T/err" || fail "address refusal"
e --as admin api-key revoke "$kid" >/dev/null
e --as admin --json api-key create app1 --name 'OA "系统" 2' --expires 2027-01-01 --scope read,use-request >"$T/k.json"
key=$(jget "$T/k.json" 'd["key"]')
kid=$(jget "$T/k.json" 'd["id"]')
ESEAL_API_KEY=$key "$ESEAL" platform --as app1 --json list seal >"$T/s.json"
[ "$(jget "$T/s.json" 'len(d["items"])')" = 2 ] || fail "reading with the key"
expect_rc 4 env ESEAL_API_KEY="$key" "$ESEAL" platform --as app1 seal use "$a"   # outside its scope
expect_rc 4 e --as app1 api-key create app1 --name x --expires 2027-01-01
expect_rc 3 e --as admin api-key create app1 --name x
expect_rc 3 e --as admin api-key create app1 --name x --expires 2027-01-01 --scope bogus
e --as admin api-key revoke "$kid" | grep -q "revoked" || fail "revoke"
expect_rc 4 env ESEAL_API_KEY="$key" "$ESEAL" platform --as app1 list seal
expect_rc 3 e --as admin api-key revoke "$kid"

# ---- seal document: placement, use request, PIN from a file ----
python3 "$(dirname "$0")/lib/mkpdf.py" "$T/c.pdf" "Contract 2026-001. Seal here:"
python3 "$(dirname "$0")/lib/mkpdf.py" "$T/r.pdf" "Report page one" "Report page two"
req=$(e --as app1 --json use request "$a" --document "$T/c.pdf" --purpose 采购合同 | num request)
expect_rc 3 e --as app1 seal document "$a" --document "$T/c.pdf" -o "$T/c-sealed.pdf"   # no request
expect_rc 3 e --as app1 seal document "$a" --document "$T/c.pdf" --request "$req" -o "$T/x.pdf" --keyword x --riding
expect_rc 4 e --as app1 seal document "$a" --document "$T/c.pdf" --request "$req" -o "$T/c-sealed.pdf"  # not approved
e --as appr use approve "$req" >/dev/null
expect_rc 4 e --as app1 seal document "$a" --document "$T/r.pdf" --request "$req" -o "$T/x.pdf"  # another document
[ ! -e "$T/x.pdf" ] || fail "written although refused"
e --as app1 --json seal document "$a" --document "$T/c.pdf" --request "$req" --keyword 'Seal here' \
  -o "$T/c-sealed.pdf" >"$T/d.json"
[ "$(jget "$T/d.json" 'd["format"]')" = pdf ] || fail "format"
[ "$(jget "$T/d.json" 'len(d["output_sm3"])')" = 64 ] || fail "output hash"
[ "$(jget "$T/d.json" 'd["input_sm3"] != d["output_sm3"]')" = True ] || fail "input and output hashes"
"$ESEAL" verify "$T/c-sealed.pdf" --trust "$T/p/trust" --at 2026-01-01T00:00:01Z >/dev/null || fail "sealed PDF verifies"
expect_rc 4 e --as app1 seal document "$a" --document "$T/c.pdf" --request "$req" -o "$T/x.pdf"  # used up
e --as app1 --json list usage --esid "$a" >"$T/us.json"
[ "$(jget "$T/us.json" 'd["items"][-1]["request_id"]')" = "$req" ] || fail "usage record"
# a seal held in a software token: the PIN from a file, never from the command line
ESEAL_PIN=hold-pin-1 ESEAL_ADMIN_PIN=hold-admin-1 e --as ua token init "$b" >/dev/null
req=$(e --as app1 --json use request "$b" --document "$T/r.pdf" --purpose 报告 | num request)
e --as appr use approve "$req" >/dev/null
printf 'wrong-pin-9\n' >"$T/wrong.pin"
printf 'hold-pin-1\n' >"$T/right.pin"
expect_rc 4 e --as app1 seal document "$b" --document "$T/r.pdf" --request "$req" --riding --pin-file "$T/wrong.pin" -o "$T/r-sealed.pdf"
grep -q "wrong-pin-9" "$T/out" "$T/err" && fail "PIN in a message"
grep -q "wrong PIN" "$T/err" || fail "wrong PIN message"
e token status "$b" | grep -q "wrong PINs 1" || fail "the wrong PIN is counted"
e --as app1 seal document "$b" --document "$T/r.pdf" --request "$req" --riding --pin-file "$T/right.pin" \
  -o "$T/r-sealed.pdf" | grep -q "sealed" || fail "riding seal"
"$ESEAL" verify "$T/r-sealed.pdf" --trust "$T/p/trust" --at 2026-01-01T00:00:01Z >/dev/null || fail "riding PDF verifies"
echo "platform_read: ok"
