#!/usr/bin/env bash
# Issue 11, files and identifiers, from the command line: 'ofd sign --batch'
# resumes only over complete outputs carrying this run's seal (0-byte, cut
# short, unsealed and other-seal outputs are sealed again, a killed run's
# temporary files removed); data files are created 0600; credit codes,
# resident ID regions and names are checked the same in CA mode and on the
# platform.
# usage: trust_files.sh path/to/eseal path/to/shared/samples
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
says() { grep -q -- "$1" "$T/err" "$T/out" && ok || bad "no '$1' in: $(head -c 300 "$T/err") $(head -c 300 "$T/out")"; }

export ESEAL_PASSPHRASE="trust files test"
D=$T/authority
USCC=91110105061311021A
$ESEAL ca init --dir "$D" >/dev/null || { echo "FAIL: ca init"; exit 1; }
for esid in 11010500000001 11010500000002; do
	$ESEAL cert issue --dir "$D" --esid $esid --unit 示例科技有限公司 --credit-code $USCC >/dev/null &&
		$ESEAL seal make --dir "$D" --esid $esid --name 示例科技有限公司 >/dev/null || { echo "FAIL: seal $esid"; exit 1; }
done

# ---- ofd sign --batch resume ----
mkdir -p "$T/in"
for i in 1 2 3 4 5 6; do $ESEAL ofd make -o "$T/in/d$i.ofd" "合同 $i 甲方 乙方" >/dev/null; done
expect 0 -- $ESEAL ofd sign --batch "$T/in" "$T/out.d" --dir "$D" --esid 11010500000001 -j 2 --json
cp "$T/out.d/d6.ofd" "$T/good6.ofd"
: >"$T/out.d/d1.ofd"                                                    # 0 bytes
head -c 700 "$T/in/d2.ofd" >"$T/out.d/d2.ofd"                           # cut short
cp "$T/in/d3.ofd" "$T/out.d/d3.ofd"                                     # not sealed
$ESEAL ofd sign "$T/in/d4.ofd" -o "$T/out.d/d4.ofd" --dir "$D" --esid 11010500000002 >/dev/null  # another seal
echo "half written" >"$T/out.d/.d5.ofd.tmp-0123456789abcdef"            # a killed run's temporary file
rm -f "$T/out.d/d5.ofd"
expect 0 -- $ESEAL ofd sign --batch "$T/in" "$T/out.d" --dir "$D" --esid 11010500000001 -j 2 --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if (d["sealed"], d["skipped"], d["failed"]) == (5, 1, 0) else 1)' "$T/out" &&
	ok || bad "resume: $(cat "$T/out")"
cmp -s "$T/good6.ofd" "$T/out.d/d6.ofd" && ok || bad "a good output was redone"
[ ! -e "$T/out.d/.d5.ofd.tmp-0123456789abcdef" ] && ok || bad "stale temporary file left"
for i in 1 2 3 4 5 6; do
	$ESEAL ofd verify "$T/out.d/d$i.ofd" --trust "$D/trust" --json >"$T/v.json" 2>/dev/null
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=[x for x in d["signatures"] if x["seal"] and x["seal"]["esid"]=="11010500000001"]; sys.exit(0 if d["verdict"]=="valid" and len(d["signatures"])==1 and s else 1)' "$T/v.json" &&
		ok || bad "d$i.ofd is not the input sealed once with 11010500000001"
done
ls -a "$T/out.d" | grep -q 'tmp-' && bad "temporary files in the output folder" || ok

# ---- data files 0600 ----
P=$T/platform
export ESEAL_PLATFORM_DIR=$P
(umask 022; $ESEAL platform init >/dev/null) || bad "platform init"
for f in master.key platform.db; do
	[ "$(stat -c %a "$P/$f")" = 600 ] && ok || bad "$f is mode $(stat -c %a "$P/$f"), not 600"
done
(umask 022; $ESEAL backup "$T/b.bak" >/dev/null) || bad "backup"
[ "$(stat -c %a "$T/b.bak")" = 600 ] && ok || bad "backup is mode $(stat -c %a "$T/b.bak")"

# ---- identifiers and names: CA mode ----
expect 3 -- $ESEAL cert issue --dir "$D" --esid 11010500000003 --unit 示例 --credit-code 000000000000000000
says "registration authority"
expect 3 -- $ESEAL ca init --dir "$T/ca2" --credit-code 000000000000000000
expect 3 -- $ESEAL cert issue --dir "$D" --esid 11010500000003 --unit "$(printf '示例\tunit')" --credit-code $USCC
says "control character"
expect 3 -- $ESEAL seal make --dir "$D" --esid 11010500000001 --name "$(printf 'a\033[31mred')" -o "$T/x.esl"
says "control character"

# ---- identifiers and names: the platform ----
source "$(dirname "$0")/lib/signin.sh"
expect 0 -- e region add 110000 北京市
expect 3 -- e region add 999999 无
expect 3 -- e unit add --name 零 --credit-code 000000000000000000 --region 110000
says "registration authority"
expect 3 -- e unit add --name "$(printf '示例\001公司')" --credit-code $USCC --region 110000
says "control character"
# 999999 region with a correct check character and date
rid() { python3 -c 'import sys; s=sys.argv[1]; w=[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2]; print(s + "10X98765432"[sum(int(a)*b for a,b in zip(s,w)) % 11])' "$1"; }
expect 3 -- e person add --name 无名 --id "$(rid 99999919800101001)"
says "GB/T 2260"
expect 0 -- e --json person add --name 李四 --id 11010519491231002x
pid=$(sed -n 's/.*"person": \([0-9]*\).*/\1/p' "$T/out")
expect 0 -- e --json person show "$pid"
grep -q '002X"' "$T/out" && ok || bad "lowercase x not stored as X: $(cat "$T/out")"

# the handler's ID on an application: lowercase x accepted, stored as X
unit=$(e --as admin --json unit add --name 示例科技有限公司 --credit-code $USCC --region 110000 | sed -n 's/.*"unit": \([0-9]*\).*/\1/p')
e --as admin account add app1 --roles applicant --unit "$unit" >/dev/null || bad "account"
expect 0 -- e --as app1 --json app create --unit "$unit" --name 示例科技有限公司 --handler 王五 \
	--handler-mobile 13800000000 --handler-id 11010519491231002x
python3 -c 'import sqlite3,sys; r=sqlite3.connect(sys.argv[1]).execute("select handler_id_mask from applications").fetchall(); sys.exit(0 if r and all(m[0].endswith("002X") for m in r) else 1)' "$P/platform.db" &&
	ok || bad "handler ID not stored with X"

echo "trust_files: $pass passed, $fail failed"
[ "$fail" = 0 ]
