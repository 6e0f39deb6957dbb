#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# eseal bench crypto: usage errors, the JSON keys, both implementations.
# Rates are printed, never asserted.
set -euo pipefail
ESEAL=${1:?usage: bench.sh path/to/eseal}
fail() { echo "bench.sh: $*" >&2; exit 1; }
T=$(mktemp -d /tmp/eseal-cli-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT

"$ESEAL" bench --help >"$T/help"; grep -q "bench crypto" "$T/help" || fail "no --help"
"$ESEAL" bench crypto --help >"$T/help"; grep -q "seconds" "$T/help" || fail "no crypto --help"
rc=0; "$ESEAL" bench 2>/dev/null || rc=$?; [ "$rc" = 3 ] || fail "no subcommand: exit $rc"
rc=0; "$ESEAL" bench nothing 2>/dev/null || rc=$?; [ "$rc" = 3 ] || fail "unknown subcommand: exit $rc"
rc=0; "$ESEAL" bench crypto --seconds 0 2>/dev/null || rc=$?; [ "$rc" = 3 ] || fail "--seconds 0: exit $rc"
rc=0; "$ESEAL" bench crypto --seconds x 2>/dev/null || rc=$?; [ "$rc" = 3 ] || fail "--seconds x: exit $rc"

check_json() {
	python3 - "$1" "$2" <<'PY'
import json, sys
d = json.loads(open(sys.argv[1]).read())
keys = ["sm2_sign_per_s", "sm2_verify_per_s", "openssl_sm2_sign_per_s", "openssl_sm2_verify_per_s",
        "sm3_mb_per_s", "openssl_sm3_mb_per_s", "sm2_sign_ratio", "sm2_verify_ratio", "sm3_ratio",
        "sm3_many_mb_per_s", "openssl_sm3_many_mb_per_s", "sm3_many_ratio"]
for k in keys:
    assert isinstance(d[k], (int, float)) and d[k] > 0, k
assert d["implementation"] == sys.argv[2], d["implementation"]
assert d["sm3_many_lanes"] in ((1, 8, 16) if sys.argv[2] == "eseal" else (1,)), d["sm3_many_lanes"]
for k in ["sm2_sign_dudect_t", "sm2_fp_mul_dudect_t", "sm2_select_dudect_t", "sm2_inv_dudect_t",
          "sm2_control_dudect_t"]:
    assert isinstance(d[k], (int, float)), k  # printed, never asserted (timings)
assert isinstance(d["sm2_arith"], str) if sys.argv[2] == "eseal" else d["sm2_arith"] is None, d["sm2_arith"]
assert abs(d["sm2_sign_ratio"] - d["sm2_sign_per_s"] / d["openssl_sm2_sign_per_s"]) < 1e-6 * d["sm2_sign_ratio"]
PY
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$T"' EXIT
"$ESEAL" bench crypto --seconds 0.05 --json > "$tmp/ours.json"
check_json "$tmp/ours.json" eseal || fail "json (ours)"
ESEAL_CRYPTO=openssl "$ESEAL" bench crypto --seconds 0.05 --json > "$tmp/ossl.json"
check_json "$tmp/ossl.json" openssl || fail "json (openssl)"
"$ESEAL" bench crypto --seconds 0.05 | grep -q "SM2 sign/s" || fail "text output"
echo "bench.sh: ok"
