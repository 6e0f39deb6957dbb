#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Every libFuzzer target in build-fuzz/ for SECONDS, JOBS at a time, each seeded with
# its committed corpus (new inputs go to a scratch folder; the committed corpus stays
# as it is). An input that runs over 30 s is a finding (a hang), not a stall.
# Usage: scripts/fuzz_smoke.sh SECONDS JOBS TARGET...   (the Makefile's fuzz-smoke and fuzz)
set -uo pipefail
SECONDS_EACH=$1 JOBS=$2
shift 2
OUT=$(mktemp -d /tmp/eseal-fuzz.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
one() {
  local t=$1 name=${1#fuzz_} scratch
  scratch=$OUT/$t
  mkdir -p "$scratch/new"
  local rc=0 runs found=
  ./build-fuzz/"$t" -max_total_time="$SECONDS_EACH" -timeout=30 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$scratch/" "$scratch/new" "fuzz/corpora/$name" >"$scratch/log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/log")
  for f in "$scratch"/crash-* "$scratch"/leak-* "$scratch"/timeout-* "$scratch"/oom-*; do
    [ -e "$f" ] && found="$found ${f##*/}"
  done
  if [ -n "$found" ] || [ $rc != 0 ]; then
    echo "fuzz: $t found a problem (exit $rc):${found:- no input kept}"
    grep -E 'ERROR|SUMMARY|==[0-9]+==' "$scratch/log" | head -20
    return 1
  fi
  echo "fuzz: $t ${SECONDS_EACH}s, ${runs:-?} runs, no finding"
}
export -f one
export OUT SECONDS_EACH
printf '%s\n' "$@" | xargs -P "$JOBS" -I{} bash -c 'one {}'
