#!/usr/bin/env bash
# The API contract: a real server is driven through an application's life, the
# records, uploads, operations and refusals; every JSON answer is recorded with its
# route pattern and status and validated against its schema in docs/openapi.json
# (the success schema of the route, or the one Error shape) with python3-jsonschema.
set -euo pipefail
ESEAL=$1
SRC=$(cd "$(dirname "$0")/../.." && pwd)
command -v curl >/dev/null && command -v jq >/dev/null || { echo "curl and jq are needed (scripts/deps.sh)"; exit 77; }
python3 -c 'import jsonschema, referencing' 2>/dev/null || { echo "python3-jsonschema is needed (scripts/deps.sh)"; exit 77; }
T=$(mktemp -d /tmp/eseal-cli-serve-contract.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
D=$T/p
e() { "$ESEAL" platform --dir "$D" "$@"; }
e init >/dev/null
e region add 350000 福建省 >/dev/null
unit=$(e --json unit add --name 福建省测试厅 --credit-code 91350100100000016G --region 350000 | jq -r .unit)
for a in "applicant --unit $unit" maker reviewer auditor approver "ua --unit $unit"; do
  set -- $a
  role=$1; [ "$1" = ua ] && role=unit-admin; [ "$1" = approver ] && role=use-approver
  e account add "$@" --roles "$role" >/dev/null
done
"$ESEAL" serve --dir "$D" --listen 127.0.0.1:0 --threads 2 --port-file "$T/port" --quiet 2>"$T/server.log" &
PID=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
[ -s "$T/port" ] || fail "the server did not start"
U=http://127.0.0.1:$(cat "$T/port")
mkdir "$T/rec"
n=0
# r WHO METHOD PATTERN PATH [curl args]: call, record "METHOD PATTERN STATUS FILE"; the answer also in $T/body
r() {
  local who=$1 method=$2 pattern=$3 path=$4; shift 4
  n=$((n + 1))
  local args=(-s -o "$T/rec/$n" -w '%{http_code}' -X "$method")
  [ "$who" != - ] && args+=(-b "$T/jar.$who" -H "X-CSRF-Token: $(cat "$T/csrf.$who")")
  local status
  status=$(curl "${args[@]}" "$@" "$U$path")
  cp "$T/rec/$n" "$T/body"
  echo "$method $pattern $status $T/rec/$n" >>"$T/recorded"
}
J=(-H 'Content-Type: application/json' --data-binary)
signin() {
  curl -s -o "$T/body" -c "$T/jar.$1" "${J[@]}" "{\"login\":\"$1\",\"password\":\"$2\"}" "$U/api/v1/session"
  jq -r .csrf_token "$T/body" >"$T/csrf.$1"
}
i=0
for a in admin applicant maker reviewer auditor approver ua; do
  i=$((i + 1))
  otp=$(e account otp "$a")
  r - POST /api/v1/session /api/v1/session "${J[@]}" "{\"login\":\"$a\",\"password\":\"$otp\"}"
  r - POST /api/v1/password /api/v1/password "${J[@]}" "{\"login\":\"$a\",\"old_password\":\"$otp\",\"new_password\":\"Seal-Platform-2026-$i\"}"
  signin "$a" "Seal-Platform-2026-$i"
done
r - GET /healthz /healthz
r - GET /readyz /readyz
r admin GET /api/v1/session /api/v1/session
form="{\"unit_id\":$unit,\"seal_name\":\"福建省测试厅\",\"width_mm\":42,\"height_mm\":42,\"handler_name\":\"王五\",\"handler_mobile\":\"13800000000\",\"handler_id\":\"350102199002020021\"}"
r applicant POST /api/v1/applications /api/v1/applications "${J[@]}" "$form"
app=$(jq -r .id "$T/body")
printf 'letter' >"$T/l.pdf"
r applicant POST "/api/v1/applications/{id}/attachments" "/api/v1/applications/$app/attachments" -F kind=letter -F "file=@$T/l.pdf"
r applicant PATCH "/api/v1/applications/{id}" "/api/v1/applications/$app" "${J[@]}" '{"seal_name":"福建省测试厅（更正）","width_mm":40}'
[ "$(jq -r '.seal_name, .width_mm, .height_mm' "$T/body" | paste -sd' ')" = "福建省测试厅（更正） 40 42" ] || fail "PATCH did not correct the application: $(cat "$T/body")"
r applicant PATCH "/api/v1/applications/{id}" "/api/v1/applications/$app" -F 'form={"handler_name":"王六"}'
[ "$(jq -r .handler_name "$T/body")" = 王六 ] || fail "a multipart PATCH did not correct the application"
r applicant GET "/api/v1/applications/{id}" "/api/v1/applications/$app"
r applicant GET /api/v1/applications "/api/v1/applications?limit=2"
r applicant POST "/api/v1/applications/{id}/submit" "/api/v1/applications/$app/submit"
r maker POST "/api/v1/applications/{id}/check" "/api/v1/applications/$app/check"
r reviewer POST "/api/v1/applications/{id}/review" "/api/v1/applications/$app/review" "${J[@]}" '{"approve":true}'
r maker POST "/api/v1/applications/{id}/make" "/api/v1/applications/$app/make"
esid=$(jq -r .result_esid "$T/body")
r maker POST "/api/v1/applications/{id}/file" "/api/v1/applications/$app/file"
r maker POST "/api/v1/applications/{id}/deliver" "/api/v1/applications/$app/deliver"
r applicant POST "/api/v1/seals/{esid}/confirm" "/api/v1/seals/$esid/confirm"
r - GET "/api/v1/seals/{esid}/status" "/api/v1/seals/$esid/status"
r applicant GET /api/v1/seals /api/v1/seals
r applicant GET "/api/v1/seals/{id}" "/api/v1/seals/$esid"
r admin POST /api/v1/regions /api/v1/regions "${J[@]}" '{"code":"350100","name":"福州市"}'
r admin GET /api/v1/regions /api/v1/regions
r admin POST /api/v1/units /api/v1/units "${J[@]}" "{\"name\":\"福建省下属中心\",\"credit_code\":\"91350100100000059X\",\"region\":\"350000\",\"superior\":$unit}"
sub=$(jq -r .id "$T/body")
r admin GET /api/v1/units /api/v1/units
r admin GET "/api/v1/units/{id}" "/api/v1/units/$unit"
r admin POST /api/v1/people /api/v1/people "${J[@]}" "{\"name\":\"李四\",\"resident_id\":\"350102198001010011\",\"mobile\":\"13912345678\",\"unit_id\":$unit}"
person=$(jq -r .id "$T/body")
r auditor GET /api/v1/people /api/v1/people
r maker GET "/api/v1/people/{id}" "/api/v1/people/$person"
r admin POST /api/v1/accounts /api/v1/accounts "${J[@]}" "{\"login\":\"clerk\",\"roles\":[\"applicant\"],\"unit_id\":$unit}"
r admin GET /api/v1/accounts /api/v1/accounts
r admin GET "/api/v1/accounts/{id}" /api/v1/accounts/1
r admin POST "/api/v1/accounts/{login}/one-time-password" /api/v1/accounts/clerk/one-time-password
clerk=$(curl -s -b "$T/jar.admin" "$U/api/v1/accounts?limit=100" | jq -r '.items[] | select(.login == "clerk") | .id')
r admin PATCH "/api/v1/accounts/{id}" "/api/v1/accounts/$clerk" "${J[@]}" '{"disabled":true}'
r admin POST /api/v1/api-keys /api/v1/api-keys "${J[@]}" '{"login":"maker","name":"OA","expires":"2099-01-01T00:00:00Z","scope":"read"}'
key=$(jq -r .id "$T/body")
r admin GET /api/v1/api-keys /api/v1/api-keys
r admin GET "/api/v1/api-keys/{id}" "/api/v1/api-keys/$key"
r admin DELETE "/api/v1/api-keys/{id}" "/api/v1/api-keys/$key"
doc=$(printf 'a contract' | openssl dgst -sm3 -r | cut -c1-64)
r applicant POST /api/v1/use-requests /api/v1/use-requests "${J[@]}" "{\"esid\":\"$esid\",\"doc_sm3\":\"$doc\",\"purpose\":\"合同\"}"
req=$(jq -r .id "$T/body")
r approver POST "/api/v1/use-requests/{id}/approve" "/api/v1/use-requests/$req/approve" "${J[@]}" '{"reason":"同意"}'
r approver GET /api/v1/use-requests /api/v1/use-requests
r approver GET "/api/v1/use-requests/{id}" "/api/v1/use-requests/$req"
r auditor GET /api/v1/usage /api/v1/usage
r auditor GET /api/v1/audit "/api/v1/audit?limit=3"
r auditor GET "/api/v1/audit/{id}" /api/v1/audit/1
r admin GET /api/v1/outbox /api/v1/outbox
r admin POST /api/v1/jobs/run /api/v1/jobs/run
r admin POST /api/v1/backups /api/v1/backups
r auditor POST /api/v1/audit/verify /api/v1/audit/verify
r auditor POST /api/v1/audit/anchor /api/v1/audit/anchor
cp "$T/body" "$T/anchor.json"
r auditor POST /api/v1/audit/verify /api/v1/audit/verify "${J[@]}" @"$T/anchor.json"
r ua POST "/api/v1/seals/{esid}/token" "/api/v1/seals/$esid/token" "${J[@]}" '{"user_pin":"user-pin-1","admin_pin":"admin-pin-1"}'
r applicant POST "/api/v1/seals/{esid}/pin" "/api/v1/seals/$esid/pin" "${J[@]}" '{"old_pin":"user-pin-1","new_pin":"user-pin-2"}'
r ua POST "/api/v1/seals/{esid}/authorisations" "/api/v1/seals/$esid/authorisations" "${J[@]}" "{\"unit_id\":$sub,\"from\":\"2026-01-01T00:00:00Z\",\"to\":\"2099-01-01T00:00:00Z\",\"letter\":\"授权书\"}"
# a device seal: a second seal, bound to a device's key, its batch authorisation and a use
form2="{\"unit_id\":$unit,\"seal_kind\":\"special\",\"seal_function\":\"contract\",\"seal_name\":\"福建省测试厅合同专用章\",\"width_mm\":40,\"height_mm\":40,\"handler_name\":\"王五\",\"handler_mobile\":\"13800000000\",\"handler_id\":\"350102199002020021\"}"
r applicant POST /api/v1/applications /api/v1/applications "${J[@]}" "$form2"
app2=$(jq -r .id "$T/body")
r applicant POST "/api/v1/applications/{id}/submit" "/api/v1/applications/$app2/submit"
r maker POST "/api/v1/applications/{id}/check" "/api/v1/applications/$app2/check"
r reviewer POST "/api/v1/applications/{id}/review" "/api/v1/applications/$app2/review" "${J[@]}" '{"approve":true}'
r maker POST "/api/v1/applications/{id}/make" "/api/v1/applications/$app2/make"
esid2=$(jq -r .result_esid "$T/body")
r maker POST "/api/v1/applications/{id}/file" "/api/v1/applications/$app2/file"
r maker POST "/api/v1/applications/{id}/deliver" "/api/v1/applications/$app2/deliver"
r applicant POST "/api/v1/seals/{esid}/confirm" "/api/v1/seals/$esid2/confirm"
openssl genpkey -algorithm SM2 -out "$T/device.key" 2>/dev/null
openssl req -new -key "$T/device.key" -sm3 -sigopt distid:1234567812345678 -subj "/CN=usb key" -out "$T/device.csr"
jq -Rs '{csr: .}' "$T/device.csr" >"$T/device.json"
r ua POST "/api/v1/seals/{esid}/device" "/api/v1/seals/$esid2/device" "${J[@]}" @"$T/device.json"
r approver POST "/api/v1/seals/{esid}/batch-authorisations" "/api/v1/seals/$esid2/batch-authorisations" "${J[@]}" '{"purpose":"批量","from":"2026-01-01T00:00:00Z","to":"2099-01-01T00:00:00Z"}'
r applicant POST "/api/v1/seals/{esid}/device-uses" "/api/v1/seals/$esid2/device-uses" "${J[@]}" "{\"doc_sm3\":\"$doc\"}"
printf 'name,credit_code,region,legal_rep\n福州甲有限公司,91350100100000067Q,350100,赵一\n' >"$T/feed.csv"
r admin POST /api/v1/registry/imports /api/v1/registry/imports -F "file=@$T/feed.csv"
printf '[{"seal_code": "35000000000099", "credit_code": "91350100100000016G", "name": "福建省测试厅", "kind": "official"}]' >"$T/psb.json"
r - GET /api/openapi.json /api/openapi.json
r admin POST /api/v1/registry/psb-imports /api/v1/registry/psb-imports -F "file=@$T/psb.json"
# refusals: each in the one Error shape (everything before this line must have succeeded)
echo "--- refusals" >>"$T/recorded"
r - GET /api/v1/applications /api/v1/applications
r maker POST /api/v1/applications /api/v1/applications "${J[@]}" "$form"
r maker PATCH "/api/v1/applications/{id}" "/api/v1/applications/$app" "${J[@]}" '{"seal_name":"x"}'
r applicant PATCH "/api/v1/applications/{id}" "/api/v1/applications/$app" "${J[@]}" '{"seal_name":"x"}'
r applicant PATCH "/api/v1/applications/{id}" "/api/v1/applications/$app" "${J[@]}" '{"business":"renew"}'
r applicant GET "/api/v1/applications/{id}" /api/v1/applications/999999
r applicant POST /api/v1/applications /api/v1/applications "${J[@]}" '{"bogus":1}'
r applicant POST /api/v1/applications /api/v1/applications -H 'Content-Type: text/plain' --data-binary x
r applicant POST "/api/v1/applications/{id}/submit" "/api/v1/applications/$app/submit"
r - POST /api/v1/session /api/v1/session "${J[@]}" '{"login":'
r - POST /api/v1/session/certificate /api/v1/session/certificate
r admin POST /api/v1/backups /api/v1/backups "${J[@]}" '{"path":"/etc"}'
kill -TERM "$PID"
wait "$PID" || fail "exit status after SIGTERM"
PID=

PYTHONPATH="$SRC/tests/cli/lib" python3 - "$SRC/docs/openapi.json" "$T/recorded" <<'PY'
import json, sys
from schema import OpenAPI
api = OpenAPI(sys.argv[1])
doc = api.doc
bad, checked, statuses = 0, 0, set()
refusals = False
for line in open(sys.argv[2]):
    if line.startswith("--- refusals"):
        refusals = True
        continue
    method, pattern, status, path = line.split()
    if not refusals and not status.startswith("2"):
        print("%s %s was refused (%s): %s" % (method, pattern, status, open(path).read()[:200])); bad += 1
    if refusals and status.startswith("2"):
        print("%s %s was not refused" % (method, pattern)); bad += 1
    op = doc["paths"].get(pattern, {}).get(method.lower())
    if op is None:
        print("no such operation in the document: %s %s" % (method, pattern)); bad += 1; continue
    resp = op["responses"].get(status)
    if resp is None:
        print("%s %s answered %s, which the document does not list" % (method, pattern, status)); bad += 1; continue
    if "$ref" in resp:
        resp = doc["components"]["responses"][resp["$ref"].rsplit("/", 1)[1]]
    content = resp["content"]
    if "application/json" not in content:
        continue
    try:
        body = json.load(open(path))
    except ValueError as e:
        print("%s %s %s: not JSON: %s" % (method, pattern, status, e)); bad += 1; continue
    errors = api.errors(content["application/json"]["schema"]["$ref"][1:], body)
    for e in errors[:3]:
        print("%s %s %s: %s at %s" % (method, pattern, status, e.message[:200], "/".join(map(str, e.path))))
    bad += bool(errors)
    checked += 1
    statuses.add(status)
print("contract: %d answers checked (statuses %s), %d not as documented" % (checked, " ".join(sorted(statuses)), bad))
sys.exit(1 if bad or checked < 60 else 0)
PY
echo "serve_contract: all checks passed"
