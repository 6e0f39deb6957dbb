#!/usr/bin/env bash
# Peering (R8 互信互认, docs/peering.md) between two eseal platforms on loopback: A makes a
# seal and files it to B through its outbox (POST /api/v1/filings, A's API key on B bound to
# A's maker certificate); B lists it, answers its status and its verify route trusts it; a
# revocation filed later makes it void on B; B fetches A's signed status list (ETag, 304) and
# sees a loss A has not filed yet. Refusals: no key, a key bound to no peer, bad JSON, bad
# DER, a seal of another maker, a repeat (dropped), an unknown peer, a bad URL, a list
# signed by another maker and a tampered list (each failure recorded and audited).
set -euo pipefail
ESEAL=$1
for t in curl jq python3; do command -v $t >/dev/null || { echo "$t is needed (scripts/deps.sh)"; exit 77; }; done
T=$(mktemp -d /tmp/eseal-cli-serve-peering.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for f in "$T"/server-*.log; do [ -f "$f" ] && grep -v '^{"time' "$f" | tail -5 >&2; done; exit 1; }
num() { sed -n "s/.*\"$1\": \"\{0,1\}\([0-9]*\).*/\1/p"; }
source "$(dirname "$0")/lib/signin.sh"
EPARGS=(--dir "$T/a")
A() { EPARGS=(--dir "$T/a"); e "$@"; }
B() { EPARGS=(--dir "$T/b"); e "$@"; }

# serve NAME DIR: a server on a free loopback port; its URL in U_NAME
serve() {
  local name=$1 dir=$2
  rm -f "$T/port-$name"
  "$ESEAL" serve --dir "$dir" --listen 127.0.0.1:0 --threads 2 --web none --peer-fetch-s 0 \
    --port-file "$T/port-$name" 2>"$T/server-$name.log" &
  PIDS+=($!)
  for _ in $(seq 100); do [ -s "$T/port-$name" ] && break; sleep 0.1; done
  [ -s "$T/port-$name" ] || fail "server $name did not start"
  printf -v "U_$name" 'http://127.0.0.1:%s' "$(cat "$T/port-$name")"
}

