#!/usr/bin/env bash
# eseal serve end to end: a real server on a loopback port, driven with curl.
# Sign-in and sessions, CSRF, the read side by role, an application's whole life
# over HTTP, API keys and their scope, every kind of bad request, the served
# OpenAPI document against the committed one, no secret in any log or answer,
# and a clean stop on SIGTERM with the audit chain intact.
set -euo pipefail
ESEAL=$1
SRC=$(cd "$(dirname "$0")/../.." && pwd)
command -v curl >/dev/null && command -v jq >/dev/null || { echo "curl and jq are needed (scripts/deps.sh)"; exit 77; }
T=$(mktemp -d /tmp/eseal-cli-serve.XXXXXX)
PID=
PID2=
cleanup() {
  for p in ${PID:-} ${PID2:-}; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$T/server.log" ] && tail -20 "$T/server.log" >&2; exit 1; }
D=$T/p
STORE=()   # ESEAL_TEST_STORE=postgres:...: the same test on PostgreSQL (tests/cli/serve_pg.sh)
[ -n "${ESEAL_TEST_STORE:-}" ] && STORE=(--store "$ESEAL_TEST_STORE")
e() { "$ESEAL" platform --dir "$D" "${STORE[@]}" "$@"; }

# ---- a platform with one unit and one account per role ------------------------------
e init >/dev/null
e region add 350000 福建省 >/dev/null
unit=$(e --json unit add --name 福建省测试厅 --credit-code 91350100100000016G --region 350000 | jq -r .unit)
e account add applicant --roles applicant --unit "$unit" >/dev/null
e account add maker --roles maker >/dev/null
e account add reviewer --roles reviewer >/dev/null
e account add auditor --roles auditor >/dev/null
e account add approver --roles use-approver >/dev/null
declare -A OTP
for a in admin applicant maker reviewer auditor approver; do OTP[$a]=$(e account otp "$a"); done

"$ESEAL" serve --help >"$T/help"; grep -q "eseal serve" "$T/help" || fail "serve --help"
"$ESEAL" serve --dir "$D" --print-config | jq -e '.threads == 4 and .listen == "127.0.0.1:8080"' >/dev/null || fail "print-config"
"$ESEAL" serve --dir "$D" "${STORE[@]}" --listen 127.0.0.1:0 --threads 3 --port-file "$T/port" 2>"$T/server.log" &
PID=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
[ -s "$T/port" ] || fail "the server did not start"
U=http://127.0.0.1:$(cat "$T/port")

# call METHOD PATH [JSON] [as LOGIN]: the answer in $T/body, the status printed
call() {
  local method=$1 path=$2 body=${3:-} who=${4:-}
  local args=(-s -o "$T/body" -w '%{http_code}' -X "$method")
  if [ -n "$who" ]; then
    args+=(-b "$T/jar.$who")
    [ "$method" != GET ] && args+=(-H "X-CSRF-Token: $(cat "$T/csrf.$who")")
  fi
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  curl "${args[@]}" "$U$path"
  # every answer kept, by who asked, for the search for secrets at the end
  { cat "$T/body"; echo; } >>"$T/answers.${who:-anonymous}"
}
expect() { local want=$1; shift; local got; got=$(call "$@"); [ "$got" = "$want" ] || { cat "$T/body" >&2; fail "expected $want, got $got: $*"; }; }
code() { jq -r .error.code "$T/body"; }
signin() {
  local who=$1 pw=$2 got
  got=$(curl -s -o "$T/body" -w '%{http_code}' -c "$T/jar.$who" -H 'Content-Type: application/json' \
    --data-binary "{\"login\":\"$who\",\"password\":\"$pw\"}" "$U/api/v1/session")
  [ "$got" = 200 ] || { cat "$T/body" >&2; fail "sign-in of $who: $got"; }
  jq -r .csrf_token "$T/body" >"$T/csrf.$who"
}

# ---- operations -------------------------------------------------------------------------
expect 200 GET /healthz
expect 200 GET /readyz
jq -e '.status == "ready"' "$T/body" >/dev/null || fail "readyz"
curl -s -D "$T/headers" -o /dev/null "$U/healthz"
for h in "X-Content-Type-Options: nosniff" "Referrer-Policy: no-referrer" "frame-ancestors 'none'" "X-Request-Id:"; do
  grep -qi "$h" "$T/headers" || fail "security header $h"
done
curl -s -D "$T/headers" -o /dev/null -H 'X-Request-Id: abc-123' "$U/healthz"
grep -qi "X-Request-Id: abc-123" "$T/headers" || fail "request id echoed"
expect 200 GET /api/openapi.json
diff <(jq -S . "$T/body") <(jq -S . "$SRC/docs/openapi.json") >/dev/null || fail "served OpenAPI differs from docs/openapi.json (eseal serve --print-openapi > docs/openapi.json)"
jq -e '.openapi == "3.1.0" and (.paths | length) > 30' "$T/body" >/dev/null || fail "openapi shape"
expect 404 GET /api/v1/nothing-here
[ "$(code)" = ENOTFOUND ] || fail "404 code"
expect 405 PUT /api/v1/session

# ---- sign-in, one-time passwords, sessions ----------------------------------------------
expect 401 GET /api/v1/applications
[ "$(code)" = EAUTH ] || fail "401 code"
expect 401 POST /api/v1/session '{"login":"maker","password":"Wrong-Password-1"}'
grep -q "wrong login or password" "$T/body" || fail "sign-in refusal wording"
expect 401 POST /api/v1/session '{"login":"nobody","password":"Wrong-Password-1"}'
grep -q "wrong login or password" "$T/body" || fail "unknown login worded the same"
expect 422 POST /api/v1/session '{"login":"maker","password":"x","extra":1}'
grep -q "unknown field 'extra'" "$T/body" || fail "unknown field named"
expect 400 POST /api/v1/session '{"login":'
[ "$(code)" = EMALFORMED ] || fail "malformed JSON code"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' -d 'x' "$U/api/v1/session")" = 415 ] || fail "415"
head -c 20000 /dev/zero | tr '\0' 'a' >"$T/big"
[ "$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @"$T/big" "$U/api/v1/session")" = 413 ] || fail "413 before sign-in"
deep=$(printf '%.0s[' $(seq 40))
expect 400 POST /api/v1/session "{\"login\":$deep"
NEWPW=Seal-Platform-2026
declare -A NUM=([applicant]=1 [maker]=2 [reviewer]=3 [auditor]=4 [admin]=5 [approver]=6)
for a in applicant maker reviewer auditor admin approver; do
  signin "$a" "${OTP[$a]}"
  jq -e '.must_change_password == true' "$T/body" >/dev/null || fail "one-time password flagged"
  expect 403 GET /api/v1/applications "" "$a"
  grep -q "change the password first" "$T/body" || fail "must change first"
  expect 200 POST /api/v1/password "{\"login\":\"$a\",\"old_password\":\"${OTP[$a]}\",\"new_password\":\"$NEWPW-${NUM[$a]}\"}"
  signin "$a" "$NEWPW-${NUM[$a]}"
  jq -e ".login == \"$a\" and .must_change_password == false" "$T/body" >/dev/null || fail "session of $a"
done
expect 200 GET /api/v1/session "" maker
jq -e '.roles == ["maker"]' "$T/body" >/dev/null || fail "session roles"

# ---- an application's whole life over HTTP ------------------------------------------
form="{\"unit_id\":$unit,\"seal_name\":\"福建省测试厅\",\"width_mm\":42,\"height_mm\":42,\"handler_name\":\"王五\",\"handler_mobile\":\"13800000000\",\"handler_id\":\"350102199002020021\"}"
# a change without the CSRF header is refused
[ "$(curl -s -o "$T/body" -w '%{http_code}' -b "$T/jar.applicant" -H 'Content-Type: application/json' --data-binary "$form" "$U/api/v1/applications")" = 403 ] || fail "no CSRF token accepted"
grep -q "CSRF" "$T/body" || fail "CSRF message"
expect 403 POST /api/v1/applications "$form" maker
expect 201 POST /api/v1/applications "$form" applicant
app=$(jq -r .id "$T/body")
expect 200 GET "/api/v1/applications/$app" "" applicant
jq -e '.state == "draft" and .handler_mobile == "138****0000" and (.handler_id | contains("350102199002020021") | not)' "$T/body" >/dev/null || fail "applicant view masked"
expect 200 GET "/api/v1/applications/$app/impression" "" applicant
expect 200 POST "/api/v1/applications/$app/submit" "" applicant
expect 403 POST "/api/v1/applications/$app/check" "" reviewer
[ "$(code)" = EDENIED ] || fail "403 code"
expect 200 GET "/api/v1/applications?waiting_for_me=true" "" maker
jq -e ".items | map(.id) | index($app) != null" "$T/body" >/dev/null || fail "maker's queue"
expect 200 POST "/api/v1/applications/$app/check" "" maker
expect 200 GET "/api/v1/applications/$app" "" maker
jq -e '.state == "checked" and .handler_id == "350102199002020021"' "$T/body" >/dev/null || fail "maker view clear"
expect 422 POST "/api/v1/applications/$app/review" '{"approve":"yes"}' reviewer
expect 200 POST "/api/v1/applications/$app/review" '{"approve":true}' reviewer
expect 200 POST "/api/v1/applications/$app/make" "" maker
esid=$(jq -r .result_esid "$T/body")
[ ${#esid} = 14 ] || fail "esID made: $esid"
expect 200 POST "/api/v1/applications/$app/file" "" maker
expect 200 POST "/api/v1/applications/$app/deliver" "" maker
jq -e '.state == "delivered" and (.history | length) >= 7' "$T/body" >/dev/null || fail "delivered with its history"
expect 409 POST "/api/v1/applications/$app/deliver" "" maker
expect 200 GET "/api/v1/seals/$esid" "" applicant
jq -e '.state == "made"' "$T/body" >/dev/null || fail "seal state"
expect 200 GET "/api/v1/seals/$esid/status"
jq -e ".esid == \"$esid\"" "$T/body" >/dev/null || fail "public status"
expect 422 GET "/api/v1/seals/123/status"
expect 403 POST "/api/v1/seals/$esid/confirm" "" maker
expect 200 POST "/api/v1/seals/$esid/confirm" "" applicant
jq -e '.state == "active" and .confirmed == true' "$T/body" >/dev/null || fail "confirmed and active"
expect 200 GET "/api/v1/seals/$esid/status"
jq -e '.status == "active"' "$T/body" >/dev/null || fail "public status active"

# ---- use approval: a request, the approver's queue, never one's own ---------------------------
doc=$(printf 'a contract' | openssl dgst -sm3 -r | cut -c1-64)
expect 422 POST /api/v1/use-requests "{\"esid\":\"$esid\",\"doc_sm3\":\"xyz\",\"purpose\":\"合同\"}" applicant
expect 201 POST /api/v1/use-requests "{\"esid\":\"$esid\",\"doc_sm3\":\"$doc\",\"purpose\":\"合同盖章\"}" applicant
req=$(jq -r .id "$T/body")
expect 200 GET "/api/v1/use-requests?waiting_for_me=true" "" approver
jq -e ".items | map(.id) | index($req) != null" "$T/body" >/dev/null || fail "approver's queue"
expect 403 POST "/api/v1/use-requests/$req/approve" "" applicant
expect 200 POST "/api/v1/use-requests/$req/approve" '{"reason":"同意"}' approver
jq -e ".state == \"approved\" and .doc_sm3 == \"$doc\"" "$T/body" >/dev/null || fail "approved"
expect 409 POST "/api/v1/use-requests/$req/approve" "" approver

# ---- records by the administrator ---------------------------------------------------------------
expect 201 POST /api/v1/regions '{"code":"350100","name":"福州市"}' admin
jq -e '.level == 2 and .parent == "350000"' "$T/body" >/dev/null || fail "region"
expect 403 POST /api/v1/regions '{"code":"350200","name":"厦门市"}' maker
expect 201 POST /api/v1/units '{"name":"福建省其他厅","credit_code":"91350100100000059X","region":"350000"}' admin
unit2=$(jq -r .id "$T/body")
expect 422 POST /api/v1/units '{"name":"坏","credit_code":"91350100100000059Y","region":"350000"}' admin
expect 201 POST /api/v1/people "{\"name\":\"李四\",\"resident_id\":\"350102198001010011\",\"mobile\":\"13912345678\",\"unit_id\":$unit2}" admin
expect 201 POST /api/v1/accounts "{\"login\":\"clerk2\",\"roles\":[\"applicant\"],\"unit_id\":$unit2}" admin
CLERK_OTP=$(jq -r .one_time_password "$T/body")
[ ${#CLERK_OTP} = 16 ] || fail "one-time password of a new account"
expect 422 POST /api/v1/accounts '{"login":"x","roles":["wizard"]}' admin

# ---- the read side by role, paging --------------------------------------------------------
expect 403 GET /api/v1/audit "" applicant
expect 200 GET "/api/v1/audit?limit=5&object=application" "" auditor
jq -e '(.items | length) == 5 and .next != null' "$T/body" >/dev/null || fail "audit page"
next=$(jq -r .next "$T/body")
expect 200 GET "/api/v1/audit?limit=5&object=application&after=$next" "" auditor
jq -e ".items[0].seq > ($next | tonumber)" "$T/body" >/dev/null || fail "next page after the cursor"
expect 422 GET "/api/v1/audit?limit=501" "" auditor
expect 422 GET "/api/v1/applications?bogus=1" "" maker
grep -q "unknown query parameter 'bogus'" "$T/body" || fail "unknown parameter named"
expect 200 GET /api/v1/accounts "" applicant
jq -e '(.items | length) == 1 and .items[0].login == "applicant"' "$T/body" >/dev/null || fail "own account only"
expect 200 GET /api/v1/accounts "" admin
jq -e '(.items | length) == 7' "$T/body" >/dev/null || fail "admin sees all accounts"
expect 404 GET "/api/v1/applications/999999" "" applicant

# ---- API keys: shown once, scoped, revocable ----------------------------------------------
expect 403 POST /api/v1/api-keys '{"login":"maker","name":"OA","expires":"2099-01-01T00:00:00Z"}' maker
expect 201 POST /api/v1/api-keys '{"login":"maker","name":"OA 系统","expires":"2099-01-01T00:00:00Z","scope":"read","allow_from":"127.0.0.0/8"}' admin
KEY=$(jq -r .key "$T/body"); KEYID=$(jq -r .id "$T/body")
[ "$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $KEY" "$U/api/v1/applications")" = 200 ] || fail "API key read"
[ "$(curl -s -o "$T/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $KEY" "$U/api/v1/applications/$app/check")" = 403 ] || fail "API key scope"
grep -q "not allowed 'app-check'" "$T/body" || fail "scope message"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${KEY}x" "$U/api/v1/applications")" = 401 ] || fail "altered key"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Basic abc" "$U/api/v1/applications")" = 401 ] || fail "other scheme"
expect 200 DELETE "/api/v1/api-keys/$KEYID" "" admin
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" "$U/api/v1/applications")" = 401 ] || fail "revoked key"

# ---- sign-out ends the session -------------------------------------------------------------
expect 200 DELETE /api/v1/session "" reviewer
expect 401 GET /api/v1/applications "" reviewer

# ---- the batch form: many applications of one unit at once ---------------------------------
bform() { echo "{\"unit_id\":$unit,\"seal_kind\":\"special\",\"seal_function\":\"$1\",\"seal_name\":\"福建省测试厅$2\",\"width_mm\":40,\"height_mm\":30,\"handler_name\":\"王五\",\"handler_mobile\":\"13800000000\",\"handler_id\":\"350102199002020021\"}"; }
expect 201 POST /api/v1/applications/batch "{\"forms\":[$(bform contract 合同专用章),$(bform finance 财务专用章)]}" applicant
batch=$(jq -r .batch_id "$T/body")
jq -e '.ids | length == 2' "$T/body" >/dev/null || fail "batch ids"
expect 200 GET "/api/v1/application-batches/$batch" "" applicant
jq -e '.applications | length == 2 and .[0].state == "draft" and .[1].function == "finance"' "$T/body" >/dev/null ||
  fail "batch summary"
expect 403 POST /api/v1/applications/batch "{\"forms\":[$(bform contract 合同专用章)]}" maker
expect 422 POST /api/v1/applications/batch "{\"forms\":[$(bform contract 合同专用章),{\"colour\":\"red\"}]}" applicant
grep -q "forms\[1\]" "$T/body" || fail "the bad form is named"
expect 422 POST /api/v1/applications/batch '{"forms":[]}' applicant
expect 404 GET /api/v1/application-batches/999999 "" applicant
big=$(for i in $(seq 101); do printf '%s,' "$(bform contract 合同专用章$i)"; done)
expect 413 POST /api/v1/applications/batch "{\"forms\":[${big%,}]}" applicant

# ---- metrics, then sign-in attempts per address are limited --------------------------------
expect 200 GET /metrics
grep -q 'eseal_http_requests_total{method="POST",route="/api/v1/applications/{id}/check",status="2xx"} 1' "$T/body" || fail "metrics by route"
grep -q "eseal_signin_failures_total" "$T/body" || fail "sign-in failures metric"
# a second server on the same data, allowing 2 refused sign-ins a (sliding) minute: the
# third within it is 429, however slow the machine (a password check takes time)
"$ESEAL" serve --dir "$D" "${STORE[@]}" --listen 127.0.0.1:0 --threads 1 --signin-per-ip-per-minute 2 \
  --port-file "$T/port2" 2>>"$T/server.log" &
PID2=$!
for _ in $(seq 100); do [ -s "$T/port2" ] && break; sleep 0.1; done
[ -s "$T/port2" ] || fail "the second server did not start"
limited=no
for _ in $(seq 10); do
  got=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary '{"login":"maker","password":"Wrong-Password-1"}' "http://127.0.0.1:$(cat "$T/port2")/api/v1/session")
  [ "$got" = 429 ] && { limited=yes; break; }
  [ "$got" = 401 ] || fail "a refused sign-in: $got"
done
kill "$PID2"; wait "$PID2" 2>/dev/null || true; PID2=
[ $limited = yes ] || fail "no 429 after refused sign-ins from one address"
jq -e '.error.code == "ELIMIT" and (.error.message | test("wait a minute"))' "$T/body" >/dev/null ||
  fail "the 429 body: $(cat "$T/body")"

# ---- no secret in any log line or answer ---------------------------------------------------
for secret in "${OTP[@]}" "$CLERK_OTP" "$NEWPW" "$KEY" 350102199002020021 350102198001010011 13800000000 13912345678 \
    $(cut -c1-20 "$T"/csrf.*); do
  grep -qF -- "$secret" "$T/server.log" && fail "a secret in the server log: ${secret:0:4}…"
done
grep -q '"route": "/api/v1/applications/{id}/check"' "$T/server.log" || fail "access log line"
# ... nor in any answer: no password or one-time password made outside the answer itself, and
# no full ID or mobile number to a role that may not see them (only maker and reviewer may)
for secret in "${OTP[@]}" "$NEWPW"; do
  grep -qF -- "$secret" "$T"/answers.* && fail "a password in an answer: ${secret:0:4}… ($(grep -lF -- "$secret" "$T"/answers.*))"
done
for who in anonymous applicant auditor approver admin; do
  [ -f "$T/answers.$who" ] || continue
  for pii in 350102199002020021 350102198001010011 13800000000 13912345678; do
    grep -qF -- "$pii" "$T/answers.$who" && fail "personal data in full in an answer to $who: ${pii:0:4}…"
  done
done

# ---- SIGTERM: a clean stop, the audit chain intact ------------------------------------------
kill -TERM "$PID"
wait "$PID" || fail "exit status after SIGTERM"
PID=
grep -q "stopped" "$T/server.log" || fail "stop message"
"$ESEAL" audit verify --dir "$D" "${STORE[@]}" >/dev/null || fail "audit chain after the server"
echo "serve: all checks passed"
