#!/usr/bin/env bash
# Every business type of the application form over HTTP, each its whole life
# (create, submit, check, review, make, file, deliver) with its effect on the seal:
# apply (a new seal), renew (the same esID, a later expiry, inside the renewal
# window), change (a new seal, the old one revoked), revoke, loss (the seal lost at
# submission), reissue (after a loss: a new seal, the lost one revoked), reenable (a
# seal suspended after a year unused: active again), pin-unlock (a token seal: one
# PIN reset allowed). The callers are systems with API keys (Authorization: Bearer);
# the clock is moved by restarting the server with $ESEAL_FAKE_NOW (test builds). Also a
# county application forwarded office by office, a use request rejected, a region and a
# filing read back: with the other server scripts, every route is driven over HTTP.
set -euo pipefail
ESEAL=$1
source "$(dirname "$0")/lib/serve.sh"
serve_setup serve-business
export ESEAL_FAKE_NOW=2026-01-10T00:00:00Z
[ "$("$ESEAL" platform --help >/dev/null 2>&1; echo ok)" = ok ] || fail "help"

e init >/dev/null
e region add 350000 福建省 >/dev/null
unit=$(e --json unit add --name 福建省测试厅 --credit-code 91350100100000016G --region 350000 | jq -r .unit)
e account add applicant --roles applicant --unit "$unit" >/dev/null
e account add maker --roles maker >/dev/null
e account add reviewer --roles reviewer >/dev/null
e account add keeper --roles unit-admin --unit "$unit" >/dev/null
e account add approver --roles use-approver >/dev/null
e account add admin2 --roles sysadmin >/dev/null
e region add 350100 福州市 >/dev/null
e region add 350102 鼓楼区 >/dev/null
county=$(e --json unit add --name 鼓楼区测试局 --credit-code 913501001000000326 --region 350102 | jq -r .unit)
e account add county-applicant --roles applicant --unit "$county" >/dev/null
e account add county-maker --roles maker --region 350102 >/dev/null
e account add city-maker --roles maker --region 350100 >/dev/null
declare -A KEY
for a in applicant maker reviewer keeper approver admin2 county-applicant county-maker city-maker; do
  KEY[$a]=$(e --json api-key create "$a" --name "业务测试" --expires 2099-01-01 | jq -r .key)
  [ -n "${KEY[$a]}" ] && [ "${KEY[$a]}" != null ] || fail "API key of $a"
done

start() { export ESEAL_FAKE_NOW=$1; serve_start; } # start DATE: the server with its clock at DATE
stop() { serve_stop "$@"; }
call() { # call METHOD PATH [JSON] WHO: the answer in $T/body, the status printed
  local method=$1 path=$2 body=${3:-} who=$4
  local args=(-s -o "$T/body" -w '%{http_code}' -X "$method" -H "Authorization: Bearer ${KEY[$who]}")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  curl "${args[@]}" "$U$path"
}
expect() { local want=$1; shift; local got; got=$(call "$@"); [ "$got" = "$want" ] || { cat "$T/body" >&2; fail "expected $want, got $got: $*"; }; }
seal_state() { expect 200 GET "/api/v1/seals/$1" "" applicant; jq -r .state "$T/body"; }

# life BUSINESS TARGET [EXTRA-JSON]: one application of that business, its whole life; prints result_esid
life() {
  local biz=$1 target=$2 extra=${3:-} app
  local form="{\"business\":\"$biz\",\"unit_id\":$unit,\"seal_name\":\"福建省测试厅\",\"width_mm\":42,\"height_mm\":42,\"handler_name\":\"王五\",\"handler_mobile\":\"13800000000\",\"handler_id\":\"350102199002020021\"${target:+,\"target_esid\":\"$target\"}${extra}}"
  expect 201 POST /api/v1/applications "$form" applicant
  app=$(jq -r .id "$T/body")
  expect 200 POST "/api/v1/applications/$app/submit" "" applicant
  expect 200 POST "/api/v1/applications/$app/check" "" maker
  expect 200 POST "/api/v1/applications/$app/review" '{"approve":true}' reviewer
  expect 200 POST "/api/v1/applications/$app/make" "" maker
  local made; made=$(jq -r '.result_esid // empty' "$T/body")
  expect 200 POST "/api/v1/applications/$app/file" "" maker
  expect 200 POST "/api/v1/applications/$app/deliver" "" maker
  jq -e '.state == "delivered"' "$T/body" >/dev/null || fail "$biz: not delivered"
  jq -e "(.history | length) >= 7" "$T/body" >/dev/null || fail "$biz: history"
  printf '%s\n' "$made"
}