# ---- platform A: one active seal, a signature made with it, the seal exported --------------
make_seal() { seal_made A app1 "$1" | cut -d' ' -f1; } # make_seal UNIT: a new active seal of UNIT on A, its esID
A init >/dev/null
A region add 350000 福建省 >/dev/null
unit=$(A --json unit add --name 福建省测试厅 --credit-code 91350100100000016G --region 350000 | num unit)
A account add maker --roles maker >/dev/null
A account add reviewer --roles reviewer >/dev/null
A account add app1 --roles applicant --unit "$unit" >/dev/null
A account add appr --roles use-approver --unit "$unit" >/dev/null
esid=$(make_seal "$unit")
[ ${#esid} = 14 ] || fail "A made no seal ($esid)"
A --as app1 seal export "$esid" -o "$T/seal.esl" >/dev/null
printf '采购合同 2026-001\n' >"$T/contract.txt"
req=$(A --as app1 --json use request "$esid" --document "$T/contract.txt" --purpose 采购合同 | num request)
A --as appr use approve "$req" >/dev/null
A --as app1 seal sign "$esid" --document "$T/contract.txt" --request "$req" -o "$T/contract.sig" >/dev/null

# ---- platform B: a registered system's account and key for A, an administrator's key -------
B init >/dev/null
B account add city-a --roles auditor >/dev/null
B account add admin2 --roles sysadmin >/dev/null
kj=$(B --json api-key create city-a --name "A 市平台备案" --expires 2099-01-01 --scope read)
KEY_A=$(jq -r .key <<<"$kj"); KEY_A_ID=$(jq -r .id <<<"$kj")
ADMIN=$(B --json api-key create admin2 --name 运维 --expires 2099-01-01 | jq -r .key)
serve a "$T/a"
serve b "$T/b"
call() { # call METHOD PATH KEY [BODY] [curl args]: the answer in $T/body, the status printed
  local m=$1 path=$2 key=$3 body=${4-}; shift 3; shift || true
  local args=(-s -o "$T/body" -w '%{http_code}' -X "$m")
  [ -n "$key" ] && args+=(-H "Authorization: Bearer $key")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  curl "${args[@]}" "$@" "$U_b$path"
}
expect() { local want=$1 got; shift; got=$(call "$@"); [ "$got" = "$want" ] || fail "expected $want, got $got: $* — $(head -c 400 "$T/body")"; }
verdict() { curl -s -F document=@"$1" ${2:+-F original=@"$2"} "$U_b/api/v1/verify" | jq -r .verdict; }

# before peering: B does not know A's seal, and does not trust A's anchors
[ "$(verdict "$T/seal.esl")" != valid ] || fail "B trusts A's seal before peering"
curl -s "$U_b/api/v1/seals/$esid/status" | grep -q "not registered" || fail "B answers for A's seal before peering"

# ---- filings are refused until an administrator binds A's key to A's maker certificate -------
filing() { printf '{"version":1,"event":"%s","esid":"%s","at":"2026-03-01T08:00:00Z"%s}' "$1" "$2" "${3-}"; }
SEAL64=$(base64 -w0 "$T/seal.esl")
expect 401 POST /api/v1/filings "" "$(filing made "$esid" ",\"seal\":\"$SEAL64\"")" -H "Idempotency-Key: k0"
expect 403 POST /api/v1/filings "$KEY_A" "$(filing made "$esid" ",\"seal\":\"$SEAL64\"")" -H "Idempotency-Key: k0"
grep -q "bound to no peer" "$T/body" || fail "the refusal does not say the key is bound to no peer"

curl -s "$U_a/api/v1/trust" >"$T/a-trust.json"
# bad registrations: a URL of another scheme, no anchors, an unknown key, a maker not under the anchors
expect 422 POST /api/v1/peers "$ADMIN" "{\"name\":\"A\",\"trust\":$(cat "$T/a-trust.json"),\"status_url\":\"ftp://127.0.0.1/x\"}"
grep -q "status URL" "$T/body" || fail "bad URL refusal: $(cat "$T/body")"
expect 422 POST /api/v1/peers "$ADMIN" '{"name":"A","maker":"x","anchors":[]}'
expect 404 POST /api/v1/peers "$ADMIN" "{\"name\":\"A\",\"trust\":$(cat "$T/a-trust.json"),\"api_key\":999}"
curl -s "$U_b/api/v1/trust" >"$T/b-trust.json"
jq -n --slurpfile a "$T/a-trust.json" --slurpfile b "$T/b-trust.json" \
  '{name: "mixed", maker: ($a[0].certificates[] | select(.role == "maker") | .der),
    anchors: [($b[0].certificates[] | select(.role == "root") | .der)]}' >"$T/mixed.json"
expect 422 POST /api/v1/peers "$ADMIN" "$(cat "$T/mixed.json")"
grep -q "does not chain" "$T/body" || fail "a maker outside the anchors: $(cat "$T/body")"
expect 403 POST /api/v1/peers "$KEY_A" "{\"name\":\"A\",\"trust\":$(cat "$T/a-trust.json")}"

# the administrator registers A (CLI): its trust document, status URL and API key
peer=$(B --as admin --json peer add --name "A 市平台" --trust "$T/a-trust.json" \
  --status-url "$U_a/api/v1/status-list" --key "$KEY_A_ID" | num peer)
[ -n "$peer" ] || fail "peer add"
B --as admin --json peer list | jq -e --arg u "$U_a/api/v1/status-list" '.[0].status_url == $u and .[0].state == "active"' >/dev/null ||
  fail "peer list"

