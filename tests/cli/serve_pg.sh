#!/usr/bin/env bash
# eseal serve on PostgreSQL: tests/cli/serve.sh, serve_ops.sh, serve_business.sh,
# serve_refusals.sh (every route refused every way) and serve_two_nodes.sh (two nodes on one database: a revocation through one is void on the
# other's verify route) against a throwaway cluster on loopback (tests/platform/pg.sh), each on
# its own database.
# Skipped (77) when the PostgreSQL server is not installed, unless
# ESEAL_TEST_REQUIRE_PG is set.
set -euo pipefail
ESEAL=$1
SAMPLES=${2:-}
HERE=$(cd "$(dirname "$0")" && pwd)
PG=$HERE/../platform/pg.sh
set +e
out=$(bash "$PG" start)
rc=$?
set -e
if [ $rc = 77 ] && [ -z "${ESEAL_TEST_REQUIRE_PG:-}" ]; then echo "skipped: no PostgreSQL (scripts/deps.sh)"; exit 77; fi
[ $rc = 0 ] || { echo "FAIL: the PostgreSQL cluster did not start" >&2; exit 1; }
read -r dir port <<<"$out"
trap 'bash "$PG" stop "$dir"' EXIT
for t in serve serve_ops serve_business serve_refusals serve_two_nodes; do
  bash "$PG" createdb "$dir" "$port" "$t"
  ESEAL_TEST_STORE="postgres:host=127.0.0.1 port=$port user=postgres dbname=$t" bash "$HERE/$t.sh" "$ESEAL" "$SAMPLES" \
    >"$dir/$t.out" 2>&1 || { tail -30 "$dir/$t.out" | grep -v '^{"time' >&2; echo "FAIL: $t.sh on PostgreSQL" >&2; exit 1; }
  tail -1 "$dir/$t.out"
done
echo "serve_pg: serve.sh, serve_ops.sh, serve_business.sh, serve_refusals.sh and serve_two_nodes.sh passed on PostgreSQL"
