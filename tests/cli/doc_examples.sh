#!/usr/bin/env bash
# Every documented example runs: each ```sh block of README.md and
# docs/cli/*.md is a script, run with `eseal` on PATH in a copy of a folder
# prepared once (HOME is that folder): a demo authority ca/ with the seals
# 11010500000001 and 11010500000002, $ESEAL_PASSPHRASE, sample documents
# (contract.pdf, report.pdf with two pages, in/ with PDFs and OFDs,
# photo.png, form-scan.jpg, simsun.ttf) and a platform in
# $HOME/eseal-platform ($ESEAL_PLATFORM_DIR) with the accounts admin and
# aud (auditor). The blocks of one page run in order in one
# folder. A block whose opening line says "no-test:" is skipped (and
# counted); its reason is on that line.
# usage: doc_examples.sh path/to/eseal path/to/shared/samples
set -u
ESEAL=$(readlink -f "$1")
SRC=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
skipped=0

# ---- the prepared folder ----
P=$T/prepared
mkdir -p "$P/bin" "$P/in"
ln -s "$ESEAL" "$P/bin/eseal"
export PATH="$P/bin:$PATH"
export HOME=$P
export ESEAL_PASSPHRASE="documented examples"
unset ESEAL_PLATFORM_DIR ESEAL_STORE ESEAL_MASTER_KEY
setup() {
	cd "$P" || return 1
	eseal ca init --dir ca >/dev/null &&
	for esid in 11010500000001 11010500000002; do
		eseal cert issue --dir ca --esid $esid --unit 示例科技有限公司 --credit-code 91110105061311021A >/dev/null &&
		eseal seal make --dir ca --esid $esid --name 示例科技有限公司 >/dev/null || return 1
	done
	python3 - "$P" <<'PY' || return 1
import sys
def pdf(path, pages):
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", None]
    kids = []
    for i, text in enumerate(pages):
        content = b"BT /F1 14 Tf 72 760 Td (" + text.encode() + b") Tj ET"
        n = len(objs) + 1
        kids.append(b"%d 0 R" % n)
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R /Resources << /Font << /F1 %d 0 R >> >> >>" % (n + 1, n + 2))
        objs.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    objs[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(pages)
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
    open(path, "wb").write(out)
d = sys.argv[1]
pdf(d + "/contract.pdf", ["Contract No. 2026-001. Seal here:"])
pdf(d + "/doc.pdf", ["Purchase order 2026-017"])
pdf(d + "/report.pdf", ["Annual report, page one", "Annual report, page two"])
pdf(d + "/in/a.pdf", ["Batch document A"])
pdf(d + "/in/b.pdf", ["Batch document B"])
pdf(d + "/红头函.pdf", ["Letter"])
PY
	eseal ofd make -o in/c.ofd "批量 文件 甲" >/dev/null &&
	eseal image render --kind official --name 示例科技有限公司 -o photo.png >/dev/null &&
	eseal image render --kind official --name 示例科技有限公司 -o form-scan.jpg >/dev/null || return 1
	font=$(ls /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf /usr/share/fonts/truetype/*/*.ttf 2>/dev/null | head -1)
	[ -n "$font" ] && cp "$font" simsun.ttf
	ESEAL_PLATFORM_DIR=$P/eseal-platform eseal platform init >/dev/null &&
	ESEAL_PLATFORM_DIR=$P/eseal-platform eseal platform account add aud --roles auditor >/dev/null &&
	ESEAL_PLATFORM_DIR=$P/eseal-platform eseal platform account otp aud >aud.otp &&
	printf 'Ledger-Pw-2026\n' >aud.pw &&
	ESEAL_PLATFORM_DIR=$P/eseal-platform eseal platform password --as aud --password-file aud.otp --new-password-file aud.pw >/dev/null
}
setup >"$T/setup.log" 2>&1 || { echo "FAIL: setup"; cat "$T/setup.log"; exit 1; }

# ---- the blocks ----
# extract FILE: writes $T/blocks/NNN.sh (runnable) and NNN.skip (no-test) in order
extract() {
	rm -rf "$T/blocks"; mkdir -p "$T/blocks"
	python3 - "$1" "$T/blocks" <<'PY'
import sys, re
text = open(sys.argv[1], encoding="utf-8").read().split("\n")
n = 0; block = None; info = ""; start = 0
for i, line in enumerate(text, 1):
    if block is None:
        m = re.match(r"^```(\S*)\s*(.*)$", line)
        if m and m.group(1) == "sh":
            block, info, start = [], m.group(2), i
        elif m and line.strip() != "```" and m.group(1) == "":
            pass
        continue
    if line.startswith("```"):
        n += 1
        kind = "skip" if info.startswith("no-test:") else "sh"
        if kind == "sh" and info:
            sys.exit("%s:%d: a ```sh block takes nothing after 'sh' but 'no-test: REASON'" % (sys.argv[1], start))
        if kind == "skip" and len(info) <= len("no-test:") + 3:
            sys.exit("%s:%d: 'no-test:' needs its reason" % (sys.argv[1], start))
        with open("%s/%03d.%s" % (sys.argv[2], n, kind), "w") as f:
            f.write("# %s:%d\n" % (sys.argv[1], start) + "\n".join(block) + "\n")
        block = None
        continue
    block.append(line)
PY
}

for doc in "$SRC/README.md" "$SRC"/docs/cli/*.md "$SRC/docs/deploy.md"; do
	name=${doc#"$SRC"/}
	if ! extract "$doc" 2>"$T/extract.err"; then
		fail=$((fail + 1)); echo "FAIL: $name: $(cat "$T/extract.err")"; continue
	fi
	W=$T/run/$(basename "$doc" .md)
	mkdir -p "$T/run"; rm -rf "$W"; cp -a "$P" "$W"
	# the symlink and HOME-relative paths follow the copy
	ln -sfn "$ESEAL" "$W/bin/eseal"
	for b in "$T"/blocks/*; do
		[ -e "$b" ] || continue
		if [ "${b##*.}" = skip ]; then skipped=$((skipped + 1)); continue; fi
		where=$(head -1 "$b" | cut -c3-)
		if (cd "$W" && PATH="$W/bin:$PATH" HOME=$W ESEAL_PLATFORM_DIR=$W/eseal-platform bash -euo pipefail "$b") >"$T/out" 2>&1; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1)); echo "FAIL: the example at $where:"; tail -n 15 "$T/out" | sed 's/^/    /'
		fi
	done
done

echo "doc_examples: $pass passed, $fail failed, $skipped skipped"
[ "$fail" = 0 ]