# ---- bad filings ----------------------------------------------------------------------------
expect 400 POST /api/v1/filings "$KEY_A" '{"version":1' -H "Idempotency-Key: k1"
expect 422 POST /api/v1/filings "$KEY_A" "$(filing made "$esid" ',"seal":"MIIB"')" -H "Idempotency-Key: k1"
grep -q "no SESeal" "$T/body" || fail "bad DER: $(cat "$T/body")"
expect 422 POST /api/v1/filings "$KEY_A" "$(filing made "$esid")" -H "Idempotency-Key: k1"
grep -q "must carry the seal" "$T/body" || fail "first filing without its seal: $(cat "$T/body")"
expect 422 POST /api/v1/filings "$KEY_A" "$(filing made "$esid" ",\"seal\":\"$SEAL64\"")"
expect 422 POST /api/v1/filings "$KEY_A" "$(filing made "$esid" ",\"seal\":\"$SEAL64\",\"extra\":1")" -H "Idempotency-Key: k1"
expect 415 POST /api/v1/filings "$KEY_A" "" -H "Idempotency-Key: k1" -H 'Content-Type: text/plain' --data-binary x
# a seal of another maker (a separate eseal authority), filed with A's key: refused
export ESEAL_PASSPHRASE="peering test"
"$ESEAL" ca init --dir "$T/ca" >/dev/null
"$ESEAL" cert issue --dir "$T/ca" --esid 11010500000001 --unit 示例科技有限公司 --credit-code 91110105061311021A >/dev/null
"$ESEAL" seal make --dir "$T/ca" --esid 11010500000001 --name 示例科技有限公司 -o "$T/other.esl" >/dev/null
[ -s "$T/other.esl" ] || fail "no seal of another maker made"
expect 403 POST /api/v1/filings "$KEY_A" "$(filing made 11010500000001 ",\"seal\":\"$(base64 -w0 "$T/other.esl")\"")" -H "Idempotency-Key: k2"
grep -q "another maker" "$T/body" || fail "another maker's seal: $(cat "$T/body")"

# ---- A files through its outbox: B registers the seal -----------------------------------------
ESEAL_OUTBOX_API_KEY=$KEY_A A --outbox-url "$U_b/api/v1/filings" outbox deliver >"$T/deliver.txt"
grep -q "filings sent 2, failed 0" "$T/deliver.txt" || fail "A's outbox to B: $(cat "$T/deliver.txt")"
expect 200 GET /api/v1/peer-seals "$ADMIN"
jq -e --arg e "$esid" --argjson p "$peer" '[.items[] | select(.esid == $e and .peer == $p and .state == "active" and .source == "filing")] | length == 1' \
  "$T/body" >/dev/null || fail "B does not list A's seal: $(cat "$T/body")"
expect 200 GET "/api/v1/peers?limit=1" "$ADMIN"
jq -e --argjson p "$peer" '.items[0].id == $p and .next == null' "$T/body" >/dev/null || fail "peers, one page: $(cat "$T/body")"
expect 422 GET "/api/v1/peer-seals?after=abc" "$ADMIN"
expect 422 GET "/api/v1/peer-seals?limit=501" "$ADMIN"
expect 422 GET "/api/v1/peers?colour=red" "$ADMIN"
expect 422 GET "/api/v1/peer-seals?peer=0" "$ADMIN"
curl -s "$U_b/api/v1/seals/$esid/status" | jq -e '.status == "active"' >/dev/null || fail "B's status route on A's seal"
# B's verify route trusts A now: the seal, and the signature A's seal made
[ "$(verdict "$T/seal.esl")" = valid ] || fail "B does not trust A's seal: $(curl -s -F document=@"$T/seal.esl" "$U_b/api/v1/verify" | jq -c '[.signatures[0].checks[] | select(.result != "pass")]')"
[ "$(verdict "$T/contract.sig" "$T/contract.txt")" = valid ] || fail "B does not trust A's signature"
# a repeat (same key) is dropped, a seal filed is answered without its DER again
expect 200 POST /api/v1/filings "$KEY_A" "$(filing made "$esid" ",\"seal\":\"$SEAL64\"")" -H "Idempotency-Key: national-$esid-made-0"
expect 200 POST /api/v1/filings "$KEY_A" "$(filing made "$esid" ",\"seal\":\"$SEAL64\"")" -H "Idempotency-Key: k3"
expect 200 POST /api/v1/filings "$KEY_A" "$(filing made "$esid" ",\"seal\":\"$SEAL64\"")" -H "Idempotency-Key: k3"
jq -e '.duplicate == true' "$T/body" >/dev/null || fail "a repeat is not recognised"

