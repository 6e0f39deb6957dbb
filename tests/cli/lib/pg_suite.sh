# SPDX-License-Identifier: AGPL-3.0-or-later
# Sourced by tests that run a suite on SQLite, then on PostgreSQL. pg_suite DB FUNC starts a
# throwaway cluster (tests/platform/pg.sh), makes database DB and runs FUNC postgres URI.
# Without PostgreSQL it says so and returns 0, unless $ESEAL_TEST_REQUIRE_PG is set. It sets
# PGDIR: the caller's cleanup runs `pg.sh stop "$PGDIR"`. Needs $HERE (tests/cli).
pg_suite() {
  local db=$1 fn=$2 out rc port
  set +e
  out=$(bash "$HERE/../platform/pg.sh" start 2>/dev/null)
  rc=$?
  set -e
  if [ $rc = 77 ]; then
    [ -z "${ESEAL_TEST_REQUIRE_PG:-}" ] || { echo "FAIL: no PostgreSQL" >&2; exit 1; }
    echo "postgres: skipped (not installed)"
    return 0
  fi
  [ $rc = 0 ] || { echo "FAIL: the PostgreSQL cluster did not start" >&2; exit 1; }
  read -r PGDIR port <<<"$out"
  bash "$HERE/../platform/pg.sh" createdb "$PGDIR" "$port" "$db"
  "$fn" postgres "postgres:host=127.0.0.1 port=$port user=postgres dbname=$db"
}
