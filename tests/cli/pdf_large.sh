#!/usr/bin/env bash
# A 100 MiB PDF is sealed and verified through the command line (the CLI
# reads files up to ES_MAX_INPUT_FILE, 256 MiB), holding one copy of it in
# memory while sealing (the update is written after the original) and at
# most two while verifying (the file and the signed bytes); a file over the
# limit is refused with both sizes named.
# usage: pdf_large.sh path/to/eseal path/to/shared/samples
set -u
ESEAL=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

export ESEAL_PASSPHRASE="large file test"
D=$T/authority
ESID=11010500000001
$ESEAL ca init --dir "$D" >/dev/null &&
	$ESEAL cert issue --dir "$D" --esid $ESID --unit 示例科技有限公司 --credit-code 91110105061311021A >/dev/null &&
	$ESEAL seal make --dir "$D" --esid $ESID --name 示例科技有限公司 >/dev/null || { echo "FAIL: setup"; exit 1; }

# one page of text plus a 100 MiB stream, exact xref offsets
python3 - "$T/big.pdf" $((100 << 20)) <<'PY'
import os, sys
size = int(sys.argv[2])
content = b"BT /F1 14 Tf 72 760 Td (A large contract: signed and sealed) Tj ET"
blob = os.urandom(1 << 20) * (size >> 20)
objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(blob) + blob + b"\nendstream"]
with open(sys.argv[1], "wb") as f:
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
    f.write(out)
PY

# run a command; print "EXIT PEAK-RSS-KiB"
peak() {
	python3 - "$@" <<'PY'
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}
size_kib=$(( $(stat -c %s "$T/big.pdf") / 1024 ))
# peak memory says something only without a sanitizer (ASan adds its own hundred MiB and more)
measure=1
if ldd "$ESEAL" 2>/dev/null | grep -q 'libasan\|libtsan\|libmsan'; then measure=0; echo "note: sanitizer build, peak memory not compared"; fi

read -r rc rss < <(peak $ESEAL pdf sign "$T/big.pdf" --dir "$D" --esid $ESID -o "$T/big.sealed.pdf")
[ "$rc" = 0 ] && ok || bad "sealing a 100 MiB PDF: exit $rc"
# the process beyond the one copy of the file is tens of MiB; a second copy would pass 2x
[ $measure = 0 ] || [ "$rss" -lt $((size_kib * 17 / 10)) ] && ok || bad "sealing held $((rss / 1024)) MiB for a $((size_kib / 1024)) MiB file (more than one copy)"
cmp -n "$(stat -c %s "$T/big.pdf")" "$T/big.pdf" "$T/big.sealed.pdf" && ok || bad "the original bytes changed"

read -r rc rss < <(peak $ESEAL verify "$T/big.sealed.pdf" --trust "$D/trust")
[ "$rc" = 0 ] && ok || bad "verifying the sealed 100 MiB PDF: exit $rc"
[ $measure = 0 ] || [ "$rss" -lt $((size_kib * 27 / 10)) ] && ok || bad "verifying held $((rss / 1024)) MiB for a $((size_kib / 1024)) MiB file (three copies)"
$ESEAL verify "$T/big.sealed.pdf" --trust "$D/trust" --json >"$T/out" 2>/dev/null
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["verdict"]=="valid" else 1)' "$T/out" && ok || bad "verdict not valid"

# over the limit: 300 MiB (sparse), refused with both figures and where the limit is
truncate -s 300M "$T/huge.pdf"
$ESEAL pdf sign "$T/huge.pdf" --dir "$D" --esid $ESID >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 3 ] && ok || bad "a 300 MiB file: exit $rc"
grep -q "is 300 MiB, more than the 256 MiB limit (docs/limits.md)" "$T/err" && ok || bad "limit message: $(cat "$T/err")"
$ESEAL verify "$T/huge.pdf" >/dev/null 2>"$T/err"
grep -q "is 300 MiB, more than the 256 MiB limit (docs/limits.md)" "$T/err" && ok || bad "verify limit message: $(cat "$T/err")"
grep -q '`ES_MAX_INPUT_FILE` | 256 MiB' "$(dirname "$0")/../../docs/limits.md" && ok || bad "docs/limits.md does not say 256 MiB"

echo "pdf_large: $pass passed, $fail failed"
[ "$fail" = 0 ]