# ---- A revokes the seal and files it: void on B --------------------------------------------
rev=$(A --as app1 --json app create --business revoke --target "$esid" --reason 单位注销 --unit "$unit" \
  --name 福建省测试厅 --handler 王五 --handler-mobile 13800000000 --handler-id 350102199002020021 | num application)
A --as app1 app submit "$rev" >/dev/null
A --as maker app check "$rev" >/dev/null
A --as reviewer app approve "$rev" >/dev/null
A --as maker app make "$rev" >/dev/null
ESEAL_OUTBOX_API_KEY=$KEY_A A --outbox-url "$U_b/api/v1/filings" outbox deliver | grep -q "failed 0" || fail "revocation filing"
curl -s "$U_b/api/v1/seals/$esid/status" | jq -e '.status == "revoked"' >/dev/null || fail "B: the revoked seal is not revoked"
[ "$(verdict "$T/seal.esl")" = invalid ] || fail "B still trusts A's revoked seal"

# ---- B fetches A's signed status list: a loss A has not filed -------------------------------
esid2=$(make_seal "$unit")
A --as app1 seal export "$esid2" -o "$T/seal2.esl" >/dev/null
ESEAL_OUTBOX_API_KEY=$KEY_A A --outbox-url "$U_b/api/v1/filings" outbox deliver | grep -q "failed 0" || fail "second seal filing"
# the filed seals are cursor-paged like every list: one at a time, in esID order, the same seals
expect 200 GET "/api/v1/peer-seals?peer=$peer&limit=500" "$ADMIN"
all=$(jq -c '[.items[].esid]' "$T/body")
[ "$(jq length <<<"$all")" -ge 2 ] || fail "two seals filed: $all"
paged=() cur=
while :; do
  expect 200 GET "/api/v1/peer-seals?peer=$peer&limit=1${cur:+&after=$cur}" "$ADMIN"
  [ "$(jq '.items | length' "$T/body")" = 1 ] || fail "a page of one: $(cat "$T/body")"
  paged+=("$(jq -r '.items[0].esid' "$T/body")")
  cur=$(jq -r '.next // empty' "$T/body")
  [ -n "$cur" ] || break
  [ "${#paged[@]}" -le 100 ] || fail "the pages do not end"
done
[ "$(printf '%s\n' "${paged[@]}" | jq -R . | jq -sc .)" = "$all" ] || fail "paged one by one: ${paged[*]}, all at once: $all"
# the pages are as docs/openapi.json says (PeerSealList, PeerList)
cp "$T/body" "$T/seals-page.json"
expect 200 GET "/api/v1/peers" "$ADMIN"
python3 "$(dirname "$0")/lib/schema.py" "$(dirname "$0")/../../docs/openapi.json" "$T/seals-page.json" PeerSealList \
  "$T/body" PeerList || fail "a peers page is not as documented"
lapp=$(A --as app1 --json app create --business loss --target "$esid2" --reason 丢失 --unit "$unit" --name 福建省测试厅 \
  --handler 王五 --handler-mobile 13800000000 --handler-id 350102199002020021 | num application)
