#!/usr/bin/env bash
# PDF through the command line: seal (CMS and SES), stack, verify, tamper.
# usage: pdf.sh path/to/eseal path/to/shared/samples
set -u
ESEAL=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
expect() {
	local want=$1; shift; shift
	"$@" >"$T/out" 2>"$T/err"; local got=$?
	if [ "$got" = "$want" ]; then ok; else bad "exit $got (want $want): $* :: $(head -c 400 "$T/err")"; fi
}
json_get() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/out" "$1"; }

# a one-page PDF with text, written with exact xref offsets
python3 - "$T/doc.pdf" <<'PY'
import sys
objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        None,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
content = b"BT /F1 14 Tf 72 760 Td (Contract No. 2026-001: signed and sealed) Tj ET"
objs[3] = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
out = bytearray(b"%PDF-1.7\n")
offs = []
for i, o in enumerate(objs):
    offs.append(len(out))
    out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
x = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
for o in offs:
    out += b"%010d 00000 n \n" % o
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
open(sys.argv[1], "wb").write(out)
PY

export ESEAL_PASSPHRASE="pdf test"
D=$T/ca
ESID=11010500000001
$ESEAL ca init --dir "$D" >/dev/null && $ESEAL cert issue --dir "$D" --esid $ESID --unit 示例科技有限公司 \
	--credit-code 91110105061311021A >/dev/null && $ESEAL seal make --dir "$D" --esid $ESID --name 示例科技有限公司 >/dev/null \
	&& ok || bad "authority set-up"

expect 0 -- $ESEAL pdf --help
expect 0 -- $ESEAL pdf bench --dir "$D" --esid $ESID --seconds 0.1 --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["pdf_per_s"] > 0 and d["ratio"] > 0 else 1)' "$T/out" && ok || bad "pdf bench json"
expect 3 -- $ESEAL pdf bench --dir "$D" --esid $ESID --seconds 0
expect 0 -- $ESEAL pdf sign "$T/doc.pdf" --dir "$D" --esid $ESID --page 1 --x 120 --y 30 -o "$T/one.pdf" --json
expect 0 -- $ESEAL pdf sign "$T/one.pdf" --dir "$D" --esid $ESID --ses --tsa --page 1 --x 40 --y 30 -o "$T/two.pdf"
expect 0 -- $ESEAL verify "$T/two.pdf" --trust "$D/trust" --json
[ "$(json_get 'd["format"]')" = "pdf" ] && ok || bad "format not pdf"
[ "$(json_get 'len(d["signatures"])')" = "2" ] && ok || bad "two signatures expected"
[ "$(json_get 'd["verdict"]')" = "valid" ] && ok || bad "stacked signatures not valid: $(head -c 600 "$T/out")"
expect 2 -- $ESEAL verify "$T/two.pdf"                                   # no trust anchors
# a changed byte inside the signed range
python3 - "$T/two.pdf" "$T/bad.pdf" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.find(b"Contract No.")
b[i] = ord("K")
open(sys.argv[2], "wb").write(b)
PY
expect 1 -- $ESEAL verify "$T/bad.pdf" --trust "$D/trust" --json
[ "$(json_get '[c["result"] for c in d["signatures"][0]["checks"] if c["name"]=="data-hash"][0]')" = "fail" ] && ok || bad "tampered content not found"
# blank page refused
python3 - "$T/doc.pdf" "$T/blank.pdf" <<'PY'
import sys
b = open(sys.argv[1], "rb").read().replace(b"(Contract No. 2026-001: signed and sealed) Tj", b"                                            ")
open(sys.argv[2], "wb").write(b)
PY
expect 3 -- $ESEAL pdf sign "$T/blank.pdf" --dir "$D" --esid $ESID -o "$T/blank-sealed.pdf"
grep -qi "blank\|no text" "$T/err" && ok || bad "blank page refusal does not say why: $(cat "$T/err")"
printf '%%PDF-1.7\ngarbage' > "$T/junk.pdf"
expect 3 -- $ESEAL verify "$T/junk.pdf"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
