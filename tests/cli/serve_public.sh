#!/usr/bin/env bash
# The public services of eseal serve, end to end with curl, jq and openssl against a
# real server on a loopback port (docs/public-services.md): POST /api/v1/verify agrees
# with `eseal verify --json` on every shared sample and on documents eseal made, names
# what a tampered copy changed, refuses bad bodies (413, 415, 422, 400); kept
# verifications and their expiry; the signed status list (ETag, 304, signature checked
# by openssl pkeyutl, a revocation seen); the trust document and its CRL; the TSA's
# RFC 3161 answers read by openssl ts, their SM2 signature checked by openssl pkeyutl.
set -euo pipefail
ESEAL=$1
SAMPLES=${2:-}
for t in curl jq openssl python3; do command -v $t >/dev/null || { echo "$t is needed (scripts/deps.sh)"; exit 77; }; done
T=$(mktemp -d /tmp/eseal-cli-serve-public.XXXXXX)
PID=
PID2=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; [ -n "$PID2" ] && kill "$PID2" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$T/server.log" ] && tail -5 "$T/server.log" >&2; exit 1; }
D=$T/p
EPARGS=(--dir "$D")
source "$(dirname "$0")/lib/signin.sh"
num() { sed -n "s/.*\"$1\": \"\{0,1\}\([0-9]*\).*/\1/p"; }