A --as app1 app submit "$lapp" >/dev/null
curl -s "$U_b/api/v1/seals/$esid2/status" | jq -e '.status == "active"' >/dev/null || fail "B knew of the loss before fetching"
expect 200 POST "/api/v1/peers/$peer/fetch" "$ADMIN"
jq -e '.status_list.last_error == null and .status_list.etag != null and .status_list.last_success != null' "$T/body" >/dev/null ||
  fail "fetch: $(cat "$T/body")"
curl -s "$U_b/api/v1/seals/$esid2/status" | jq -e '.status == "lost"' >/dev/null || fail "B did not apply A's status list"
[ "$(verdict "$T/seal2.esl")" = invalid ] || fail "B trusts a seal A's list says is lost"
# unchanged: A answers 304 to B's If-None-Match, and the fetch still counts as a success
B --as admin peer fetch "$peer" >/dev/null || fail "second fetch"
grep '^{"time' "$T/server-a.log" | jq -e -s '[.[] | select(.route == "/api/v1/status-list" and .status == 304)] | length == 1' >/dev/null ||
  fail "B did not send If-None-Match (no 304 in A's log)"
B --as admin --json peer list | jq -e '.[0].status_list.last_error == null' >/dev/null || fail "a 304 is a success"
expect 404 POST /api/v1/peers/999/fetch "$ADMIN"
expect 404 DELETE /api/v1/peers/999 "$ADMIN"

# ---- forged lists: signed by another maker (B's own), then A's list with an edited body -------
# one maker, one peer: A again is refused; removed, its seals are no longer answered for
expect 409 POST /api/v1/peers "$ADMIN" "{\"name\":\"A2\",\"trust\":$(cat "$T/a-trust.json")}"
B --as admin peer remove "$peer" >/dev/null
curl -s "$U_b/api/v1/seals/$esid2/status" | grep -q "not registered" || fail "a removed peer's seal is still answered for"
peer2=$(B --as admin --json peer add --name 伪 --trust "$T/a-trust.json" --status-url "$U_b/api/v1/status-list" | num peer)
expect 502 POST "/api/v1/peers/$peer2/fetch" "$ADMIN"
jq -e '.status_list.last_error | test("not by the peer|does not verify")' "$T/body" >/dev/null || fail "a list of another maker: $(cat "$T/body")"
# a tampered copy of A's list, served with A's signature
curl -s -D "$T/h" -o "$T/list.json" "$U_a/api/v1/status-list"
sig=$(sed -n 's/^X-Status-Signature: //ip' "$T/h" | tr -d '\r')
sed 's/"lost"/"active"/g' "$T/list.json" >"$T/forged.json"
cat >"$T/forger.py" <<'PY'
import http.server, sys
body = open(sys.argv[1], "rb").read()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("X-Status-Signature", sys.argv[2]); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[3], "w").write(str(s.server_port))
s.serve_forever()
PY
python3 "$T/forger.py" "$T/forged.json" "$sig" "$T/port-forger" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$T/port-forger" ] && break; sleep 0.1; done
B --as admin peer remove "$peer2" >/dev/null
peer3=$(B --as admin --json peer add --name 伪2 --trust "$T/a-trust.json" --status-url "http://127.0.0.1:$(cat "$T/port-forger")/list" | num peer)
expect 502 POST "/api/v1/peers/$peer3/fetch" "$ADMIN"
jq -e '.status_list.last_error | test("does not verify")' "$T/body" >/dev/null || fail "a tampered list: $(cat "$T/body")"
B --json list audit --limit 200 | jq -e '[.items[] | select(.event == "peer-fetch-failed")] | length == 2' >/dev/null ||
  fail "failed fetches are not audited"
B --json list audit --limit 200 | jq -e '[.items[] | select(.event == "filing-receive")] | length >= 4' >/dev/null ||
  fail "filings are not audited"
echo "serve_peering: two platforms peered on loopback: filings, trust, revocation, status lists"
