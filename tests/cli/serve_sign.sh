#!/usr/bin/env bash
# Sign services over HTTP (docs/sign-services.md) against a real `eseal serve` on a
# loopback port: a use request, its approval, a PDF and an OFD sealed through
# POST /api/v1/documents/seal, `eseal verify` says valid (platform anchors, status
# list, time stamp), poppler's pdfsig reads the PDF's signature, a second seal with the
# same request is refused, wrong role / state / PIN give their HTTP codes, the seal's
# DER and picture, the OES digest signature; no PIN in the log; the audit chain intact.
set -euo pipefail
ESEAL=$1
command -v curl >/dev/null && command -v jq >/dev/null && command -v sqlite3 >/dev/null ||
  { echo "curl, jq and sqlite3 are needed (scripts/deps.sh)"; exit 77; }
T=$(mktemp -d /tmp/eseal-cli-serve-sign.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$T/server.log" ] && tail -20 "$T/server.log" >&2; exit 1; }
D=$T/p
EPARGS=(--dir "$D")
source "$(dirname "$0")/lib/signin.sh"
sm3() { openssl dgst -sm3 -r "$1" | cut -c1-64; }

# ---- a platform with one unit, its active seal (registry import), and the people -------------
e init >/dev/null
e region add 350000 福建省 >/dev/null
e region add 350100 福州市 >/dev/null
printf 'name,credit_code,region,legal_rep\n福州甲有限公司,91350100100000067Q,350100,赵一\n' >"$T/feed.csv"
"$ESEAL" registry import --dir "$D" "$T/feed.csv" >/dev/null
unit=$(sqlite3 "$D/platform.db" "SELECT id FROM units WHERE credit_code = '91350100100000067Q'")
esid=$(sqlite3 "$D/platform.db" "SELECT esid FROM seals WHERE unit_id = $unit AND state = 'active'")
[ ${#esid} = 14 ] || fail "registry import made no active seal ($esid)"
e account add clerk --roles applicant --unit "$unit" >/dev/null
e account add approver --roles use-approver >/dev/null
e account add reviewer --roles reviewer >/dev/null
e account add keeper --roles unit-admin --unit "$unit" >/dev/null
declare -A OTP
for a in admin clerk approver reviewer; do OTP[$a]=$(e account otp "$a"); done

"$ESEAL" serve --dir "$D" --listen 127.0.0.1:0 --threads 2 --port-file "$T/port" 2>"$T/server.log" &
PID=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
[ -s "$T/port" ] || fail "the server did not start"
U=http://127.0.0.1:$(cat "$T/port")

call() {
  local method=$1 path=$2 body=${3:-} who=${4:-}
  local args=(-s -o "$T/body" -w '%{http_code}' -X "$method" -b "$T/jar.$who")
  [ "$method" != GET ] && args+=(-H "X-CSRF-Token: $(cat "$T/csrf.$who")")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  curl "${args[@]}" "$U$path"
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
# seal WHO FILE OUT [curl -F fields...]: POST /api/v1/documents/seal, the status printed
seal() {
  local who=$1 file=$2 out=$3; shift 3
  local args=(-s -D "$T/headers" -o "$out" -w '%{http_code}' -b "$T/jar.$who" -H "X-CSRF-Token: $(cat "$T/csrf.$who")"
    -F "document=@$file")
  for f in "$@"; do args+=(-F "$f"); done
  curl "${args[@]}" "$U/api/v1/documents/seal"
}
expect_seal() { local want=$1; shift; local got; got=$(seal "$@"); [ "$got" = "$want" ] || { cat "$3" >&2; fail "seal: expected $want, got $got: $*"; }; }
PW=Seal-Platform-2026
declare -A NUM=([clerk]=1 [approver]=2 [reviewer]=3 [admin]=4)
for a in admin clerk approver reviewer; do
  signin "$a" "${OTP[$a]}"
  expect 200 POST /api/v1/password "{\"login\":\"$a\",\"old_password\":\"${OTP[$a]}\",\"new_password\":\"$PW-${NUM[$a]}\"}" "$a"
  signin "$a" "$PW-${NUM[$a]}"
done

# ---- documents: a two-page PDF with text, a two-page OFD ---------------------------------------
python3 "$(dirname "$0")/lib/mkpdf.py" "$T/contract.pdf" "Purchase contract 2026-17: the buyer seals here" "Page two: terms and the buyer's seal"
"$ESEAL" ofd make -o "$T/licence.ofd" --title 营业执照 "营业执照" "名称：福州甲有限公司" "登记机关盖章处" >/dev/null
"$ESEAL" ofd make -o "$T/two.ofd" "第一页" $'\f' "第二页" >/dev/null

# ---- use request, approval, the sealed PDF ----------------------------------------------------
expect 201 POST /api/v1/use-requests "{\"esid\":\"$esid\",\"doc_sm3\":\"$(sm3 "$T/contract.pdf")\",\"purpose\":\"采购合同\"}" clerk
req_pdf=$(jq -r .id "$T/body")
# not yet approved: the request's state
expect_seal 409 clerk "$T/contract.pdf" "$T/x" "esid=$esid" "use_request=$req_pdf"
[ "$(jq -r .error.code "$T/x")" = ESTATE ] || fail "unapproved request: $(cat "$T/x")"
expect 200 POST "/api/v1/use-requests/$req_pdf/approve" '{"reason":"同意"}' approver
# a reviewer may not use seals: the role
expect_seal 403 reviewer "$T/contract.pdf" "$T/x" "esid=$esid" "use_request=$req_pdf"
[ "$(jq -r .error.code "$T/x")" = EDENIED ] || fail "reviewer: $(cat "$T/x")"
# the request covers this PDF only
expect_seal 403 clerk "$T/licence.ofd" "$T/x" "esid=$esid" "use_request=$req_pdf"
grep -q "does not cover" "$T/x" || fail "another document: $(cat "$T/x")"
# bad forms
expect_seal 422 clerk "$T/contract.pdf" "$T/x" "esid=$esid"
expect_seal 422 clerk "$T/contract.pdf" "$T/x" "esid=$esid" "use_request=$req_pdf" "placement=diagonal"
expect_seal 422 clerk "$T/contract.pdf" "$T/x" "esid=$esid" "use_request=$req_pdf" "colour=red"
expect_seal 422 clerk "$T/contract.pdf" "$T/x" "esid=$esid" "use_request=$req_pdf" "x_mm=-4"
[ "$(curl -s -o "$T/x" -w '%{http_code}' -b "$T/jar.clerk" -H "X-CSRF-Token: $(cat "$T/csrf.clerk")" \
  -H 'Content-Type: application/pdf' --data-binary @"$T/contract.pdf" "$U/api/v1/documents/seal")" = 415 ] || fail "raw body: 415"
printf -- '--B\r\nContent-Disposition: form-data; name="esid"\r\n\r\n%s' "$esid" >"$T/cut.form"
[ "$(curl -s -o "$T/x" -w '%{http_code}' -b "$T/jar.clerk" -H "X-CSRF-Token: $(cat "$T/csrf.clerk")" \
  -H 'Content-Type: multipart/form-data; boundary=B' --data-binary @"$T/cut.form" "$U/api/v1/documents/seal")" = 400 ] || fail "cut form: 400"
# sealed: on the keyword, a PDF answered as application/pdf
expect_seal 200 clerk "$T/contract.pdf" "$T/sealed.pdf" "esid=$esid" "use_request=$req_pdf" "placement=keyword" \
  "keyword=buyer" "reason=采购合同用印"
grep -qi '^Content-Type: application/pdf' "$T/headers" || fail "PDF content type"
usage=$(sed -n 's/^X-Eseal-Usage: \([0-9]*\).*/\1/ip' "$T/headers")
[ -n "$usage" ] || fail "usage record header"
cmp -n "$(stat -c %s "$T/contract.pdf")" "$T/contract.pdf" "$T/sealed.pdf" || fail "not an incremental update"
e status list -o "$T/status.json" >/dev/null
"$ESEAL" verify "$T/sealed.pdf" --trust "$D/trust" --status "$T/status.json" --json >"$T/report.json" ||
  fail "verify PDF: $(head -c 800 "$T/report.json")"
jq -e '.verdict == "valid" and (.signatures | length) == 1' "$T/report.json" >/dev/null || fail "PDF report"
jq -e '[.signatures[0].checks[] | select(.name == "timestamp")][0].result == "pass"' "$T/report.json" >/dev/null ||
  fail "PDF time stamp: $(jq -c '.signatures[0].checks' "$T/report.json")"
jq -e '[.signatures[0].checks[] | select(.name == "seal-status")][0].result == "pass"' "$T/report.json" >/dev/null ||
  fail "PDF seal status: $(jq -c '.signatures[0].checks' "$T/report.json")"
if command -v pdfsig >/dev/null; then
  pdfsig "$T/sealed.pdf" >"$T/pdfsig.txt" 2>&1 || fail "pdfsig: $(cat "$T/pdfsig.txt")"
  grep -q "Signature #1" "$T/pdfsig.txt" && grep -q "Total document signed" "$T/pdfsig.txt" ||
    fail "pdfsig does not see one signature over the whole document: $(cat "$T/pdfsig.txt")"
fi
# once: the same request again
expect_seal 409 clerk "$T/contract.pdf" "$T/x" "esid=$esid" "use_request=$req_pdf"
grep -q "once" "$T/x" || fail "second use: $(cat "$T/x")"
expect 200 GET "/api/v1/use-requests/$req_pdf" "" clerk
jq -e '.state == "used"' "$T/body" >/dev/null || fail "request used"
expect 200 GET "/api/v1/usage/$usage" "" clerk

# ---- the OFD by position, then a riding seal ---------------------------------------------------
expect 201 POST /api/v1/use-requests "{\"esid\":\"$esid\",\"doc_sm3\":\"$(sm3 "$T/licence.ofd")\",\"purpose\":\"电子证照\"}" clerk
req_ofd=$(jq -r .id "$T/body")
expect 200 POST "/api/v1/use-requests/$req_ofd/approve" "" approver
expect_seal 200 clerk "$T/licence.ofd" "$T/sealed.ofd" "esid=$esid" "use_request=$req_ofd" "page=1" "x_mm=120" "y_mm=150"
grep -qi '^Content-Type: application/ofd' "$T/headers" || fail "OFD content type"
"$ESEAL" verify "$T/sealed.ofd" --trust "$D/trust" --json >"$T/report.json" || fail "verify OFD: $(head -c 800 "$T/report.json")"
jq -e '.verdict == "valid" and (.signatures | length) == 1' "$T/report.json" >/dev/null || fail "OFD report"
expect 201 POST /api/v1/use-requests "{\"esid\":\"$esid\",\"doc_sm3\":\"$(sm3 "$T/two.ofd")\",\"purpose\":\"骑缝\"}" clerk
req_two=$(jq -r .id "$T/body")
expect 200 POST "/api/v1/use-requests/$req_two/approve" "" approver
expect_seal 200 clerk "$T/two.ofd" "$T/two-sealed.ofd" "esid=$esid" "use_request=$req_two" "placement=riding"
"$ESEAL" verify "$T/two-sealed.ofd" --trust "$D/trust" >/dev/null || fail "verify riding OFD"
cp "$T/contract.pdf" "$T/c3.pdf" && printf '%% riding copy\n' >>"$T/c3.pdf"
expect 201 POST /api/v1/use-requests "{\"esid\":\"$esid\",\"doc_sm3\":\"$(sm3 "$T/c3.pdf")\",\"purpose\":\"骑缝\"}" clerk
req_c3=$(jq -r .id "$T/body")
expect 200 POST "/api/v1/use-requests/$req_c3/approve" "" approver
expect_seal 200 clerk "$T/c3.pdf" "$T/c3-sealed.pdf" "esid=$esid" "use_request=$req_c3" "placement=riding" "y_mm=100"
"$ESEAL" verify "$T/c3-sealed.pdf" --trust "$D/trust" >/dev/null || fail "verify riding PDF"
# poppler reads a riding seal's one field (its /V) through each of its widgets and reports each
# widget as an unsigned field of the same name (docs/sign-services.md): it still finds both
if command -v pdfsig >/dev/null; then
  pdfsig "$T/c3-sealed.pdf" >"$T/pdfsig3.txt" 2>&1 || true
  [ "$(grep -c 'Signature Field Name: Seal1' "$T/pdfsig3.txt")" = 2 ] || fail "pdfsig riding PDF: $(cat "$T/pdfsig3.txt")"
fi

# ---- the seal itself, its picture, the OES digest signature ------------------------------------
expect 200 GET "/api/v1/seals/$esid/der" "" clerk
"$ESEAL" verify "$T/body" --trust "$D/trust" >/dev/null || fail "the seal's DER"
expect 200 GET "/api/v1/seals/$esid/picture" "" clerk
[ "$(head -c 8 "$T/body" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "picture is not a PNG"
expect 404 GET "/api/v1/seals/35999999999999/der" "" clerk
printf '<ofd:Signature>...</ofd:Signature>' >"$T/Signature.xml"
dg=$(sm3 "$T/Signature.xml")
expect 201 POST /api/v1/use-requests "{\"esid\":\"$esid\",\"doc_sm3\":\"$dg\",\"purpose\":\"OES\"}" clerk
req_dg=$(jq -r .id "$T/body")
expect 409 POST "/api/v1/seals/$esid/sign-digest" "{\"digest\":\"$dg\",\"use_request\":$req_dg}" clerk
expect 200 POST "/api/v1/use-requests/$req_dg/approve" "" approver
expect 422 POST "/api/v1/seals/$esid/sign-digest" "{\"digest\":\"zz\",\"use_request\":$req_dg}" clerk
expect 200 POST "/api/v1/seals/$esid/sign-digest" \
  "{\"digest\":\"$dg\",\"use_request\":$req_dg,\"property_info\":\"/Doc_0/Signs/Sign_0/Signature.xml\"}" clerk
jq -r .signature "$T/body" | base64 -d >"$T/sig.der"
"$ESEAL" verify "$T/sig.der" --original "$T/Signature.xml" --trust "$D/trust" >/dev/null || fail "digest signature"
expect 409 POST "/api/v1/seals/$esid/sign-digest" "{\"digest\":\"$dg\",\"use_request\":$req_dg}" clerk

# ---- the GM/T 0029 family: /svs/v1/ --------------------------------------------------------------
expect 200 POST /svs/v1/ExportCert "{\"esid\":\"$esid\"}" clerk
cert=$(jq -r .cert "$T/body")
printf '%s' "$cert" | base64 -d >"$T/seal.cer"
openssl x509 -inform DER -in "$T/seal.cer" -pubkey -noout >"$T/seal.pub" || fail "openssl reads the exported certificate"
expect 200 POST /svs/v1/ValidateCert "{\"cert\":\"$cert\"}" clerk
jq -e '.valid == true and .status == "ok" and .result == 0' "$T/body" >/dev/null || fail "ValidateCert: $(cat "$T/body")"
expect 200 POST /svs/v1/ValidateCert "{\"cert\":\"$cert\",\"level\":2}" clerk
# level 2 checks revocation against the platform's current CRL (the seal is active: not on it)
jq -e '.valid == true and .status == "ok"' "$T/body" >/dev/null || fail "ValidateCert level 2 with the platform's CRL: $(cat "$T/body")"
expect 422 POST /svs/v1/ValidateCert '{"cert":"not base64!"}' clerk
expect 400 POST /svs/v1/ValidateCert '{"cert":"AAAA"}' clerk
printf '报文：付款 100 元' >"$T/data.bin"
data=$(base64 -w0 "$T/data.bin")
expect 201 POST /api/v1/use-requests "{\"esid\":\"$esid\",\"doc_sm3\":\"$(sm3 "$T/data.bin")\",\"purpose\":\"报文\"}" clerk
req_data=$(jq -r .id "$T/body")
expect 409 POST /svs/v1/SignData "{\"esid\":\"$esid\",\"data\":\"$data\",\"use_request\":$req_data}" clerk
expect 200 POST "/api/v1/use-requests/$req_data/approve" "" approver
expect 403 POST /svs/v1/SignData "{\"esid\":\"$esid\",\"data\":\"$data\",\"use_request\":$req_data}" reviewer
expect 200 POST /svs/v1/SignData "{\"esid\":\"$esid\",\"data\":\"$data\",\"use_request\":$req_data}" clerk
sig=$(jq -r .signature "$T/body")
printf '%s' "$sig" | base64 -d >"$T/data.sig"
openssl pkeyutl -verify -pubin -inkey "$T/seal.pub" -rawin -digest sm3 -pkeyopt distid:1234567812345678 \
  -in "$T/data.bin" -sigfile "$T/data.sig" >/dev/null || fail "openssl does not verify SignData's signature"
expect 409 POST /svs/v1/SignData "{\"esid\":\"$esid\",\"data\":\"$data\",\"use_request\":$req_data}" clerk
expect 200 POST /svs/v1/VerifySignedData "{\"esid\":\"$esid\",\"data\":\"$data\",\"signature\":\"$sig\",\"level\":1}" clerk
jq -e '.valid == true' "$T/body" >/dev/null || fail "VerifySignedData: $(cat "$T/body")"
expect 200 POST /svs/v1/VerifySignedData "{\"cert\":\"$cert\",\"data\":\"$(printf 'other' | base64)\",\"signature\":\"$sig\"}" clerk
jq -e '.valid == false and .status == "bad-signature"' "$T/body" >/dev/null || fail "VerifySignedData of other data: $(cat "$T/body")"
expect 422 POST /svs/v1/VerifySignedData "{\"data\":\"$data\",\"signature\":\"$sig\"}" clerk
printf '电子公文正文' >"$T/msg.bin"
msg=$(base64 -w0 "$T/msg.bin")
expect 201 POST /api/v1/use-requests "{\"esid\":\"$esid\",\"doc_sm3\":\"$(sm3 "$T/msg.bin")\",\"purpose\":\"公文\"}" clerk
req_msg=$(jq -r .id "$T/body")
expect 200 POST "/api/v1/use-requests/$req_msg/approve" "" approver
expect 200 POST /svs/v1/SignMessage "{\"esid\":\"$esid\",\"data\":\"$msg\",\"use_request\":$req_msg}" clerk
signed=$(jq -r .message "$T/body")
printf '%s' "$signed" | base64 -d >"$T/msg.p7"
openssl cms -cmsout -print -inform DER -in "$T/msg.p7" >/dev/null 2>&1 ||
  openssl asn1parse -inform DER -in "$T/msg.p7" >/dev/null || fail "openssl does not parse the SignedData"
expect 200 POST /svs/v1/VerifySignedMessage "{\"message\":\"$signed\",\"data\":\"$msg\"}" clerk
jq -e '.valid == true and .status == "valid"' "$T/body" >/dev/null || fail "VerifySignedMessage: $(jq -c . "$T/body" | head -c 800)"
expect 200 POST /svs/v1/VerifySignedMessage "{\"message\":\"$signed\",\"data\":\"$data\"}" clerk
jq -e '.valid == false' "$T/body" >/dev/null || fail "VerifySignedMessage with another original"
expect 400 POST /svs/v1/VerifySignedMessage "{\"message\":\"$data\"}" clerk

# ---- a registered system (API key) signs only with the seals it is allowed ----------------------
expect 201 POST /api/v1/api-keys '{"login":"clerk","name":"OA 系统","expires":"2099-01-01T00:00:00Z","scope":"read,seal-use"}' admin
KEY=$(jq -r .key "$T/body"); KEYID=$(jq -r .id "$T/body")
printf '系统报文' >"$T/sys.bin"
expect 201 POST /api/v1/use-requests "{\"esid\":\"$esid\",\"doc_sm3\":\"$(sm3 "$T/sys.bin")\",\"purpose\":\"系统\"}" clerk
req_sys=$(jq -r .id "$T/body")
expect 200 POST "/api/v1/use-requests/$req_sys/approve" "" approver
bearer() { curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' --data-binary "$2" "$U$1"; }
body="{\"esid\":\"$esid\",\"data\":\"$(base64 -w0 "$T/sys.bin")\",\"use_request\":$req_sys}"
[ "$(bearer /svs/v1/SignData "$body")" = 403 ] || fail "a key allowed no seal signed: $(cat "$T/body")"
grep -q "may not sign with seal" "$T/body" || fail "key refusal wording: $(cat "$T/body")"
expect 403 POST "/api/v1/api-keys/$KEYID/seals" "{\"esid\":\"$esid\"}" clerk
expect 200 POST "/api/v1/api-keys/$KEYID/seals" "{\"esid\":\"$esid\"}" admin
expect 409 POST "/api/v1/api-keys/$KEYID/seals" "{\"esid\":\"$esid\"}" admin
expect 404 POST "/api/v1/api-keys/999/seals" "{\"esid\":\"$esid\"}" admin
[ "$(bearer /svs/v1/SignData "$body")" = 200 ] || fail "an allowed key: $(cat "$T/body")"
expect 200 DELETE "/api/v1/api-keys/$KEYID/seals/$esid" "" admin
expect 404 DELETE "/api/v1/api-keys/$KEYID/seals/$esid" "" admin

# ---- a key in a software token: the PIN -----------------------------------------------------
ESEAL_PIN=user-pin-77 ESEAL_ADMIN_PIN=admin-pin-77 e --as keeper token init "$esid" >/dev/null
cp "$T/contract.pdf" "$T/c2.pdf" && printf '%% another copy\n' >>"$T/c2.pdf"
expect 201 POST /api/v1/use-requests "{\"esid\":\"$esid\",\"doc_sm3\":\"$(sm3 "$T/c2.pdf")\",\"purpose\":\"令牌\"}" clerk
req_tok=$(jq -r .id "$T/body")
expect 200 POST "/api/v1/use-requests/$req_tok/approve" "" approver
expect_seal 401 clerk "$T/c2.pdf" "$T/x" "esid=$esid" "use_request=$req_tok" "pin=wrong-pin-77"
[ "$(jq -r .error.code "$T/x")" = EAUTH ] || fail "wrong PIN: $(cat "$T/x")"
expect_seal 200 clerk "$T/c2.pdf" "$T/c2-sealed.pdf" "esid=$esid" "use_request=$req_tok" "pin=user-pin-77" "page=2" \
  "x_mm=100" "y_mm=40"
"$ESEAL" verify "$T/c2-sealed.pdf" --trust "$D/trust" >/dev/null || fail "verify token-sealed PDF"
printf '<ofd:Signature>token</ofd:Signature>' >"$T/Signature2.xml"
dg2=$(sm3 "$T/Signature2.xml")
expect 201 POST /api/v1/use-requests "{\"esid\":\"$esid\",\"doc_sm3\":\"$dg2\",\"purpose\":\"OES\"}" clerk
req_dg2=$(jq -r .id "$T/body")
expect 200 POST "/api/v1/use-requests/$req_dg2/approve" "" approver
expect 401 POST "/api/v1/seals/$esid/sign-digest" "{\"digest\":\"$dg2\",\"use_request\":$req_dg2,\"pin\":\"wrong-pin-77\"}" clerk
expect 200 POST "/api/v1/seals/$esid/sign-digest" "{\"digest\":\"$dg2\",\"use_request\":$req_dg2,\"pin\":\"user-pin-77\"}" clerk

# ---- a lost seal: the seal's state ------------------------------------------------------------
expect 201 POST /api/v1/use-requests "{\"esid\":\"$esid\",\"doc_sm3\":\"$(sm3 "$T/two.ofd")\",\"purpose\":\"再次\"}" clerk
req_lost=$(jq -r .id "$T/body")
expect 200 POST "/api/v1/use-requests/$req_lost/approve" "" approver
sqlite3 "$D/platform.db" "UPDATE seals SET state = 'suspended' WHERE esid = '$esid'"
expect_seal 409 clerk "$T/two.ofd" "$T/x" "esid=$esid" "use_request=$req_lost" "pin=user-pin-77"
grep -q "suspended" "$T/x" || fail "suspended seal: $(cat "$T/x")"

# ---- no PIN in the log; the audit chain; a clean stop ------------------------------------------
for secret in user-pin-77 wrong-pin-77 admin-pin-77 "$KEY"; do
  grep -qF -- "$secret" "$T/server.log" && fail "a PIN in the server log"
done
kill -TERM "$PID"
wait "$PID" || fail "exit status after SIGTERM"
PID=
[ "$(sqlite3 "$D/platform.db" "SELECT COUNT(*) FROM usage_records WHERE out_hash IS NOT NULL")" = 10 ] || fail "usage records with output hashes"
[ "$(sqlite3 "$D/platform.db" "SELECT COUNT(*) FROM audit_log WHERE event = 'sign-data'")" = 5 ] || fail "sign-data audit entries"
[ "$(sqlite3 "$D/platform.db" "SELECT COUNT(*) FROM audit_log WHERE event = 'seal-document'")" = 5 ] || fail "audit entries"
"$ESEAL" audit verify --dir "$D" >/dev/null || fail "audit chain"
echo "serve sign: all checks passed"
