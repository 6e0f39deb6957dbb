#!/usr/bin/env bash
# Issue 11, messages that must not mislead an operator: restore without the
# master key says to copy the original master.key, and a restore rebuilds
# trust/ and status/; an unknown esID is named before any passphrase; a
# revoke application's 'app make' does not say a seal was made; --json usage
# errors are JSON; 'seal list' and 'use list' answer with their own usage;
# exit code 4 and OFD/PDF verification are in the help.
# usage: trust_messages.sh path/to/eseal path/to/shared/samples
set -u
ESEAL=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
expect() {
	local want=$1; shift; shift
	"$@" >"$T/out" 2>"$T/err"; local got=$?
	if [ "$got" = "$want" ]; then ok; else bad "exit $got (want $want): $* :: $(head -c 400 "$T/err")"; fi
}
says() { grep -q -- "$1" "$T/err" "$T/out" && ok || bad "no '$1' in: $(head -c 400 "$T/err") $(head -c 400 "$T/out")"; }
lacks() { grep -q -- "$1" "$T/err" "$T/out" && bad "'$1' in: $(head -c 400 "$T/err") $(head -c 400 "$T/out")" || ok; }
is_json_error() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["error"]["code"] and d["error"]["message"] else 1)' "$T/out" && ok || bad "not a JSON error: $(cat "$T/out" "$T/err")"; }
unset ESEAL_PASSPHRASE ESEAL_MASTER_KEY ESEAL_STORE
export ESEAL_PLATFORM_DIR=$T/p
source "$(dirname "$0")/lib/signin.sh"

# ---- help ----
expect 0 -- "$ESEAL" --help
says "4 refused"
expect 0 -- "$ESEAL" verify --help
says "an OFD document"
lacks "once"

# ---- an unknown esID before the passphrase (none is set, none on disk) ----
mkdir -p "$T/ca/seals" "$T/ca/signers"
echo "a document" >"$T/doc.txt"
expect 3 -- "$ESEAL" sign "$T/doc.txt" --dir "$T/ca" --esid 99999999999999
says "esID 99999999999999"
lacks "passphrase"

# ---- --json usage errors ----
expect 3 -- "$ESEAL" verify --json
is_json_error
expect 3 -- "$ESEAL" seal make --json --dir "$T/ca"
is_json_error
expect 3 -- "$ESEAL" pdf sign --json --no-such-option
is_json_error

# ---- a platform: seal list / use list, a revoke application ----
e init >/dev/null || bad "init"
expect 3 -- e seal list
says "unknown seal command 'list'"
says "seal confirm|use|show"
lacks "which seal"
expect 3 -- e use list
says "unknown use command 'list'"
says "use request ESID"
expect 3 -- e --json seal list
is_json_error
e region add 350000 福建省 >/dev/null
unit=$(e --as admin --json unit add --name 福建省测试厅 --credit-code 91350100100000016G --region 350000 | sed -n 's/.*"unit": \([0-9]*\).*/\1/p')
e --as admin account add maker --roles maker >/dev/null
e --as admin account add reviewer --roles reviewer >/dev/null
e --as admin account add app1 --roles applicant --unit "$unit" >/dev/null
form=(--unit "$unit" --name 福建省测试厅 --handler 王五 --handler-mobile 13800000000 --handler-id 350102199002020021)
app=$(e --as app1 --json app create "${form[@]}" | sed -n 's/.*"application": \([0-9]*\).*/\1/p')
e --as app1 app submit "$app" >/dev/null && e --as maker app check "$app" >/dev/null &&
	e --as reviewer app approve "$app" >/dev/null || bad "application $app"
expect 0 -- e --as maker app make "$app"
says "made: confirm its impression"
esid=$(sed -n 's/.*seal \([0-9]\{14\}\) made.*/\1/p' "$T/out")
e --as maker app file "$app" >/dev/null && e --as maker app deliver "$app" >/dev/null &&
	e --as app1 seal confirm "$esid" >/dev/null || bad "seal $esid"
rapp=$(e --as app1 --json app create --business revoke --target "$esid" --reason 单位注销 "${form[@]}" |
	sed -n 's/.*"application": \([0-9]*\).*/\1/p')
e --as app1 app submit "$rapp" >/dev/null && e --as maker app check "$rapp" >/dev/null &&
	e --as reviewer app approve "$rapp" >/dev/null || bad "revoke application $rapp"
expect 0 -- e --as maker app make "$rapp"
says "seal $esid is revoked"
lacks "made:"
lacks "seal made"

# ---- restore: the master key, and trust/ status/ rebuilt ----
"$ESEAL" backup "$T/b.esbk" >/dev/null || bad "backup"
expect 3 -- "$ESEAL" restore "$T/b.esbk" --dir "$T/new"
says "copy the original platform's master.key"
lacks "run 'eseal platform init'"
mkdir -m 700 "$T/new2" && cp "$T/p/master.key" "$T/new2/"
expect 0 -- "$ESEAL" restore "$T/b.esbk" --dir "$T/new2"
cmp -s "$T/p/trust/root.crt" "$T/new2/trust/root.crt" && ok || bad "trust/root.crt not rebuilt"
grep -q "$esid" "$T/new2/status/status.json" 2>/dev/null && ok || bad "status/ not rebuilt"
[ -s "$T/new2/status/status.json.sig" ] && ok || bad "status signature not rebuilt"

echo "trust_messages: $pass passed, $fail failed"
[ "$fail" = 0 ]
