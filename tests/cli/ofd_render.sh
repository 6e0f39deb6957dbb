#!/usr/bin/env bash
# eseal ofd render: every sample OFD and every OFD the test makes renders to
# PNG, SVG and PDF; page selection; PDF text through pdftotext in TextCode
# order; the copy notice; usage errors.
# usage: ofd_render.sh path/to/eseal path/to/shared/samples
set -u
ESEAL=$1
SAMPLES=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
expect() {
	local want=$1; shift
	"$@" >"$T/out" 2>"$T/err"; local got=$?
	if [ "$got" = "$want" ]; then ok; else bad "exit $got (want $want): $* :: $(head -c 400 "$T/err")"; fi
}
has() { if grep -q -- "$2" "$1"; then ok; else bad "'$2' not in $1: $(head -c 300 "$1")"; fi; }
magic() { if [ "$(head -c ${#2} "$1")" = "$2" ]; then ok; else bad "$1 does not start with $2"; fi; }

expect 0 "$ESEAL" ofd render --help
has "$T/out" "only a copy"
has "$T/out" "--pages"
expect 3 "$ESEAL" ofd render
expect 3 "$ESEAL" ofd render x.ofd
has "$T/err" "give -o"
expect 3 "$ESEAL" ofd render x.ofd -o out.jpg
has "$T/err" ".png, .svg or .pdf"
expect 3 "$ESEAL" ofd render x.ofd --dpi 5 -o out.png
expect 3 "$ESEAL" ofd render x.ofd --page 1 --all -o out.png
expect 3 "$ESEAL" ofd render "$T/missing.ofd" -o "$T/o.png"
has "$T/err" "cannot read"
printf 'not a zip' >"$T/junk.ofd"
expect 3 "$ESEAL" ofd render "$T/junk.ofd" -o "$T/o.png"
has "$T/err" "cannot read the OFD"

# an OFD made here, sealed at a position and with a riding seal
export ESEAL_PASSPHRASE=render-test
"$ESEAL" ca init --dir "$T/ca" >/dev/null
"$ESEAL" cert issue --dir "$T/ca" --esid 11010500000001 --unit 示例科技有限公司 \
	--credit-code 91110105061311021A >/dev/null
"$ESEAL" seal make --dir "$T/ca" --esid 11010500000001 --name 示例科技有限公司 >/dev/null
expect 0 "$ESEAL" ofd make -o "$T/doc.ofd" "电子证照 测试文档" "持证单位：示例科技有限公司（盖章）" $'\f' "第二页 page two" $'\f' "第三页"
expect 0 "$ESEAL" ofd sign "$T/doc.ofd" -o "$T/pos.ofd" --dir "$T/ca" --esid 11010500000001 --page 1 --x 100 --y 40
expect 0 "$ESEAL" ofd sign "$T/pos.ofd" -o "$T/riding.ofd" --dir "$T/ca" --esid 11010500000001 --riding

for f in "$SAMPLES"/*.ofd "$T"/doc.ofd "$T"/pos.ofd "$T"/riding.ofd; do
	[ -f "$f" ] || continue
	b=$(basename "$f" .ofd)
	expect 0 "$ESEAL" ofd render "$f" --all --dpi 72 -o "$T/$b.pdf"
	magic "$T/$b.pdf" "%PDF-"
	expect 0 "$ESEAL" ofd render "$f" --dpi 72 -o "$T/$b.png"
	magic "$T/$b.png" $'\x89PNG'
	expect 0 "$ESEAL" ofd render "$f" --dpi 72 -o "$T/$b.svg"
	has "$T/$b.svg" "<svg"
	# nothing skipped, no missing glyph in any of them
	if [ -s "$T/err" ]; then bad "$b: $(cat "$T/err")"; else ok; fi
done

# page selection: PNG/SVG one file a page, named OUT-<page>
expect 0 "$ESEAL" ofd render "$T/riding.ofd" --pages 1,3 -o "$T/sel.png"
if [ -f "$T/sel-1.png" ] && [ -f "$T/sel-3.png" ] && [ ! -f "$T/sel-2.png" ]; then ok; else bad "--pages 1,3 files: $(ls "$T")"; fi
expect 0 "$ESEAL" ofd render "$T/riding.ofd" --pages 2-3 -o "$T/sel.svg"
if [ -f "$T/sel-2.svg" ] && [ -f "$T/sel-3.svg" ]; then ok; else bad "--pages 2-3 svg"; fi
expect 3 "$ESEAL" ofd render "$T/riding.ofd" --page 9 -o "$T/p9.png"
has "$T/err" "has 3 pages"
expect 3 "$ESEAL" ofd render "$T/riding.ofd" --pages 1,x -o "$T/px.png"
expect 3 "$ESEAL" ofd render "$T/riding.ofd" --all -o -
expect 0 "$ESEAL" ofd render "$T/riding.ofd" --all --json -o "$T/all.pdf"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["stamps"]==4, d; assert d["skipped"]==0, d; assert "copy" in d["note"]' "$T/out"; then ok; else bad "--json: $(cat "$T/out")"; fi
expect 0 "$ESEAL" ofd render "$T/pos.ofd" -o - --dpi 20
magic "$T/out" $'\x89PNG'

# pdftotext on the PDF: the TextCodes' text, in order, and the copy notice in the metadata
if command -v pdftotext >/dev/null && command -v pdfinfo >/dev/null; then
	expect 0 "$ESEAL" ofd render "$T/doc.ofd" --all -o "$T/doc-all.pdf"
	pdftotext -raw "$T/doc-all.pdf" "$T/doc.txt"
	if python3 - "$T/doc.txt" <<'PY'; then ok; else bad "pdftotext order: $(cat "$T/doc.txt")"; fi
import sys
t = open(sys.argv[1], encoding="utf-8").read()
at = 0
for want in ["电子证照 测试文档", "持证单位：示例科技有限公司（盖章）", "第二页 page two", "第三页"]:
    i = t.find(want, at)
    assert i >= 0, want
    at = i + len(want)
PY
	pdfinfo "$T/doc-all.pdf" >"$T/info"
	has "$T/info" "Pages:           3"
	has "$T/info" "converted copy"
	# a vendor invoice: every TextCode of the template and the page, in drawing order
	expect 0 "$ESEAL" ofd render "$SAMPLES/gomain_zj-tax_v4_seal.ofd" -o "$T/inv.pdf"
	pdftotext -raw "$T/inv.pdf" "$T/inv.txt"
	if python3 - "$SAMPLES/gomain_zj-tax_v4_seal.ofd" "$T/inv.txt" <<'PY'; then ok; else bad "invoice text order"; fi
import re, sys, zipfile, html
z = zipfile.ZipFile(sys.argv[1])
codes = []
for name in ["Doc_0/Tpls/Tpl_0/Content.xml", "Doc_0/Pages/Page_0/Content.xml"]:
    x = z.read(name).decode("utf-8")
    codes += [html.unescape(c) for c in re.findall(r"<ofd:TextCode[^>]*>([^<]*)</ofd:TextCode>", x)]
t = re.sub(r"\s+", "", open(sys.argv[2], encoding="utf-8").read())
at = 0
for c in codes:
    c = re.sub(r"\s+", "", c)
    if not c:
        continue
    i = t.find(c, at)
    if i < 0:
        sys.exit("not found in order: %r (after %d of %d)" % (c, at, len(t)))
    at = i + len(c)
print(len(codes), "TextCodes in order")
PY
else
	echo "skip: pdftotext/pdfinfo not installed (poppler-utils)"
fi

echo "ofd_render: $pass passed, $fail failed"
[ "$fail" = 0 ]
