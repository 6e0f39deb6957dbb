#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# scripts/fuzz_smoke.sh reports what a fuzz target finds: a stand-in target that leaves a
# crash input (and exits 1) beside one that finds nothing must fail the run, naming it;
# the other alone must pass.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/eseal-fuzz-finds.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/build-fuzz" "$T/fuzz/corpora/crashes" "$T/fuzz/corpora/calm"
cat >"$T/build-fuzz/fuzz_crashes" <<'SH'
#!/bin/sh
for a in "$@"; do case $a in -artifact_prefix=*) p=${a#-artifact_prefix=};; esac; done
echo "==1==ERROR: AddressSanitizer: a stand-in finding"; : >"${p}crash-0123"; exit 1
SH
printf '#!/bin/sh\necho stat::number_of_executed_units: 7\n' >"$T/build-fuzz/fuzz_calm"
chmod +x "$T/build-fuzz/"*
cd "$T"
if bash "$SRC/scripts/fuzz_smoke.sh" 1 2 fuzz_calm fuzz_crashes >out.txt 2>&1; then
  cat out.txt; echo "FAIL: a finding passed"; exit 1
fi
grep -q "fuzz_crashes found a problem (exit 1): crash-0123" out.txt || { cat out.txt; echo "FAIL: the finding not named"; exit 1; }
bash "$SRC/scripts/fuzz_smoke.sh" 1 2 fuzz_calm >out.txt 2>&1 || { cat out.txt; echo "FAIL: nothing found, yet it failed"; exit 1; }
grep -q "fuzz_calm 1s, 7 runs, no finding" out.txt || { cat out.txt; echo "FAIL: the runs"; exit 1; }
echo "fuzz_smoke_finds: a finding fails the smoke run, named"
