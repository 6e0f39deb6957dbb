#!/usr/bin/env bash
# POST /api/v1/documents/preview (docs/sign-services.md, the console's sealing page): a
# page of a PDF or an OFD drawn as a PNG with the page count and size in headers, for
# someone who may use seals; bad input each refused with its code: no multipart, an
# unknown field, no document, bytes that are neither PDF nor OFD, a truncated PDF and a
# broken OFD package, page 0 and a page past the end, dpi out of range, a body over
# the route's limit; a reviewer (no seal use) and a caller not signed in refused.
set -euo pipefail
ESEAL=$1
command -v curl >/dev/null && command -v jq >/dev/null && command -v python3 >/dev/null ||
  { echo "curl, jq and python3 are needed (scripts/deps.sh)"; exit 77; }
T=$(mktemp -d /tmp/eseal-cli-serve-preview.XXXXXX)
PID=
cleanup() { if [ -n "$PID" ]; then kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || true; fi; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$T/server.log" ] && tail -20 "$T/server.log" >&2; exit 1; }
D=$T/p
e() { "$ESEAL" platform --dir "$D" "$@"; }
e init >/dev/null
e region add 350000 福建省 >/dev/null
unit=$(e --json unit add --name 福建省测试厅 --credit-code 91350100100000016G --region 350000 | jq -r .unit)
e account add clerk --roles applicant --unit "$unit" >/dev/null
e account add reviewer --roles reviewer >/dev/null
"$ESEAL" serve --dir "$D" --listen 127.0.0.1:0 --threads 2 --port-file "$T/port" --quiet 2>"$T/server.log" &
PID=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
[ -s "$T/port" ] || fail "the server did not start"
U=http://127.0.0.1:$(cat "$T/port")
i=0
for who in clerk reviewer; do
  i=$((i + 1))
  otp=$(e account otp "$who")
  curl -s -o /dev/null -H 'Content-Type: application/json' \
    --data-binary "{\"login\":\"$who\",\"old_password\":\"$otp\",\"new_password\":\"Seal-Preview-2026-$i\"}" "$U/api/v1/password"
  curl -s -o "$T/body" -c "$T/jar.$who" -H 'Content-Type: application/json' \
    --data-binary "{\"login\":\"$who\",\"password\":\"Seal-Preview-2026-$i\"}" "$U/api/v1/session"
  jq -r .csrf_token "$T/body" >"$T/csrf.$who"
done
# preview WHO [curl args...]: the status printed; the answer in $T/out, the headers in $T/headers
preview() {
  local who=$1; shift
  curl -s -D "$T/headers" -o "$T/out" -w '%{http_code}' -b "$T/jar.$who" -H "X-CSRF-Token: $(cat "$T/csrf.$who")" \
    "$@" "$U/api/v1/documents/preview"
}
expect() {
  local want=$1 code=$2; shift 2
  local got; got=$(preview "$@")
  [ "$got" = "$want" ] || { cat "$T/out" >&2; fail "expected $want, got $got: $*"; }
  [ -z "$code" ] || [ "$(jq -r .error.code "$T/out")" = "$code" ] || fail "expected $code: $(cat "$T/out")"
}
header() { tr -d '\r' <"$T/headers" | sed -n "s/^$1: //Ip"; }
png_size() { python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(); assert d[:8]==b"\x89PNG\r\n\x1a\n", "not a PNG"; print(*struct.unpack(">II", d[16:24]))' "$1"; }

# ---- documents: a two-page A4 PDF, a two-page OFD ------------------------------------------------
python3 "$(dirname "$0")/lib/mkpdf.py" "$T/two.pdf" "Page one" "Page two"
"$ESEAL" ofd make -o "$T/two.ofd" "第一页" $'\f' "第二页" >/dev/null

# ---- pictures of pages ------------------------------------------------------------------------
expect 200 "" clerk -F "document=@$T/two.pdf" -F page=2 -F dpi=72
header Content-Type | grep -q '^image/png' || fail "a PNG: $(cat "$T/headers")"
[ "$(header X-Eseal-Pages)" = 2 ] || fail "two pages: $(cat "$T/headers")"
[ "$(header X-Eseal-Page-Size-Mm)" = "209.90 297.04" ] || fail "the A4 page in mm: $(header X-Eseal-Page-Size-Mm)"
[ "$(png_size "$T/out")" = "595 842" ] || fail "595 x 842 pixels at 72 dpi: $(png_size "$T/out")"
expect 200 "" clerk -F "document=@$T/two.pdf"
[ "$(png_size "$T/out")" = "794 1123" ] || fail "96 dpi by default: $(png_size "$T/out")"
expect 200 "" clerk -F "document=@$T/two.ofd" -F page=2 -F dpi=50
[ "$(header X-Eseal-Pages)" = 2 ] || fail "OFD: two pages"
read -r w h <<<"$(header X-Eseal-Page-Size-Mm)"
set -- $(png_size "$T/out")
python3 -c "import sys; w,h,pw,ph=map(float,sys.argv[1:]); assert abs(pw-w/25.4*50)<=2 and abs(ph-h/25.4*50)<=2, (w,h,pw,ph)" "$w" "$h" "$1" "$2" ||
  fail "the OFD page's pixels follow its size in mm at 50 dpi"
# two pictures of different pages differ
expect 200 "" clerk -F "document=@$T/two.ofd" -F page=1 -F dpi=50
cp "$T/out" "$T/p1.png"
expect 200 "" clerk -F "document=@$T/two.ofd" -F page=2 -F dpi=50
cmp -s "$T/out" "$T/p1.png" && fail "pages 1 and 2 drawn the same"

# ---- bad input ----------------------------------------------------------------------------------
expect 415 "" clerk -H 'Content-Type: application/pdf' --data-binary @"$T/two.pdf"
expect 422 EINVAL clerk -F "document=@$T/two.pdf" -F colour=red
expect 422 EINVAL clerk -F page=1
expect 422 EINVAL clerk -F "document=@$T/two.pdf" -F page=0
expect 422 EINVAL clerk -F "document=@$T/two.pdf" -F page=3
grep -q "has 2" "$T/out" || fail "the page count named: $(cat "$T/out")"
expect 422 EINVAL clerk -F "document=@$T/two.ofd" -F page=9
expect 422 EINVAL clerk -F "document=@$T/two.pdf" -F dpi=5
expect 422 EINVAL clerk -F "document=@$T/two.pdf" -F dpi=301
expect 422 EINVAL clerk -F "document=@$T/two.pdf" -F page=-1
expect 422 EINVAL clerk -F "document=@$T/two.pdf" -F page=1x
printf 'plain words, no document' >"$T/words.txt"
expect 400 EMALFORMED clerk -F "document=@$T/words.txt"
head -c 300 "$T/two.pdf" >"$T/cut.pdf"
got=$(preview clerk -F "document=@$T/cut.pdf")
[ "$got" = 400 ] || [ "$got" = 200 ] || fail "a truncated PDF: $got $(cat "$T/out")" # MuPDF may repair what is left
head -c 200 "$T/two.ofd" >"$T/cut.ofd"
expect 400 EMALFORMED clerk -F "document=@$T/cut.ofd"
head -c $((64 * 1024 * 1024 + 10)) /dev/zero >"$T/big.pdf"
got=$(preview clerk -F "document=@$T/big.pdf")
[ "$got" = 413 ] || fail "over 64 MiB: 413, got $got"
# who: a reviewer uses no seal; no session no picture
expect 403 EDENIED reviewer -F "document=@$T/two.pdf"
[ "$(curl -s -o /dev/null -w '%{http_code}' -F "document=@$T/two.pdf" "$U/api/v1/documents/preview")" = 401 ] || fail "not signed in: 401"
kill -0 "$PID" || fail "the server died"
echo "preview: PDF and OFD pages drawn, bad input refused"