# ---- a platform with one active seal and one signature made by it ---------------------
e init >/dev/null
e region add 350000 福建省 >/dev/null
unit=$(e --json unit add --name 福建省测试厅 --credit-code 91350100100000016G --region 350000 | num unit)
e account add maker --roles maker >/dev/null
e account add reviewer --roles reviewer >/dev/null
e account add app1 --roles applicant --unit "$unit" >/dev/null
e account add appr --roles use-approver --unit "$unit" >/dev/null
read -r esid app < <(seal_made e app1 "$unit")
[ ${#esid} = 14 ] || fail "no seal made: '$esid'"
printf '采购合同 2026-001\n' >"$T/contract.txt"
req=$(e --as app1 --json use request "$esid" --document "$T/contract.txt" --purpose 采购合同 | num request)
e --as appr use approve "$req" >/dev/null
e --as app1 seal sign "$esid" --document "$T/contract.txt" --request "$req" -o "$T/contract.sig" >/dev/null
[ -s "$T/contract.sig" ] || fail "no signature made"

# ---- a PDF sealed by a separate eseal authority, trusted through --trust ------------------
export ESEAL_PASSPHRASE="public test"
CA=$T/ca
CESID=11010500000001
"$ESEAL" ca init --dir "$CA" >/dev/null
"$ESEAL" cert issue --dir "$CA" --esid $CESID --unit 示例科技有限公司 --credit-code 91110105061311021A >/dev/null
"$ESEAL" seal make --dir "$CA" --esid $CESID --name 示例科技有限公司 >/dev/null
python3 "$(dirname "$0")/lib/mkpdf.py" "$T/doc.pdf" "Licence No. 2026-042"
"$ESEAL" pdf sign "$T/doc.pdf" --dir "$CA" --esid $CESID --ses --tsa --page 1 --x 120 --y 30 -o "$T/sealed.pdf" >/dev/null

# ---- the server -----------------------------------------------------------------------------
"$ESEAL" serve --help >"$T/help"; grep -q -- "--max-document" "$T/help" || fail "serve --help lacks --max-document"
"$ESEAL" serve --dir "$D" --print-config --max-document 8 --keep-days 2 |
  jq -e '.max_document == 8 and .keep_days == 2' >/dev/null || fail "print-config of the public settings"
"$ESEAL" serve --dir "$D" --max-document 0 --print-config >/dev/null 2>&1 && fail "--max-document 0 accepted"
"$ESEAL" serve --dir "$D" --listen 127.0.0.1:0 --threads 2 --max-document 1 --trust "$CA/trust" \
  --port-file "$T/port" 2>"$T/server.log" &
PID=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
[ -s "$T/port" ] || fail "the server did not start"
U=http://127.0.0.1:$(cat "$T/port")

# post FILE [QUERY] [curl args...]: the answer in $T/body, headers in $T/headers, the status printed
post() {
  local f=$1 q=${2:-}; shift 2 || shift $#
  curl -s -D "$T/headers" -o "$T/body" -w '%{http_code}' --data-binary @"$f" "$@" "$U/api/v1/verify$q"
}
form() { curl -s -D "$T/headers" -o "$T/body" -w '%{http_code}' "$@" "$U/api/v1/verify"; }
shape() { jq -c '[.verdict, .format, [.signatures[] | [.verdict, [.checks[] | [.name, .result]]]]]' "$1"; }
hdr() { grep -i "^$1:" "$T/headers" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

# ---- the trust document: three certificates and a CRL openssl reads ----------------------
[ "$(curl -s -o "$T/trust.json" -w '%{http_code}' "$U/api/v1/trust")" = 200 ] || fail "GET /api/v1/trust"
jq -e '[.certificates[].role] == ["root", "maker", "tsa"] and (.crl.der | length) > 100' "$T/trust.json" >/dev/null ||
  fail "trust document shape: $(head -c 300 "$T/trust.json")"
mkdir -p "$T/anchors"
for r in root maker tsa; do
  jq -r ".certificates[] | select(.role == \"$r\") | .der" "$T/trust.json" | base64 -d >"$T/$r.der"
  openssl x509 -inform DER -in "$T/$r.der" -out "$T/$r.pem" || fail "openssl cannot read the $r certificate"
  [ "$(openssl dgst -sm3 -r "$T/$r.der" | cut -d' ' -f1)" = "$(jq -r ".certificates[] | select(.role == \"$r\") | .sm3" "$T/trust.json")" ] ||
    fail "SM3 fingerprint of the $r certificate"
done
cp "$T/root.pem" "$T/anchors/"
jq -r .crl.der "$T/trust.json" | base64 -d >"$T/crl.der"
openssl crl -inform DER -in "$T/crl.der" -noout -text >"$T/crl.txt" || fail "openssl cannot read the CRL"
grep -q "No Revoked Certificates" "$T/crl.txt" || fail "a fresh platform's CRL lists certificates"

# ---- every shared sample: the route says what eseal verify --json says ----------------------
if [ -n "$SAMPLES" ] && [ -d "$SAMPLES" ]; then
  declare -A WANT=([dms360_v1_seal_nonstd_tampered.ofd]=invalid [tongz_shandong-cegn_v4seal_plus_gmt0010sign.ofd]=invalid
    [hebeigede_v4_seal_ga-ext.der]=invalid [ofdrw_two_v4_seals_riding.ofd]=invalid)
  n=0
  for f in "$SAMPLES"/*.ofd "$SAMPLES"/*.esl "$SAMPLES"/*.der "$SAMPLES"/*.dat; do
    [ -f "$f" ] || continue
    b=$(basename "$f")
    [ "$(post "$f")" = 200 ] || fail "verify $b: $(cat "$T/body")"
    cp "$T/body" "$T/route.json"
    "$ESEAL" verify --json --trust "$T/anchors" --status-url "$U/api/v1/status-list" "$f" >"$T/cli.json" || true
    [ "$(shape "$T/route.json")" = "$(shape "$T/cli.json")" ] || fail "$b: route and CLI differ:
 $(shape "$T/route.json")
 $(shape "$T/cli.json")"
    want=${WANT[$b]:-indeterminate}  # untrusted foreign roots: never valid (samples README)
    [ "$(jq -r .verdict "$T/route.json")" = "$want" ] || fail "$b: $(jq -r .verdict "$T/route.json"), README says $want"
    [ "$(hdr X-Verdict)" = "$want" ] || fail "$b: X-Verdict header"
    n=$((n + 1))
  done
  [ $n -ge 12 ] || fail "only $n samples verified"
  # the tampered Shandong document names its three edited parts
  post "$SAMPLES/tongz_shandong-cegn_v4seal_plus_gmt0010sign.ofd" >/dev/null
  for part in OFD.xml Document.xml Content.xml; do grep -q "$part" "$T/body" || fail "tampered OFD: $part not named"; done
  # a detached GM/T 0010 signature with its original, as a form
  [ "$(form -F document=@"$SAMPLES/gomain_type-sign_pkcs7_SignedValue.dat" -F original=@"$SAMPLES/gomain_type-sign_pkcs7_Signature.xml")" = 200 ] ||
    fail "multipart with original: $(cat "$T/body")"
  jq -e '[.signatures[0].checks[] | select(.name == "data-hash")][0].result == "pass"' "$T/body" >/dev/null || fail "data-hash of the form's original"
  "$ESEAL" verify --json --trust "$T/anchors" --status-url "$U/api/v1/status-list" \
    --original "$SAMPLES/gomain_type-sign_pkcs7_Signature.xml" "$SAMPLES/gomain_type-sign_pkcs7_SignedValue.dat" >"$T/cli.json" || true
  [ "$(shape "$T/body")" = "$(shape "$T/cli.json")" ] || fail "multipart: route and CLI differ"
else
  echo "note: no samples folder given; the shared samples are not verified"
fi

# ---- documents eseal made ----------------------------------------------------------------------
# the platform's own seal, with the original: valid (its root is the anchor, the seal active)
[ "$(form -F document=@"$T/contract.sig" -F original=@"$T/contract.txt")" = 200 ] || fail "own signature: $(cat "$T/body")"
jq -e '.verdict == "valid"' "$T/body" >/dev/null || fail "own signature not valid: $(jq -c '[.signatures[].checks[]|[.name,.result,.reason]]' "$T/body")"
grep -q "is active" "$T/body" || fail "live seal status not consulted"
"$ESEAL" verify --json --trust "$T/anchors" --status-url "$U/api/v1/status-list" --original "$T/contract.txt" "$T/contract.sig" >"$T/cli.json"
[ "$(shape "$T/body")" = "$(shape "$T/cli.json")" ] || fail "own signature: route and CLI differ"
# raw, without the original: the data hash cannot be judged
[ "$(post "$T/contract.sig")" = 200 ] || fail "raw signature"
jq -e '.verdict == "indeterminate"' "$T/body" >/dev/null || fail "no original should be indeterminate"
# a changed original: invalid, naming the data hash
printf '采购合同 2026-002\n' >"$T/changed.txt"
form -F document=@"$T/contract.sig" -F original=@"$T/changed.txt" >/dev/null
jq -e '.verdict == "invalid" and ([.signatures[0].checks[] | select(.name == "data-hash")][0].result == "fail")' "$T/body" >/dev/null ||
  fail "changed original not caught: $(cat "$T/body")"
# the sealed PDF (its authority given with --trust): every check passes but the seal's status,
# which this platform cannot vouch for (not its seal): indeterminate, saying so
[ "$(post "$T/sealed.pdf")" = 200 ] || fail "sealed PDF"
jq -e '.format == "pdf" and .verdict == "indeterminate" and
  ([.signatures[].checks[] | select(.result != "pass" and .result != "skip") | .name] == ["seal-status"])' "$T/body" >/dev/null ||
  fail "sealed PDF: $(jq -c '[.signatures[].checks[]|[.name,.result,.reason]]' "$T/body")"
grep -q "not registered on this platform" "$T/body" || fail "a foreign seal's status not explained"
python3 - "$T/sealed.pdf" "$T/tampered.pdf" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.index(b"Licence No. 2026-042")
b[i + 12] = ord("9")  # 2026 -> 9026 inside the signed range: the hash of the signed bytes changes
open(sys.argv[2], "wb").write(b)
PY
post "$T/tampered.pdf" >/dev/null
jq -e '.verdict == "invalid"' "$T/body" >/dev/null || fail "tampered PDF not invalid"
jq -e '[.signatures[].checks[] | select(.result == "fail")] | length == 1 and .[0].name == "data-hash" and
  (.[0].reason | test("changed after signing"))' "$T/body" >/dev/null ||
  fail "tampered PDF: what changed is not named: $(jq -c '[.signatures[].checks[]|select(.result=="fail")]' "$T/body")"

# ---- bad bodies -------------------------------------------------------------------------------
head -c 1100000 /dev/urandom >"$T/big"
[ "$(post "$T/big")" = 413 ] || fail "a body over --max-document: $(cat "$T/body")"
head -c 20000 /dev/zero | tr '\0' 'a' >"$T/20k"
[ "$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @"$T/20k" "$U/api/v1/session")" = 413 ] ||
  fail "sign-in must stay at 16 KiB"
[ "$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/timestamp-query' --data-binary @"$T/20k" "$U/api/v1/tsa")" = 413 ] ||
  fail "the TSA takes 4 KiB at most"
# a signed-in route judges the declared size, then its caller, from the headers before the body:
# a stranger's upload is 413 if too big for the route, else 401, never buffered
[ "$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @"$T/big" "$U/api/v1/applications")" = 413 ] ||
  fail "an oversized upload to a signed-in route: $(cat "$T/body")"
[ "$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary '{"unit": 1}' "$U/api/v1/applications")" = 401 ] ||
  fail "an unauthenticated upload to a signed-in route: $(cat "$T/body")"
[ "$(post "$T/contract.txt" "" -H 'Content-Type: multipart/mixed; boundary=x')" = 415 ] || fail "multipart/mixed"
[ "$(post "$T/contract.txt")" = 422 ] || fail "a text file is not a document: $(cat "$T/body")"
grep -q "unrecognised" "$T/body" || fail "422 says what is wrong"
: >"$T/empty"
[ "$(post "$T/empty")" = 422 ] || fail "an empty body"
[ "$(post "$T/contract.sig" "?keep=maybe")" = 422 ] || fail "keep=maybe"
[ "$(post "$T/contract.sig" "?debug=1")" = 422 ] || fail "unknown query parameter"
grep -q "'debug'" "$T/body" || fail "unknown parameter named"
[ "$(form -F doc=@"$T/contract.sig")" = 422 ] || fail "unknown form field"
grep -q "'doc'" "$T/body" || fail "unknown field named"
[ "$(form -F original=@"$T/contract.txt")" = 422 ] || fail "form without a document"
printf -- '--xyz\r\nContent-Disposition: form-data; name="document"\r\n\r\nabc' >"$T/cut"
[ "$(post "$T/cut" "" -H 'Content-Type: multipart/form-data; boundary=xyz')" = 400 ] || fail "a cut multipart body"
grep -q "no closing" "$T/body" || fail "cut multipart explained"
[ "$(post "$T/cut" "" -H 'Content-Type: multipart/form-data')" = 400 ] || fail "multipart without a boundary"

# ---- kept verifications ---------------------------------------------------------------------
[ "$(form -F document=@"$T/contract.sig" -F original=@"$T/contract.txt" -F keep=1)" = 200 ] || fail "keep"
id=$(hdr X-Verification-Id)
[ "$(hdr Location)" = "/api/v1/verifications/$id" ] || fail "Location of the kept verification"
cp "$T/body" "$T/kept-report.json"
[ "$(curl -s -o "$T/kept.json" -w '%{http_code}' "$U/api/v1/verifications/$id")" = 200 ] || fail "GET the kept verification"
jq -e --arg id "$id" --arg sm3 "$(openssl dgst -sm3 -r "$T/contract.sig" | cut -d' ' -f1)" \
  --arg sha "$(sha256sum "$T/contract.sig" | cut -d' ' -f1)" --arg osm3 "$(openssl dgst -sm3 -r "$T/contract.txt" | cut -d' ' -f1)" \
  --argjson size "$(stat -c %s "$T/contract.sig")" \
  '.id == $id and .document.sm3 == $sm3 and .document.sha256 == $sha and .document.original_sm3 == $osm3 and .document.size == $size and .report.verdict == "valid"' \
  "$T/kept.json" >/dev/null || fail "kept record: $(head -c 400 "$T/kept.json")"
[ "$(jq -S .report "$T/kept.json")" = "$(jq -S . "$T/kept-report.json")" ] || fail "the kept report differs from the answer"
[ "$(post "$T/contract.sig" "?keep=1")" = 200 ] && [ -n "$(hdr X-Verification-Id)" ] || fail "?keep=1"
[ "$(post "$T/contract.sig")" = 200 ] && [ -z "$(hdr X-Verification-Id)" ] || fail "kept without being asked"
[ "$(curl -s -o "$T/body" -w '%{http_code}' "$U/api/v1/verifications/0123456789abcdef0123456789abcdef")" = 404 ] || fail "unknown id"
[ "$(curl -s -o "$T/body" -w '%{http_code}' "$U/api/v1/verifications/nothex")" = 404 ] || fail "bad id"

# ---- the signed status list: ETag, 304, the signature checked by openssl --------------------
[ "$(curl -s -D "$T/headers" -o "$T/list.json" -w '%{http_code}' "$U/api/v1/status-list")" = 200 ] || fail "status list"
etag=$(hdr ETag)
[ -n "$etag" ] && [ -n "$(hdr Last-Modified)" ] && [ -n "$(hdr Expires)" ] || fail "status list headers"
jq -e '.generated and .next_update and (.seals | length) == 0' "$T/list.json" >/dev/null || fail "status list body"
hdr X-Status-Signature | base64 -d >"$T/list.sig"
openssl x509 -in "$T/maker.pem" -pubkey -noout >"$T/maker.pub"
openssl pkeyutl -verify -pubin -inkey "$T/maker.pub" -rawin -digest sm3 -pkeyopt distid:1234567812345678 \
  -in "$T/list.json" -sigfile "$T/list.sig" >/dev/null || fail "openssl pkeyutl does not verify the status list"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$U/api/v1/status-list")" = 304 ] || fail "If-None-Match: 304"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'If-None-Match: "other"' "$U/api/v1/status-list")" = 200 ] || fail "other ETag: 200"
# GM/T 0029 ValidateCert level 2 (revocation) of the seal's certificate, by a signed-in account
got=$(curl -s -o "$T/body" -w '%{http_code}' -c "$T/jar" -H 'Content-Type: application/json' \
  --data-binary "{\"login\":\"app1\",\"password\":\"$(head -1 "$(pwf app1)")\"}" "$U/api/v1/session")
[ "$got" = 200 ] || fail "sign-in of app1: $got $(cat "$T/body")"
csrf=$(jq -r .csrf_token "$T/body")
svs() { curl -s -o "$T/body" -w '%{http_code}' -b "$T/jar" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' --data-binary "$2" "$U/svs/v1/$1"; }
[ "$(svs ExportCert "{\"esid\":\"$esid\"}")" = 200 ] || fail "ExportCert: $(cat "$T/body")"
scert=$(jq -r .cert "$T/body")
[ "$(svs ValidateCert "{\"cert\":\"$scert\",\"level\":2}")" = 200 ] || fail "ValidateCert: $(cat "$T/body")"
jq -e '.valid == true and .status == "ok"' "$T/body" >/dev/null || fail "ValidateCert level 2 of an active seal: $(cat "$T/body")"
# the seal is reported lost: the list changes at once, the old ETag no longer matches
lapp=$(e --as app1 --json app create --business loss --target "$esid" --reason 丢失 --unit "$unit" --name 福建省测试厅 \
  --handler 王五 --handler-mobile 13800000000 --handler-id 350102199002020021 | num application)
e --as app1 app submit "$lapp" >/dev/null
[ "$(curl -s -D "$T/headers" -o "$T/list2.json" -w '%{http_code}' -H "If-None-Match: $etag" "$U/api/v1/status-list")" = 200 ] ||
  fail "a changed list answered 304"
[ "$(hdr ETag)" != "$etag" ] || fail "the ETag did not change"
jq -e --arg e "$esid" '.seals[0].esid == $e and .seals[0].status == "lost"' "$T/list2.json" >/dev/null || fail "lost seal not listed"
# the route sees it live; the CLI, through --status-url, the same
form -F document=@"$T/contract.sig" -F original=@"$T/contract.txt" >/dev/null
# the signature carries a platform time stamp from before the loss: it stays valid (the
# seal was active when it signed), and the report names the later loss
jq -e '.verdict == "valid"' "$T/body" >/dev/null || fail "a signature time-stamped before the loss: $(jq -c '.verdict' "$T/body")"
grep -q "lost" "$T/body" || fail "the loss is not named"
"$ESEAL" verify --json --trust "$T/anchors" --status-url "$U/api/v1/status-list" --original "$T/contract.txt" "$T/contract.sig" >"$T/cli.json" || true
[ "$(jq -r .verdict "$T/cli.json")" = "$(jq -r .verdict "$T/body")" ] || fail "CLI with --status-url and the route disagree on the lost seal"
# a list whose signature header is missing is not believed
"$ESEAL" verify --status-url "http://127.0.0.1:1/none" "$T/contract.sig" >/dev/null 2>"$T/err" && fail "unreachable status URL accepted"
grep -q "cannot" "$T/err" || fail "unreachable status URL explained"
# the CRL now holds the seal's certificate, as keyCompromise
curl -s "$U/api/v1/trust" | jq -r .crl.der | base64 -d | openssl crl -inform DER -noout -text >"$T/crl.txt"
grep -q "Key Compromise" "$T/crl.txt" || fail "the lost seal's certificate is not on the CRL"
# and ValidateCert level 2 says so at once; level 1 (chain and validity) does not look
[ "$(svs ValidateCert "{\"cert\":\"$scert\",\"level\":2}")" = 200 ] || fail "ValidateCert: $(cat "$T/body")"
jq -e '.valid == false and .status == "revoked" and .result == 1' "$T/body" >/dev/null || fail "ValidateCert level 2 of a lost seal: $(cat "$T/body")"
[ "$(svs ValidateCert "{\"cert\":\"$scert\",\"level\":1}")" = 200 ] || fail "ValidateCert: $(cat "$T/body")"
jq -e '.valid == true' "$T/body" >/dev/null || fail "ValidateCert level 1 of a lost seal: $(cat "$T/body")"

# ---- the TSA: RFC 3161 answers openssl reads --------------------------------------------------
ts() { curl -s -D "$T/headers" -o "$2" -w '%{http_code}' -H 'Content-Type: application/timestamp-query' --data-binary @"$1" "$U/api/v1/tsa"; }
openssl ts -query -data "$T/contract.txt" -sm3 -cert -out "$T/q.tsq" 2>/dev/null
[ "$(ts "$T/q.tsq" "$T/r.tsr")" = 200 ] || fail "TSA"
[ "$(hdr Content-Type)" = application/timestamp-reply ] || fail "TSA content type"
openssl ts -reply -in "$T/r.tsr" -text >"$T/r.txt" 2>/dev/null || fail "openssl ts cannot read the reply"
grep -q "Status: Granted" "$T/r.txt" && grep -q "Hash Algorithm: sm3" "$T/r.txt" && grep -q "Policy OID: 1.2.156.10197.6.1.4.1" "$T/r.txt" ||
  fail "TSA reply: $(head -20 "$T/r.txt")"
qn=$(openssl ts -query -in "$T/q.tsq" -text 2>/dev/null | sed -n 's/^Nonce: //p')
[ -n "$qn" ] && grep -q "Nonce: $qn" "$T/r.txt" || fail "the nonce is not echoed"
# the token's SM2 signature over its signed attributes, and its imprint, checked with openssl alone
python3 - "$T/r.tsr" "$T" <<'PY' || fail "cannot take the token apart"
import sys
d = open(sys.argv[1], "rb").read(); out = sys.argv[2]
def tlv(b, i):
    t = b[i]; l = b[i + 1]; h = 2
    if l & 0x80:
        n = l & 0x7f; l = int.from_bytes(b[i + 2:i + 2 + n], "big"); h += n
    return t, i + h, i + h + l
def kids(b, s, e):
    r = []
    while s < e:
        t, cs, ce = tlv(b, s); r.append((t, s, cs, ce)); s = ce
    return r
_, s, e = tlv(d, 0)
status, token = kids(d, s, e)
ci = kids(d, token[2], token[3])                 # contentType, [0] content
sd = kids(d, ci[1][2], ci[1][3])                 # [0] holds SignedData
sd = kids(d, sd[0][2], sd[0][3])                 # version, digestAlgs, encap, [certs], signerInfos
encap = kids(d, sd[2][2], sd[2][3])
tst = kids(d, encap[1][2], encap[1][3])[0]       # [0] EXPLICIT OCTET STRING
open(out + "/tstinfo.der", "wb").write(d[tst[2]:tst[3]])
si = kids(d, sd[-1][2], sd[-1][3])[0]
parts = kids(d, si[2], si[3])
attrs = [p for p in parts if p[0] == 0xa0][0]
sig = [p for p in parts if p[0] == 0x04][-1]
open(out + "/attrs.der", "wb").write(b"\x31" + d[attrs[1] + 1:attrs[3]])  # [0] IMPLICIT -> SET OF
open(out + "/tok.sig", "wb").write(d[sig[2]:sig[3]])
PY
openssl x509 -in "$T/tsa.pem" -pubkey -noout >"$T/tsa.pub"
openssl pkeyutl -verify -pubin -inkey "$T/tsa.pub" -rawin -digest sm3 -pkeyopt distid:1234567812345678 \
  -in "$T/attrs.der" -sigfile "$T/tok.sig" >/dev/null || fail "openssl pkeyutl does not verify the token's signature"
grep -q "$(openssl dgst -sm3 -r "$T/tstinfo.der" | cut -d' ' -f1)" <(xxd -p "$T/attrs.der" | tr -d '\n') || fail "messageDigest is not SM3(TSTInfo)"
grep -q "$(openssl dgst -sm3 -r "$T/contract.txt" | cut -d' ' -f1)" <(xxd -p "$T/tstinfo.der" | tr -d '\n') || fail "the imprint is not SM3 of the data"
# SHA-256 imprints and no certReq are accepted; SHA-1 and other policies are refused inside a 200 reply
openssl ts -query -data "$T/contract.txt" -sha256 -no_nonce -out "$T/q2.tsq" 2>/dev/null
[ "$(ts "$T/q2.tsq" "$T/r2.tsr")" = 200 ] && openssl ts -reply -in "$T/r2.tsr" -text 2>/dev/null | grep -q "Status: Granted" || fail "SHA-256 imprint"
openssl ts -query -data "$T/contract.txt" -sha1 -out "$T/q3.tsq" 2>/dev/null
ts "$T/q3.tsq" "$T/r3.tsr" >/dev/null
openssl ts -reply -in "$T/r3.tsr" -text 2>/dev/null | grep -q "Status: Rejected" || fail "SHA-1 not rejected"
openssl ts -reply -in "$T/r3.tsr" -text 2>/dev/null | grep -q "unrecognized or unsupported algorithm" || fail "badAlg not set"
openssl ts -query -data "$T/contract.txt" -sm3 -tspolicy 1.2.3.4 -out "$T/q4.tsq" 2>/dev/null
ts "$T/q4.tsq" "$T/r4.tsr" >/dev/null
openssl ts -reply -in "$T/r4.tsr" -text 2>/dev/null | grep -q "policy is not supported" || fail "other policy not refused"
ts "$T/contract.txt" "$T/r5.tsr" >/dev/null
openssl ts -reply -in "$T/r5.tsr" -text 2>/dev/null | grep -q "Status: Rejected" || fail "a body that is not a request"
[ "$(curl -s -o "$T/body" -w '%{http_code}' --data-binary @"$T/q.tsq" -H 'Content-Type: application/octet-stream' "$U/api/v1/tsa")" = 415 ] ||
  fail "TSA without application/timestamp-query"

# ---- expiry of kept verifications (the platform's clock 31 days on) ---------------------------
if [ "${ESEAL_TEST_CLOCK:-0}" = 1 ]; then
  rm -f "$T/port2"
  ESEAL_FAKE_NOW=$(date -u -d "+31 days" +%Y-%m-%dT%H:%M:%SZ) "$ESEAL" serve --dir "$D" --listen 127.0.0.1:0 --threads 1 \
    --port-file "$T/port2" 2>"$T/server2.log" &
  PID2=$!
  for _ in $(seq 100); do [ -s "$T/port2" ] && break; sleep 0.1; done
  [ -s "$T/port2" ] || fail "the second server did not start"
  [ "$(curl -s -o "$T/body" -w '%{http_code}' "http://127.0.0.1:$(cat "$T/port2")/api/v1/verifications/$id")" = 404 ] ||
    fail "a verification kept 30 days is still there after 31"
  kill "$PID2"; wait "$PID2" || true; PID2=
fi
[ "$(curl -s -o /dev/null -w '%{http_code}' "$U/api/v1/verifications/$id")" = 200 ] || fail "kept verification gone too early"

# ---- a verify node (--role verify): the public reads and health, nothing signed-in, no TSA ---------
rm -f "$T/port3"
"$ESEAL" serve --dir "$D" --listen 127.0.0.1:0 --threads 1 --role verify --port-file "$T/port3" 2>"$T/server3.log" &
PID2=$!
for _ in $(seq 100); do [ -s "$T/port3" ] && break; sleep 0.1; done
[ -s "$T/port3" ] || fail "the verify node did not start"
V=http://127.0.0.1:$(cat "$T/port3")
[ "$(curl -s -o "$T/body" -w '%{http_code}' -F document=@"$T/contract.sig" -F original=@"$T/contract.txt" "$V/api/v1/verify")" = 200 ] ||
  fail "verify on the verify node"
for r in /readyz /api/v1/status-list /api/v1/trust "/api/v1/seals/$esid/status" "/api/v1/verifications/$id"; do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$V$r")" = 200 ] || fail "the verify node does not serve $r"
done
[ "$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' -d '{"login":"a","password":"b"}' "$V/api/v1/session")" = 404 ] ||
  fail "the verify node takes sign-ins"
grep -q "role verify" "$T/body" || fail "the verify node's 404 explained"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$V/api/v1/applications")" = 404 ] || fail "the verify node serves applications"
"$ESEAL" serve --dir "$D" --role bogus --print-config >/dev/null 2>&1 && fail "--role bogus accepted"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/timestamp-query' --data-binary x "$V/api/v1/tsa")" = 404 ] ||
  fail "the verify node issues time stamps (it signs nothing: tests/cli/serve_roles.sh)"
kill "$PID2"; wait "$PID2" || true; PID2=

# ---- the access log names routes, never documents; a clean stop ---------------------------------
grep -q '"route": "/api/v1/verify"' "$T/server.log" || fail "access log"
kill -TERM "$PID"
wait "$PID" || fail "the server did not exit 0"
PID=
echo "serve_public: ok"