start 2026-01-10T00:00:00Z
# ---- apply: a new seal, active once its unit confirms it ---------------------------------
A=$(life apply "")
[ ${#A} = 14 ] || fail "apply made no esID ($A)"
expect 200 POST "/api/v1/seals/$A/confirm" "" applicant
[ "$(seal_state "$A")" = active ] || fail "apply: not active"
end_a=$(jq -r .valid_end "$T/body")

# ---- renew is refused outside the window, then done inside it: the same esID --------------
[ "$(call POST /api/v1/applications "{\"business\":\"renew\",\"unit_id\":$unit,\"seal_name\":\"福建省测试厅\",\"width_mm\":42,\"height_mm\":42,\"handler_name\":\"王五\",\"handler_mobile\":\"13800000000\",\"handler_id\":\"350102199002020021\",\"target_esid\":\"$A\",\"reason\":\"到期续期\"}" applicant)" = 409 ] ||
  fail "renew far from expiry accepted"
jq -e '.error.code == "ESTATE"' "$T/body" >/dev/null || fail "renew refusal code"
# Ctrl-C stops it cleanly too, even started in the background (where a shell ignores SIGINT)
stop INT
grep -q "SIGINT: finishing requests in flight" "$T/server.log" || fail "no clean stop on SIGINT"
start 2027-12-20T00:00:00Z      # within 30 days of the two-year validity's end
R=$(life renew "$A" ',"reason":"到期续期"')
[ "$R" = "$A" ] || fail "renew gave $R, not the same esID $A"
[ "$(seal_state "$A")" = active ] || fail "renew: not active"
[ "$(jq -r .valid_end "$T/body")" \> "$end_a" ] || fail "renew did not extend the validity"

# ---- change: a new seal, the old one revoked ------------------------------------------------
B=$(life change "$A" ',"reason":"单位名称规范化","multi_cert_reason":"变更"')
[ ${#B} = 14 ] && [ "$B" != "$A" ] || fail "change made no new esID ($B)"
[ "$(seal_state "$A")" = revoked ] || fail "change: the old seal is not revoked"
expect 200 POST "/api/v1/seals/$B/confirm" "" applicant

# ---- loss: lost at submission; reissue: a new seal, the lost one revoked -------------------
life loss "$B" ',"reason":"印章丢失"' >/dev/null
[ "$(seal_state "$B")" = lost ] || fail "loss: not lost"
expect 200 GET "/api/v1/seals/$B/status" "" applicant
C=$(life reissue "$B" ',"reason":"丢失补办"')
[ ${#C} = 14 ] && [ "$C" != "$B" ] || fail "reissue made no new esID ($C)"
[ "$(seal_state "$B")" = revoked ] || fail "reissue: the lost seal is not revoked"
expect 200 POST "/api/v1/seals/$C/confirm" "" applicant

# ---- reenable: a year unused, suspended by the jobs, active again by application ------------
stop
ESEAL_FAKE_NOW=2029-01-10T00:00:00Z "$ESEAL" jobs run --dir "$D" "${STORE[@]}" >/dev/null || fail "jobs run"
start 2029-01-10T00:00:00Z
[ "$(seal_state "$C")" = suspended ] || fail "a year unused: not suspended"
life reenable "$C" ',"reason":"恢复使用"' >/dev/null
[ "$(seal_state "$C")" = active ] || fail "reenable: not active"

# ---- pin-unlock: a seal in a software token, its PIN reset once after the application -------
expect 200 POST "/api/v1/seals/$C/token" '{"user_pin":"40718265","admin_pin":"93527146"}' keeper
life pin-unlock "$C" ',"reason":"PIN 锁定"' >/dev/null
expect 200 POST "/api/v1/seals/$C/pin-reset" '{"admin_pin":"93527146","new_pin":"61829374"}' keeper
[ "$(call POST "/api/v1/seals/$C/pin-reset" '{"admin_pin":"93527146","new_pin":"52917364"}' keeper)" = 409 ] ||
  fail "a second PIN reset without a new application"

# ---- a county unit's application goes up office by office: county, city, province ----------
cform="{\"unit_id\":$county,\"seal_name\":\"鼓楼区测试局\",\"width_mm\":42,\"height_mm\":42,\"handler_name\":\"王五\",\"handler_mobile\":\"13800000000\",\"handler_id\":\"350102199002020021\"}"
expect 201 POST /api/v1/applications "$cform" county-applicant
capp=$(jq -r .id "$T/body")
expect 200 POST "/api/v1/applications/$capp/submit" "" county-applicant
[ "$(call POST "/api/v1/applications/$capp/forward" "" city-maker)" = 403 ] || fail "the city forwarded the county's application"
expect 200 POST "/api/v1/applications/$capp/forward" "" county-maker
expect 200 POST "/api/v1/applications/$capp/forward" "" city-maker
[ "$(call POST "/api/v1/applications/$capp/forward" "" city-maker)" = 409 ] || fail "forwarded past the province"
expect 200 POST "/api/v1/applications/$capp/check" "" maker

# ---- a use request rejected with its reason; a region and a filing read back ------------------
sm3=$(printf 'contract' | openssl dgst -sm3 -r | cut -c1-64)
expect 201 POST /api/v1/use-requests "{\"esid\":\"$C\",\"doc_sm3\":\"$sm3\",\"purpose\":\"合同用印\"}" applicant
ureq=$(jq -r .id "$T/body")
[ "$(call POST "/api/v1/use-requests/$ureq/reject" '{"reason":"用途不明"}' applicant)" = 403 ] || fail "a requester rejected"
expect 200 POST "/api/v1/use-requests/$ureq/reject" '{"reason":"用途不明"}' approver
expect 200 GET "/api/v1/use-requests/$ureq" "" applicant
jq -e '.state == "rejected"' "$T/body" >/dev/null || fail "use request not rejected"
expect 200 GET /api/v1/regions/350102 "" applicant
jq -e '.name == "鼓楼区"' "$T/body" >/dev/null || fail "region read"
expect 404 GET /api/v1/regions/999999 "" applicant
expect 200 GET "/api/v1/outbox?limit=1" "" admin2
fid=$(jq -r '.items[0].id' "$T/body")
expect 200 GET "/api/v1/outbox/$fid" "" admin2
expect 403 GET "/api/v1/outbox/$fid" "" applicant

# ---- impressions drawn for the form, nothing stored: the standard one, one lifted from a scan ----
pv="{\"unit_id\":$unit,\"seal_kind\":\"special\",\"seal_function\":\"finance\",\"seal_name\":\"福建省测试厅\",\"width_mm\":40,\"height_mm\":40}"
expect 200 POST /api/v1/impressions/preview "$pv" applicant
[ "$(head -c 8 "$T/body" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "the standard impression is no PNG"
expect 403 POST /api/v1/impressions/preview "$pv" county-applicant   # another unit's
expect 403 POST /api/v1/impressions/preview "$pv" maker              # no app-create
expect 422 POST /api/v1/impressions/preview "${pv/\"width_mm\":40/\"width_mm\":90}" applicant
expect 422 POST /api/v1/impressions/preview "${pv/\"seal_function\":\"finance\",/}" applicant   # special without function
expect 422 POST /api/v1/impressions/preview "${pv/\"special\"/\"round\"}" applicant
expect 422 POST /api/v1/impressions/preview "${pv/\"unit_id\"/\"pin\":1,\"unit_id\"}" applicant   # unknown field
expect 403 POST /api/v1/impressions/preview "${pv/\"unit_id\":$unit/\"unit_id\":9999}" applicant   # no such unit: not theirs either
scan() { # scan TYPE FILE [QUERY]: POST the scan, the status printed, the headers in $T/head
  curl -s -o "$T/body" -D "$T/head" -w '%{http_code}' -X POST -H "Authorization: Bearer ${KEY[applicant]}" \
    -H "Content-Type: $1" --data-binary "@$2" "$U/api/v1/impressions/extract${3:-}"
}
"$ESEAL" image render --kind official --name 福建省测试厅 --dpi 300 -o "$T/seal300.png"
[ "$(scan image/png "$T/seal300.png" "?dpi=300")" = 200 ] || { cat "$T/body"; fail "a rendered impression not lifted"; }
tr -d '\r' <"$T/head" | grep -q '^X-Eseal-Impression-Shape: round$' || fail "the shape lifted"
tr -d '\r' <"$T/head" | grep -q '^X-Eseal-Impression-Dpi: 300 given$' || fail "the dpi given"
w=$(tr -d '\r' <"$T/head" | sed -n 's/^X-Eseal-Impression-Mm: \([0-9.]*\) .*/\1/p')
awk -v w="$w" 'BEGIN { exit !(w > 40 && w < 44) }' || fail "a 42 mm seal lifted as $w mm"
st=$(scan text/plain "$T/seal300.png"); [ "$st" = 415 ] || { cat "$T/body"; fail "a scan of another type answered $st"; }
[ "$(scan image/png "$T/seal300.png" "?dpi=abc")" = 422 ] || fail "a dpi that is no number"
[ "$(scan image/png "$T/seal300.png" "?dpi=10")" = 422 ] || fail "a dpi out of range"
head -c 200 "$T/seal300.png" >"$T/cut.png"
st=$(scan image/png "$T/cut.png"); [ "$st" = 400 ] || [ "$st" = 422 ] || fail "a cut PNG answered $st"
jq -e '.error.message | length > 0' "$T/body" >/dev/null || fail "a cut PNG without a message"
printf 'not an image' >"$T/junk"
st=$(scan image/jpeg "$T/junk"); [ "$st" = 400 ] || [ "$st" = 422 ] || fail "junk answered $st"

# ---- revoke: the seal ends --------------------------------------------------------------------
life revoke "$C" ',"reason":"单位注销"' >/dev/null
[ "$(seal_state "$C")" = revoked ] || fail "revoke: not revoked"
expect 200 GET "/api/v1/status-list" "" applicant
jq -e "[.seals[] | select(.esid == \"$C\" and .state == \"revoked\")] | length == 1" "$T/body" >/dev/null ||
  fail "the status list does not show $C revoked"

stop
"$ESEAL" audit verify --dir "$D" "${STORE[@]}" >/dev/null || fail "audit chain"
echo "serve_business: every business type over HTTP passed"
