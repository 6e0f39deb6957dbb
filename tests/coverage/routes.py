# SPDX-License-Identifier: AGPL-3.0-or-later
"""Every route was driven over HTTP: answered with a success and refused.

The server tests run a test build with $ESEAL_TEST_ROUTE_LOG set (CMakeLists.txt): each
answered request appends "METHOD PATTERN STATUS" to the test's file. This reads them all
and, for every route of the table (the OpenAPI document the server prints), wants
  - a success (2xx or 3xx),
  - a refusal (4xx), if the route takes anything that can be refused,
  - a 401 if the route is signed-in only,
  - a 403 if it checks an action other than "read" (a role or an API key's scope).
Usage: routes.py OPENAPI.json LOG_DIR
"""
import collections
import glob
import json
import sys

doc = json.load(open(sys.argv[1]))
seen = collections.defaultdict(set)
files = glob.glob(sys.argv[2] + "/*.log")
for f in files:
    for line in open(f, encoding="utf-8", errors="replace"):
        parts = line.split()
        if len(parts) == 3 and parts[2].isdigit():
            seen[(parts[0], parts[1])].add(int(parts[2]))

missing = []
routes = 0
for pattern, ops in sorted(doc["paths"].items()):
    for method, op in sorted(ops.items()):
        routes += 1
        key = (method.upper(), pattern)
        got = seen.get(key, set())
        want = []
        if not any(200 <= s < 400 for s in got):
            want.append("a success")
        # a refusal, but from a route that takes something to refuse (a caller, a path
        # parameter, a query or a body): /healthz and /metrics take nothing
        takes = op.get("security") or "{" in pattern or method != "get" or any(
            p.get("in") == "query" for p in op.get("parameters", []))
        if takes and not any(400 <= s < 500 for s in got):
            want.append("a refusal")
        if op.get("security") and 401 not in got:
            want.append("401")
        if op.get("x-eseal-action", "read") != "read" and 403 not in got:
            want.append("403")
        if want:
            missing.append(f"{key[0]} {pattern}: no {', no '.join(want)} (seen: {sorted(got) or 'nothing'})")

print(f"routes covered: {routes - len(missing)} of {routes} routes had a success and their refusals "
      f"({len(files)} server tests' logs, {sum(len(v) for v in seen.values())} distinct answers)")
for m in missing:
    print("MISSING:", m)
if not files:
    print("no logs in", sys.argv[2], "- run the server tests first (ctest runs them before this one)")
sys.exit(1 if missing or not files else 0)
