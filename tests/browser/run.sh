#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Independent-reader test: seal OFDs with eseal, render them with ofd.js in
# headless Chromium (Debian package 'chromium'), and check by screenshot
# that the seal is visible.
#   tests/browser/run.sh [path/to/eseal] [path/to/shared/samples]
# Then compares `eseal ofd render` with ofd.js page by page (compare.mjs):
# ink IoU >= 0.9 and the seal's red box within 1 mm.
# npm packages are installed at test time into a cache folder outside the
# tree ($ESEAL_BROWSER_CACHE, default ${TMPDIR:-/tmp}/eseal-browser-test).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
eseal=${1:-$here/../../build/eseal}
samples=${2:-}
cache=${ESEAL_BROWSER_CACHE:-${TMPDIR:-/tmp}/eseal-browser-test}
command -v node >/dev/null || { echo "skip: node not installed"; exit 77; }
command -v npm >/dev/null || { echo "skip: npm not installed"; exit 77; }
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "skip: chromium not installed"; exit 77; }
mkdir -p "$cache"
cp "$here/package.json" "$here/render.mjs" "$here/compare.mjs" "$here/fonts.conf" "$cache/"
if [ ! -d "$cache/node_modules/ofd.js" ] || [ ! -d "$cache/node_modules/puppeteer-core" ]; then
  (cd "$cache" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ESEAL_PASSPHRASE=browser-test
"$eseal" ca init --dir "$work/ca" >/dev/null
"$eseal" cert issue --dir "$work/ca" --esid 11010500000001 --unit 示例科技有限公司 \
  --credit-code 91110105061311021A >/dev/null
"$eseal" seal make --dir "$work/ca" --esid 11010500000001 --name 示例科技有限公司 >/dev/null
"$eseal" ofd make -o "$work/doc.ofd" --title 测试 "电子证照 测试文档" "持证单位：示例科技有限公司（盖章）" \
  $'\f' "第二页" >/dev/null
"$eseal" ofd sign "$work/doc.ofd" -o "$work/pos.ofd" --dir "$work/ca" --esid 11010500000001 \
  --page 1 --x 100 --y 40 >/dev/null
"$eseal" ofd sign "$work/pos.ofd" -o "$work/riding.ofd" --dir "$work/ca" --esid 11010500000001 \
  --riding >/dev/null
"$eseal" verify "$work/riding.ofd" --trust "$work/ca/trust" >/dev/null
# a seal whose picture is an OFD (GB/T 38540 picture type "OFD"): the
# impression as a 42x42 mm OFD page, which ofd.js draws from the seal itself
"$eseal" image render --kind official --name 示例科技有限公司 -o "$work/imp.png" >/dev/null
"$eseal" ofd make -o "$work/sealpic.ofd" --page-size 42x42 --margin 1 \
  --image "PNG:$work/imp.png:1:0:0:42:42" >/dev/null
"$eseal" seal make --dir "$work/ca" --esid 11010500000001 --name 示例科技有限公司 \
  --picture "$work/sealpic.ofd" -o "$work/ofdseal.esl" >/dev/null
"$eseal" ofd sign "$work/doc.ofd" -o "$work/ofdpic.ofd" --seal "$work/ofdseal.esl" \
  --cert "$work/ca/signers/11010500000001.crt" --key "$work/ca/signers/11010500000001.key" \
  --page 1 --x 100 --y 40 >/dev/null
"$eseal" verify "$work/ofdpic.ofd" --trust "$work/ca/trust" >/dev/null
fail=0
(cd "$cache" && node render.mjs "$work/pos.ofd" "$work/pos.png" 1) || fail=1
(cd "$cache" && node render.mjs "$work/riding.ofd" "$work/riding.png" 3) || fail=1
(cd "$cache" && node render.mjs "$work/ofdpic.ofd" "$work/ofdpic.png" 1) || fail=1
# our renderer against ofd.js: the same pages, ink overlap and seal box
compare() { # OFD PAGE_W_MM NAME
  "$eseal" ofd render "$1" --dpi 150 -o "$work/$3-eseal.png" >/dev/null || { echo "FAIL: eseal ofd render $1"; fail=1; return; }
  (cd "$cache" && node compare.mjs "$1" "$work/$3-eseal.png" "$2" 0.9 "$work/$3") || { echo "FAIL: $3 differs from ofd.js"; fail=1; }
}
compare "$work/pos.ofd" 210 cmp-pos
compare "$work/riding.ofd" 210 cmp-riding
compare "$work/ofdpic.ofd" 210 cmp-ofdpic
# a vendor's tax invoice (template, JBIG2 QR code, OFD seal picture); ofd.js
# misplaces the table of tongz_shandong-cegn_v4seal_plus_gmt0010sign.ofd, so
# that sample is not compared (docs/ofd.md)
if [ -n "$samples" ] && [ -f "$samples/gomain_zj-tax_v4_seal.ofd" ]; then
  compare "$samples/gomain_zj-tax_v4_seal.ofd" 210 cmp-invoice
  compare "$samples/kinggrid_cq-tax-test_v4_seal.ofd" 210 cmp-invoice2
fi
mkdir -p "${ESEAL_BROWSER_OUT:-$work}"
cp "$work"/*.png "${ESEAL_BROWSER_OUT:-$work}/" 2>/dev/null || true
exit $fail
