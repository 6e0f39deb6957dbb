#!/usr/bin/env bash
# eseal serve: streamed multipart uploads (attachments, an application with its
# impression, registry and public-security feeds) with every kind of bad upload,
# and the administrator's and custodian's routes (jobs, backups, audit verify and
# anchor, software-token PINs, authorisations), each with its role refusals.
# ESEAL_TEST_STORE=postgres:... runs it on PostgreSQL (tests/cli/serve_pg.sh).
set -euo pipefail
ESEAL=$1
SRC=$(cd "$(dirname "$0")/../.." && pwd)
command -v curl >/dev/null && command -v jq >/dev/null || { echo "curl and jq are needed (scripts/deps.sh)"; exit 77; }
T=$(mktemp -d /tmp/eseal-cli-serve-ops.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$T/server.log" ] && tail -20 "$T/server.log" >&2; exit 1; }
D=$T/p
STORE=()
[ -n "${ESEAL_TEST_STORE:-}" ] && STORE=(--store "$ESEAL_TEST_STORE")
EPARGS=(--dir "$D" "${STORE[@]}")
source "$(dirname "$0")/lib/signin.sh"
num() { jq -r ".$1"; }

# ---- a platform with a made and confirmed seal, set up from the command line ----------
e init >/dev/null
e region add 350000 福建省 >/dev/null
e region add 350100 福州市 >/dev/null
unit=$(e --json unit add --name 福建省测试厅 --credit-code 91350100100000016G --region 350000 | num unit)
sub=$(e --json unit add --name 福建省测试厅下属中心 --credit-code 91350100100000059X --region 350000 --superior "$unit" | num unit)
e account add applicant --roles applicant --unit "$unit" >/dev/null
e account add maker --roles maker >/dev/null
e account add reviewer --roles reviewer >/dev/null
e account add auditor --roles auditor >/dev/null
e account add approver --roles use-approver >/dev/null
e account add ua --roles unit-admin --unit "$unit" >/dev/null
read -r esid app < <(seal_made e applicant "$unit")
read -r esid2 _ < <(seal_made e applicant "$unit" --name 福建省测试厅财务专用章 --kind special --function finance) # for the device binding over HTTP
[ ${#esid} = 14 ] && [ ${#esid2} = 14 ] && [ -n "$app" ] || fail "the seals made from the command line: '$esid' '$esid2'"
declare -A OTP
for a in admin applicant maker reviewer auditor approver ua; do OTP[$a]=$(e account otp "$a"); done

"$ESEAL" serve --dir "$D" "${STORE[@]}" --listen 127.0.0.1:0 --threads 3 --port-file "$T/port" 2>"$T/server.log" &
PID=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
[ -s "$T/port" ] || fail "the server did not start"
U=http://127.0.0.1:$(cat "$T/port")

# as LOGIN curl-args...: the answer in $T/body, the status printed
as() {
  local who=$1; shift
  curl -s -o "$T/body" -w '%{http_code}' -b "$T/jar.$who" -H "X-CSRF-Token: $(cat "$T/csrf.$who")" "$@"
}
want() { local w=$1; shift; local got; got=$("$@") || true; [ "$got" = "$w" ] || { cat "$T/body" >&2; fail "expected $w, got $got: ${*:1:6}"; }; }
code() { jq -r .error.code "$T/body"; }
msg() { jq -r .error.message "$T/body"; }
signin() {
  local who=$1 pw=$2 got
  got=$(curl -s -o "$T/body" -w '%{http_code}' -c "$T/jar.$who" -H 'Content-Type: application/json' \
    --data-binary "{\"login\":\"$who\",\"password\":\"$pw\"}" "$U/api/v1/session")
  [ "$got" = 200 ] || { cat "$T/body" >&2; fail "sign-in of $who: $got"; }
  jq -r .csrf_token "$T/body" >"$T/csrf.$who"
}
NEWPW=Seal-Platform-2026
i=0
for a in admin applicant maker reviewer auditor approver ua; do
  i=$((i + 1))
  signin "$a" "${OTP[$a]}"
  want 200 curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary "{\"login\":\"$a\",\"old_password\":\"${OTP[$a]}\",\"new_password\":\"$NEWPW-$i\"}" "$U/api/v1/password"
  signin "$a" "$NEWPW-$i"
done

# ---- attachments: streamed multipart -------------------------------------------------------
form="{\"unit_id\":$unit,\"seal_name\":\"福建省测试厅合同专用章\",\"seal_kind\":\"special\",\"seal_function\":\"contract\",\"width_mm\":40,\"height_mm\":40,\"handler_name\":\"王五\",\"handler_mobile\":\"13800000000\",\"handler_id\":\"350102199002020021\"}"
want 201 as applicant -H 'Content-Type: application/json' --data-binary "$form" "$U/api/v1/applications"
draft=$(num id <"$T/body")
head -c 300000 /dev/urandom >"$T/letter.pdf"
want 200 as applicant -F kind=letter -F "file=@$T/letter.pdf;filename=../../etc/红头文件.pdf" "$U/api/v1/applications/$draft/attachments"
jq -e '.attachments | length == 1' "$T/body" >/dev/null || fail "attachment listed: $(cat "$T/body")"
att=$(jq -r '.attachments[0].id' "$T/body")
jq -e '.attachments[0].name == "红头文件.pdf" and .attachments[0].kind == "letter"' "$T/body" >/dev/null ||
  fail "the file's name without its path: $(jq -c .attachments "$T/body")"
want 200 as applicant "$U/api/v1/attachments/$att"
cmp -s "$T/letter.pdf" "$T/body" || fail "attachment bytes differ"
want 200 as applicant -F kind=id-copy -F name=身份证复印件 -F "file=@$T/letter.pdf" "$U/api/v1/applications/$draft/attachments"
jq -e '.attachments | map(.name) | index("身份证复印件") != null' "$T/body" >/dev/null || fail "named attachment"
# refusals: no credential, wrong role, wrong type, bad parts, too large, broken bodies
want 401 curl -s -o "$T/body" -w '%{http_code}' -F kind=letter -F "file=@$T/letter.pdf" "$U/api/v1/applications/$draft/attachments"
want 403 as maker -F kind=letter -F "file=@$T/letter.pdf" "$U/api/v1/applications/$draft/attachments"
want 415 as applicant -H 'Content-Type: application/json' --data-binary '{"kind":"letter"}' "$U/api/v1/applications/$draft/attachments"
grep -q "multipart/form-data" "$T/body" || fail "415 says what to send"
want 415 as applicant --data-urlencode kind=letter "$U/api/v1/applications/$draft/attachments"
want 415 as applicant -X POST "$U/api/v1/applications/$draft/attachments"
want 422 as applicant -F kind=letter -F "file=@$T/letter.pdf" -F colour=red "$U/api/v1/applications/$draft/attachments"
[ "$(msg)" = "unknown part 'colour' in the upload" ] || fail "unknown part named: $(msg)"
want 422 as applicant -F "file=@$T/letter.pdf" "$U/api/v1/applications/$draft/attachments"
grep -q "lacks its part 'kind'" "$T/body" || fail "missing part named"
want 422 as applicant -F kind=letter -F file=not-a-file "$U/api/v1/applications/$draft/attachments"
grep -q "must be a file" "$T/body" || fail "a field for a file"
want 400 as applicant -F kind=letter -F kind=summary -F "file=@$T/letter.pdf" "$U/api/v1/applications/$draft/attachments"
grep -q "given twice" "$T/body" || fail "duplicate part"
want 404 as applicant -F kind=letter -F "file=@$T/letter.pdf" "$U/api/v1/applications/999999/attachments"
head -c $((8 * 1024 * 1024 + 1)) /dev/zero >"$T/big"
want 413 as applicant -F kind=letter -F "file=@$T/big" "$U/api/v1/applications/$draft/attachments"
[ "$(code)" = ELIMIT ] || fail "413 code"
# declared size within the route's limit, one part over its own: refused while streaming
head -c $((8 * 1024 * 1024 - 100)) /dev/zero >"$T/almost"
want 413 as applicant -F kind=letter -F "file=@$T/almost" -F "name=@$T/letter.pdf;type=text/plain" \
  "$U/api/v1/applications/$draft/attachments"
# no declared size (chunked) and far too large: refused, the server goes on
head -c $((9 * 1024 * 1024)) /dev/zero >"$T/huge"
got=$(as applicant -H 'Transfer-Encoding: chunked' -F kind=letter -F "file=@$T/huge" "$U/api/v1/applications/$draft/attachments") || true
[ "$got" = 413 ] || [ "$got" = 000 ] || fail "chunked oversize upload: $got"
B=eseal-test-boundary
printf -- "--$B\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nletter\r\n--$B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nabc" >"$T/cut"
want 400 as applicant -H "Content-Type: multipart/form-data; boundary=$B" --data-binary @"$T/cut" "$U/api/v1/applications/$draft/attachments"
[ "$(code)" = EMALFORMED ] || fail "cut body code"
want 400 as applicant -H "Content-Type: multipart/form-data" --data-binary @"$T/cut" "$U/api/v1/applications/$draft/attachments"
printf -- "--$B\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nlet\0ter\r\n--$B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nabc\r\n--$B--\r\n" >"$T/nul"
want 422 as applicant -H "Content-Type: multipart/form-data; boundary=$B" --data-binary @"$T/nul" "$U/api/v1/applications/$draft/attachments"
grep -q "NUL" "$T/body" || fail "NUL in a text part"
want 200 curl -s -o "$T/body" -w '%{http_code}' "$U/healthz"   # the server goes on
# attachments only while a draft
want 409 as applicant -F kind=letter -F "file=@$T/letter.pdf" "$U/api/v1/applications/$app/attachments"

# ---- an application with its impression uploaded -------------------------------------------
"$ESEAL" image render --kind official --name 福建省测试厅 -o "$T/imp.png" >/dev/null
want 201 as applicant -F "form=$form" -F "impression=@$T/imp.png" "$U/api/v1/applications"
withimp=$(num id <"$T/body")
want 200 as applicant "$U/api/v1/applications/$withimp/impression"
cmp -s "$T/imp.png" "$T/body" || fail "uploaded impression not served back"
want 422 as applicant -F "form=$form" -F "impression=@$T/letter.pdf" "$U/api/v1/applications"
grep -q "must be a PNG" "$T/body" || fail "non-PNG impression"
want 422 as applicant -F 'form={"unit_id":1,"bogus":2}' "$U/api/v1/applications"
grep -q "unknown field 'bogus'" "$T/body" || fail "unknown form field"
want 400 as applicant -F 'form={"unit_id":' "$U/api/v1/applications"
want 415 as applicant -H 'Content-Type: text/plain' --data-binary "$form" "$U/api/v1/applications"

# ---- registry and public-security imports ---------------------------------------------------
printf 'name,credit_code,region,legal_rep\n福州甲有限公司,91350100100000067Q,350100,赵一\n' >"$T/feed.csv"
want 403 as maker -F "file=@$T/feed.csv" "$U/api/v1/registry/imports"
want 200 as admin -F "file=@$T/feed.csv" "$U/api/v1/registry/imports"
jq -e '.entities == 1 and .seals_made == 1' "$T/body" >/dev/null || fail "registry import: $(cat "$T/body")"
want 200 as admin -F "file=@$T/feed.csv" "$U/api/v1/registry/imports"
jq -e '.skipped == 1' "$T/body" >/dev/null || fail "registry rerun"
printf 'name,credit_code,region,legal_rep\n坏,91350100100000067X,350100,赵一\n' >"$T/bad.csv"
want 422 as admin -F "file=@$T/bad.csv" "$U/api/v1/registry/imports"
printf '[{"seal_code": "35000000000099", "credit_code": "91350100100000016G", "name": "福建省测试厅", "kind": "official"}]' >"$T/psb.json"
want 200 as admin -F "file=@$T/psb.json" "$U/api/v1/registry/psb-imports"
jq -e '.imported == 1' "$T/body" >/dev/null || fail "psb import"
want 403 as applicant -F "file=@$T/psb.json" "$U/api/v1/registry/psb-imports"

# ---- jobs, backups ----------------------------------------------------------------------
want 403 as maker -X POST "$U/api/v1/jobs/run"
want 200 as admin -X POST "$U/api/v1/jobs/run"
jq -e 'has("suspended") and has("expired") and has("delivered") and has("failed")' "$T/body" >/dev/null || fail "jobs result"
want 403 as auditor -X POST "$U/api/v1/backups"
want 413 as admin -H 'Content-Type: application/json' --data-binary '{"path":"/tmp/x"}' "$U/api/v1/backups"
want 200 as admin -X POST "$U/api/v1/backups"
bk=$(num file <"$T/body")
case "$bk" in eseal-*.esbk) ;; *) fail "backup name $bk" ;; esac
[ -s "$D/backups/$bk" ] || fail "backup file in DIR/backups"
[ "$(stat -c %a "$D/backups")" = 700 ] || fail "backup folder mode"
[ "$(stat -c %s "$D/backups/$bk")" = "$(num bytes <"$T/body")" ] || fail "backup size reported"
if [ -z "${ESEAL_TEST_STORE:-}" ]; then
  mkdir -m 700 "$T/r"
  cp "$D/master.key" "$T/r/master.key"
  "$ESEAL" restore "$D/backups/$bk" --dir "$T/r" | grep -q "audit log intact" || fail "restore of the HTTP backup"
fi

# ---- the audit log: verify, anchor, verify against the anchor ----------------------------------
want 403 as applicant -X POST "$U/api/v1/audit/verify"
want 200 as auditor -X POST "$U/api/v1/audit/verify"
jq -e '.intact == true and .entries > 10 and (.head | length) == 64' "$T/body" >/dev/null || fail "audit verify"
want 200 as auditor -X POST "$U/api/v1/audit/anchor"
cp "$T/body" "$T/anchor.json"
jq -e '(.hash | length) == 64 and .seq > 0' "$T/anchor.json" >/dev/null || fail "anchor"
want 200 as auditor -H 'Content-Type: application/json' --data-binary @"$T/anchor.json" "$U/api/v1/audit/verify"
jq -e '.intact == true' "$T/body" >/dev/null || fail "verify against the anchor"
jq '.hash = ("0" * 64)' "$T/anchor.json" >"$T/forged.json"
want 422 as auditor -H 'Content-Type: application/json' --data-binary @"$T/forged.json" "$U/api/v1/audit/verify"
want 422 as auditor -H 'Content-Type: application/json' --data-binary '{"seq":1,"extra":2}' "$U/api/v1/audit/verify"

# ---- custody: a software token, PIN change, PIN reset after a pin-unlock application ---------
want 403 as applicant -H 'Content-Type: application/json' --data-binary '{"user_pin":"user-pin-1","admin_pin":"admin-pin-1"}' "$U/api/v1/seals/$esid/token"
want 422 as ua -H 'Content-Type: application/json' --data-binary '{"user_pin":"123"}' "$U/api/v1/seals/$esid/token"
want 200 as ua -H 'Content-Type: application/json' --data-binary '{"user_pin":"user-pin-1","admin_pin":"admin-pin-1"}' "$U/api/v1/seals/$esid/token"
want 401 as applicant -H 'Content-Type: application/json' --data-binary '{"old_pin":"wrong-pin-0","new_pin":"user-pin-2"}' "$U/api/v1/seals/$esid/pin"
want 200 as applicant -H 'Content-Type: application/json' --data-binary '{"old_pin":"user-pin-1","new_pin":"user-pin-2"}' "$U/api/v1/seals/$esid/pin"
want 409 as ua -H 'Content-Type: application/json' --data-binary '{"admin_pin":"admin-pin-1","new_pin":"user-pin-3"}' "$U/api/v1/seals/$esid/pin-reset"
grep -qi "unlock" "$T/body" || fail "reset needs a pin-unlock application: $(cat "$T/body")"
unlock="{\"business\":\"pin-unlock\",\"target_esid\":\"$esid\",\"unit_id\":$unit,\"seal_name\":\"福建省测试厅\",\"width_mm\":42,\"height_mm\":42,\"handler_name\":\"王五\",\"handler_mobile\":\"13800000000\",\"handler_id\":\"350102199002020021\"}"
want 201 as applicant -H 'Content-Type: application/json' --data-binary "$unlock" "$U/api/v1/applications"
ua_app=$(num id <"$T/body")
want 200 as applicant -X POST "$U/api/v1/applications/$ua_app/submit"
want 200 as maker -X POST "$U/api/v1/applications/$ua_app/check"
want 200 as reviewer -H 'Content-Type: application/json' --data-binary '{"approve":true}' "$U/api/v1/applications/$ua_app/review"
want 200 as maker -X POST "$U/api/v1/applications/$ua_app/make"
want 403 as applicant -H 'Content-Type: application/json' --data-binary '{"admin_pin":"admin-pin-1","new_pin":"user-pin-3"}' "$U/api/v1/seals/$esid/pin-reset"
want 200 as ua -H 'Content-Type: application/json' --data-binary '{"admin_pin":"admin-pin-1","new_pin":"user-pin-3"}' "$U/api/v1/seals/$esid/pin-reset"
want 200 as applicant -H 'Content-Type: application/json' --data-binary '{"old_pin":"user-pin-3","new_pin":"user-pin-4"}' "$U/api/v1/seals/$esid/pin"

# ---- authorisations ------------------------------------------------------------------------
auth="{\"unit_id\":$sub,\"from\":\"2026-01-01T00:00:00Z\",\"to\":\"2099-01-01T00:00:00Z\",\"letter\":\"授权书 2026-01\"}"
want 403 as applicant -H 'Content-Type: application/json' --data-binary "$auth" "$U/api/v1/seals/$esid/authorisations"
want 422 as ua -H 'Content-Type: application/json' --data-binary "{\"unit_id\":$sub,\"from\":\"soon\",\"to\":\"later\"}" "$U/api/v1/seals/$esid/authorisations"
want 200 as ua -H 'Content-Type: application/json' --data-binary "$auth" "$U/api/v1/seals/$esid/authorisations"
jq -e ".esid == \"$esid\"" "$T/body" >/dev/null || fail "authorised seal"
want 403 as ua -H 'Content-Type: application/json' --data-binary "{\"unit_id\":$unit,\"from\":\"2026-01-01T00:00:00Z\",\"to\":\"2099-01-01T00:00:00Z\",\"letter\":\"x\"}" "$U/api/v1/seals/$esid/authorisations"
batch='{"purpose":"合同","from":"2026-01-01T00:00:00Z","to":"2099-01-01T00:00:00Z"}'
want 403 as applicant -H 'Content-Type: application/json' --data-binary "$batch" "$U/api/v1/seals/$esid/batch-authorisations"
# the platform's rule reaches the caller: batch authorisations are for device seals only
want 409 as approver -H 'Content-Type: application/json' --data-binary "$batch" "$U/api/v1/seals/$esid/batch-authorisations"
grep -q "is not a device seal" "$T/body" || fail "batch authorisation refusal: $(cat "$T/body")"
want 404 as ua -H 'Content-Type: application/json' --data-binary "$auth" "$U/api/v1/seals/123/authorisations"

# ---- a device seal: the holder's device makes the key pair, the platform the certificate ----
openssl genpkey -algorithm SM2 -out "$T/device.key" 2>/dev/null
openssl req -new -key "$T/device.key" -sm3 -sigopt distid:1234567812345678 -subj "/CN=usb key" -out "$T/device.csr"
jq -Rs '{csr: .}' "$T/device.csr" >"$T/device.json"
want 403 as applicant -H 'Content-Type: application/json' --data-binary @"$T/device.json" "$U/api/v1/seals/$esid2/device"
want 400 as ua -H 'Content-Type: application/json' --data-binary '{"csr":"not a request"}' "$U/api/v1/seals/$esid2/device"
want 200 as ua -H 'Content-Type: application/json' --data-binary @"$T/device.json" "$U/api/v1/seals/$esid2/device"
jq -r .certificate "$T/body" >"$T/device.crt"
cmp -s <(openssl x509 -in "$T/device.crt" -noout -pubkey) <(openssl pkey -in "$T/device.key" -pubout) ||
  fail "the device certificate is not for the device's key"
want 409 as ua -H 'Content-Type: application/json' --data-binary @"$T/device.json" "$U/api/v1/seals/$esid2/device"
# its uses: under a batch authorisation only, each recorded with the document's SM3
use="{\"doc_sm3\":\"$(printf 'a licence' | openssl dgst -sm3 -r | cut -c1-64)\"}"
want 403 as applicant -H 'Content-Type: application/json' --data-binary "$use" "$U/api/v1/seals/$esid2/device-uses"
want 403 as applicant -H 'Content-Type: application/json' --data-binary "$batch" "$U/api/v1/seals/$esid2/batch-authorisations"
want 201 as approver -H 'Content-Type: application/json' --data-binary "$batch" "$U/api/v1/seals/$esid2/batch-authorisations"
want 422 as applicant -H 'Content-Type: application/json' --data-binary '{"doc_sm3":"XYZ"}' "$U/api/v1/seals/$esid2/device-uses"
want 201 as applicant -H 'Content-Type: application/json' --data-binary "$use" "$U/api/v1/seals/$esid2/device-uses"
usage=$(num id <"$T/body")
want 200 as applicant "$U/api/v1/usage/$usage"
jq -e ".esid == \"$esid2\"" "$T/body" >/dev/null || fail "the device use recorded: $(cat "$T/body")"
want 409 as applicant -H 'Content-Type: application/json' --data-binary "$use" "$U/api/v1/seals/$esid/device-uses"

# ---- accounts: roles replaced, disabled and enabled again by a system administrator ----------
want 200 as admin "$U/api/v1/accounts?limit=100"
acct=$(jq -r '.items[] | select(.login == "reviewer") | .id' "$T/body")
want 403 as ua -H 'Content-Type: application/json' -X PATCH --data-binary '{"disabled":true}' "$U/api/v1/accounts/$acct"
want 422 as admin -H 'Content-Type: application/json' -X PATCH --data-binary '{"roles":["wizard"]}' "$U/api/v1/accounts/$acct"
want 422 as admin -H 'Content-Type: application/json' -X PATCH --data-binary '{}' "$U/api/v1/accounts/$acct"
want 404 as admin -H 'Content-Type: application/json' -X PATCH --data-binary '{"disabled":true}' "$U/api/v1/accounts/999999"
want 200 as admin -H 'Content-Type: application/json' -X PATCH --data-binary '{"roles":["reviewer","use-approver"],"disabled":true}' "$U/api/v1/accounts/$acct"
jq -e '.disabled == true and (.roles | sort) == ["reviewer","use-approver"]' "$T/body" >/dev/null || fail "account edited: $(cat "$T/body")"
want 401 as reviewer "$U/api/v1/applications"
want 200 as admin -H 'Content-Type: application/json' -X PATCH --data-binary '{"roles":["reviewer"],"disabled":false}' "$U/api/v1/accounts/$acct"
signin reviewer "$NEWPW-4"
want 200 as reviewer "$U/api/v1/applications"

# ---- the OpenAPI document knows the uploads ---------------------------------------------------
want 200 curl -s -o "$T/body" -w '%{http_code}' "$U/api/openapi.json"
jq -e '.paths["/api/v1/applications/{id}/attachments"].post.requestBody.content["multipart/form-data"] and
       .paths["/api/v1/applications"].post.requestBody.content["application/json"] and
       .paths["/api/v1/applications"].post.requestBody.content["multipart/form-data"]' "$T/body" >/dev/null ||
  fail "upload routes in the OpenAPI document"

# ---- no PIN or password in the log; a clean stop ---------------------------------------------
for secret in user-pin-1 user-pin-2 user-pin-3 user-pin-4 admin-pin-1 wrong-pin-0 "$NEWPW" "${OTP[@]}" 350102199002020021; do
  grep -qF -- "$secret" "$T/server.log" && fail "a secret in the server log: ${secret:0:4}…"
done
grep -q '"route": "/api/v1/applications/{id}/attachments", "status": 413' "$T/server.log" || fail "413 logged by route"
kill -TERM "$PID"
wait "$PID" || fail "exit status after SIGTERM"
PID=
"$ESEAL" audit verify --dir "$D" "${STORE[@]}" >/dev/null || fail "audit chain after the server"
echo "serve_ops: all checks passed"
