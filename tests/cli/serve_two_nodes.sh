#!/usr/bin/env bash
# Two `eseal serve` nodes on one PostgreSQL (docs/public-services.md, "Roles"): a seal made
# through node 1 is revoked through node 2, and node 1's verify route reports it void at
# once: the verify route reads a seal's status from the shared store on every request, so the
# bound is the next request after the revocation commits (no cache to expire). Node 1's signed
# status list changes too (it is remade when the count of seal transitions in the store moves).
# Run by serve_pg.sh with $ESEAL_TEST_STORE set to a PostgreSQL database; alone it skips (77).
set -euo pipefail
ESEAL=$1
[ -n "${ESEAL_TEST_STORE:-}" ] || { echo "skipped: run by serve_pg.sh (needs \$ESEAL_TEST_STORE=postgres:...)"; exit 77; }
for t in curl jq; do command -v $t >/dev/null || { echo "$t is needed (scripts/deps.sh)"; exit 77; }; done
T=$(mktemp -d /tmp/eseal-cli-serve-two-nodes.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for f in "$T"/server-*.log; do [ -f "$f" ] && grep -v '^{"time' "$f" | tail -5 >&2; done; exit 1; }
D=$T/p
e() { "$ESEAL" platform --dir "$D" --store "$ESEAL_TEST_STORE" "$@"; }

e init >/dev/null
e region add 350000 福建省 >/dev/null
unit=$(e --json unit add --name 福建省测试厅 --credit-code 91350100100000016G --region 350000 | jq -r .unit)
e account add applicant --roles applicant --unit "$unit" >/dev/null
e account add maker --roles maker >/dev/null
e account add reviewer --roles reviewer >/dev/null
declare -A KEY
for a in applicant maker reviewer; do
  KEY[$a]=$(e --json api-key create "$a" --name 两节点测试 --expires 2099-01-01 | jq -r .key)
done

# node N: a server on the same data directory and the same PostgreSQL database
node() {
  rm -f "$T/port$1"
  "$ESEAL" serve --dir "$D" --store "$ESEAL_TEST_STORE" --listen 127.0.0.1:0 --threads 2 --web none \
    --port-file "$T/port$1" 2>"$T/server-$1.log" &
  PIDS+=($!)
  for _ in $(seq 100); do [ -s "$T/port$1" ] && break; sleep 0.1; done
  [ -s "$T/port$1" ] || fail "node $1 did not start"
  printf -v "U$1" 'http://127.0.0.1:%s' "$(cat "$T/port$1")"
}
node 1
node 2
call() { # call NODE-URL METHOD PATH [JSON] WHO: the answer in $T/body, the status printed
  local u=$1 m=$2 path=$3 body=${4:-} who=$5
  local args=(-s -o "$T/body" -w '%{http_code}' -X "$m" -H "Authorization: Bearer ${KEY[$who]}")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  curl "${args[@]}" "$u$path"
}
expect() { local want=$1 got; shift; got=$(call "$@"); [ "$got" = "$want" ] || fail "expected $want, got $got: $* — $(head -c 300 "$T/body")"; }
life() { # life NODE-URL BUSINESS TARGET [EXTRA]: one application through NODE, its whole life; prints result_esid
  local u=$1 biz=$2 target=$3 extra=${4:-} app
  expect 201 "$u" POST /api/v1/applications "{\"business\":\"$biz\",\"unit_id\":$unit,\"seal_name\":\"福建省测试厅\",\"width_mm\":42,\"height_mm\":42,\"handler_name\":\"王五\",\"handler_mobile\":\"13800000000\",\"handler_id\":\"350102199002020021\"${target:+,\"target_esid\":\"$target\"}${extra}}" applicant
  app=$(jq -r .id "$T/body")
  expect 200 "$u" POST "/api/v1/applications/$app/submit" "" applicant
  expect 200 "$u" POST "/api/v1/applications/$app/check" "" maker
  expect 200 "$u" POST "/api/v1/applications/$app/review" '{"approve":true}' reviewer
  expect 200 "$u" POST "/api/v1/applications/$app/make" "" maker
  local made; made=$(jq -r '.result_esid // empty' "$T/body")
  expect 200 "$u" POST "/api/v1/applications/$app/file" "" maker
  expect 200 "$u" POST "/api/v1/applications/$app/deliver" "" maker
  printf '%s\n' "$made"
}

# made through node 1, confirmed; node 1 verifies it valid
esid=$(life "$U1" apply "")
[ ${#esid} = 14 ] || fail "node 1 made no seal ($esid)"
expect 200 "$U1" POST "/api/v1/seals/$esid/confirm" "" applicant
expect 200 "$U1" GET "/api/v1/seals/$esid/der" "" applicant
cp "$T/body" "$T/seal.esl"
v() { curl -s --data-binary @"$T/seal.esl" "$1/api/v1/verify" | jq -r .verdict; }
[ "$(v "$U1")" = valid ] || fail "node 1 does not verify its new seal"
curl -s -D "$T/h1" -o "$T/list1.json" "$U1/api/v1/status-list"
etag1=$(sed -n 's/^ETag: //ip' "$T/h1" | tr -d '\r')

# revoked through node 2: node 1's very next verify reports it void
life "$U2" revoke "$esid" ',"reason":"单位注销"' >/dev/null
[ "$(v "$U1")" = invalid ] || fail "node 1's verify route does not report the seal revoked through node 2"
curl -s --data-binary @"$T/seal.esl" "$U1/api/v1/verify" | jq -e '[.signatures[0].checks[] | select(.name == "seal-status" and .result == "fail")] | length == 1' >/dev/null ||
  fail "node 1's report does not fail the seal-status check"
curl -s "$U1/api/v1/seals/$esid/status" | jq -e '.status == "revoked"' >/dev/null || fail "node 1's status route"
[ "$(curl -s -o "$T/list2.json" -w '%{http_code}' -H "If-None-Match: $etag1" "$U1/api/v1/status-list")" = 200 ] ||
  fail "node 1 answered 304 with its old status list"
jq -e --arg e "$esid" '[.seals[] | select(.esid == $e and .status == "revoked")] | length == 1' "$T/list2.json" >/dev/null ||
  fail "node 1's status list does not list the revocation"
echo "serve_two_nodes: a seal revoked through node 2 is void on node 1's verify route at the next request"
