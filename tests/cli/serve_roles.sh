#!/usr/bin/env bash
# Independent deployment (docs/public-services.md "Roles"): `eseal serve --role verify` never opens the
# master key: on a data directory whose master.key is gone (or is no file, or
# $ESEAL_MASTER_KEY is garbage) it still serves verify, seal status, the signed status list and
# the trust document, sees a revocation made elsewhere at once, and routes nothing else (404:
# sign-in, business, sign services, the TSA). `--role sign` serves everything but document
# verification; `--role all` everything.
set -euo pipefail
ESEAL=$1
for t in curl jq openssl; do command -v $t >/dev/null || { echo "$t is needed (scripts/deps.sh)"; exit 77; }; done
T=$(mktemp -d /tmp/eseal-cli-serve-roles.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || true; }; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$T/server.log" ] && grep -v '^{"time' "$T/server.log" | tail -5 >&2; exit 1; }
D=$T/p
EPARGS=(--dir "$D")
source "$(dirname "$0")/lib/signin.sh"
num() { sed -n "s/.*\"$1\": \"\{0,1\}\([0-9]*\).*/\1/p"; }
form=(--name 福建省测试厅 --handler 王五 --handler-mobile 13800000000 --handler-id 350102199002020021)

e init >/dev/null
e region add 350000 福建省 >/dev/null
unit=$(e --json unit add --name 福建省测试厅 --credit-code 91350100100000016G --region 350000 | num unit)
e account add maker --roles maker >/dev/null
e account add reviewer --roles reviewer >/dev/null
e account add app1 --roles applicant --unit "$unit" >/dev/null
read -r esid app < <(seal_made e app1 "$unit")
[ ${#esid} = 14 ] || fail "no seal made: '$esid'"
e --as app1 seal export "$esid" -o "$T/seal.esl" >/dev/null
KEY=$(e --json api-key create app1 --name 角色测试 --expires 2099-01-01 | jq -r .key)

start() { # start ROLE [ARGS]: a node of that role on D (ARGS: e.g. another --dir); its URL in U
  rm -f "$T/port"
  "$ESEAL" serve --dir "$D" --role "$@" --listen 127.0.0.1:0 --threads 2 --web none --port-file "$T/port" \
    2>>"$T/server.log" &
  PID=$!
  for _ in $(seq 100); do [ -s "$T/port" ] && break; kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  [ -s "$T/port" ] || fail "the $1 node did not start"
  U=http://127.0.0.1:$(cat "$T/port")
}
stop() { kill "$PID"; wait "$PID" || fail "exit status"; PID=; }
code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }
verdict() { curl -s --data-binary @"$T/seal.esl" "$U/api/v1/verify" | jq -r .verdict; }

# ---- the role is checked ------------------------------------------------------------------
"$ESEAL" serve --dir "$D" --role bogus --print-config >/dev/null 2>"$T/err" && fail "--role bogus accepted"
grep -q "expected all, sign or verify" "$T/err" || fail "the refusal does not list the roles"
"$ESEAL" serve --dir "$D" --role sign --print-config | jq -e '.role == "sign"' >/dev/null || fail "--role sign"

# ---- verify node without the master key ----------------------------------------------------
mv "$D/master.key" "$T/master.key"
export ESEAL_MASTER_KEY_SAVED=$(cat "$T/master.key")
# an all node cannot start without it; the verify node can
"$ESEAL" serve --dir "$D" --listen 127.0.0.1:0 --web none --port-file "$T/port-all" 2>"$T/all.err" &
allpid=$!
wait "$allpid" && fail "an all node started without the master key"
grep -q "no master key" "$T/all.err" || fail "the all node's refusal: $(cat "$T/all.err")"
start verify
[ "$(code "$U/healthz")" = 200 ] || fail "healthz"
[ "$(verdict)" = valid ] || fail "the verify node does not verify the seal: $(curl -s --data-binary @"$T/seal.esl" "$U/api/v1/verify" | head -c 400)"
[ "$(code "$U/api/v1/seals/$esid/status")" = 200 ] && jq -e '.status == "active"' "$T/body" >/dev/null || fail "status route"
[ "$(code -D "$T/h" "$U/api/v1/status-list")" = 200 ] || fail "status list on the verify node: $(cat "$T/body")"
cp "$T/body" "$T/list.json"
sed -n 's/^X-Status-Signature: //ip' "$T/h" | tr -d '\r' | base64 -d >"$T/list.sig"
[ "$(code "$U/api/v1/trust")" = 200 ] || fail "trust on the verify node"
jq -r '.certificates[] | select(.role == "maker") | .der' "$T/body" | base64 -d |
  openssl x509 -inform DER -pubkey -noout >"$T/maker.pub"
openssl pkeyutl -verify -pubin -inkey "$T/maker.pub" -rawin -digest sm3 -pkeyopt distid:1234567812345678 \
  -in "$T/list.json" -sigfile "$T/list.sig" >/dev/null || fail "the verify node's status list does not verify with openssl"
jq -r .crl.der "$T/body" | base64 -d | openssl crl -inform DER -noout 2>/dev/null || fail "the verify node's CRL"
[ "$(code -H 'Content-Type: application/timestamp-query' --data-binary x "$U/api/v1/tsa")" = 404 ] || fail "TSA on a verify node"
[ "$(code -H "Authorization: Bearer $KEY" "$U/api/v1/applications")" = 404 ] || fail "business route on a verify node"
[ "$(code -H 'Content-Type: application/json' --data-binary '{"login":"app1","password":"x"}' "$U/api/v1/session")" = 404 ] ||
  fail "sign-in on a verify node"
[ "$(code -H "Authorization: Bearer $KEY" -X POST "$U/api/v1/documents/seal")" = 404 ] || fail "sign route on a verify node"
[ "$(code -H "Authorization: Bearer $KEY" -X POST "$U/api/v1/jobs/run")" = 404 ] || fail "operations that sign on a verify node"
[ "$(code -X POST "$U/api/v1/filings")" = 404 ] || fail "filings on a verify node"
# a kept verification is a store write, no key: served
[ "$(code -D "$T/h" --data-binary @"$T/seal.esl" "$U/api/v1/verify?keep=1")" = 200 ] || fail "keep on a verify node"
vid=$(sed -n 's/^X-Verification-Id: //ip' "$T/h" | tr -d '\r')
[ "$(code "$U/api/v1/verifications/$vid")" = 200 ] || fail "a kept verification on the verify node"
# revoked elsewhere (the CLI, with the key from the environment): void on the verify node at once
rev=$(ESEAL_MASTER_KEY=$ESEAL_MASTER_KEY_SAVED e --as app1 --json app create --business revoke --target "$esid" \
  --reason 单位注销 --unit "$unit" "${form[@]}" | num application)
for step in "app1 app submit" "maker app check" "reviewer app approve" "maker app make"; do
  read -r who a b <<<"$step"
  ESEAL_MASTER_KEY=$ESEAL_MASTER_KEY_SAVED e --as "$who" "$a" "$b" "$rev" >/dev/null
done
[ "$(verdict)" = invalid ] || fail "the verify node does not see the revocation"
[ "$(code "$U/api/v1/status-list")" = 200 ] || fail "status list after the revocation"
jq -e --arg e "$esid" '[.seals[] | select(.esid == $e and .status == "revoked")] | length == 1' "$T/body" >/dev/null ||
  fail "the verify node's status list does not show the revocation (published by the full node)"
stop
# a master key that is no file, or garbage in the environment: never read by a verify node
mkdir "$D/master.key"
ESEAL_MASTER_KEY=not-a-key start verify
[ "$(verdict)" = invalid ] || fail "verify node with an unreadable master key"
stop
# or a data directory of its own, empty, on the same store
mkdir "$T/empty"
start verify --dir "$T/empty" --store "sqlite:$D/platform.db"
[ "$(verdict)" = invalid ] && [ "$(code "$U/api/v1/status-list")" = 200 ] && [ "$(code "$U/api/v1/trust")" = 200 ] ||
  fail "a verify node on an empty data directory"
[ -z "$(ls -A "$T/empty")" ] || fail "the verify node wrote into its data directory: $(ls -A "$T/empty")"
stop
rmdir "$D/master.key"
mv "$T/master.key" "$D/master.key"

# ---- sign node: everything but document verification ---------------------------------------
start sign
[ "$(code --data-binary @"$T/seal.esl" "$U/api/v1/verify")" = 404 ] || fail "verify on a sign node"
grep -q "verify node" "$T/body" || fail "the sign node's 404 does not say where to verify"
[ "$(code -H "Authorization: Bearer $KEY" "$U/api/v1/applications")" = 200 ] || fail "business route on a sign node"
[ "$(code "$U/api/v1/seals/$esid/status")" = 200 ] || fail "status on a sign node (mandatory by regulation)"
[ "$(code "$U/api/v1/status-list")" = 200 ] || fail "status list on a sign node"
stop
start all
[ "$(code --data-binary @"$T/seal.esl" "$U/api/v1/verify")" = 200 ] || fail "verify on an all node"
[ "$(code -H "Authorization: Bearer $KEY" "$U/api/v1/applications")" = 200 ] || fail "business route on an all node"
stop
echo "serve_roles: a verify node without the master key verifies and answers status; sign and all as documented"
