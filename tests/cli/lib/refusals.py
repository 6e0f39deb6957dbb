# SPDX-License-Identifier: AGPL-3.0-or-later
"""Every route of eseal serve, refused every way the route table says it can be.

Run by tests/cli/serve_refusals.sh against a live server. The routes come from the
server's own /api/openapi.json (the route table), so a route added to routes.def is
swept without anyone editing this file. For each route:

  no credentials              401 (secured routes)
  a session, no CSRF header   403 naming the CSRF token (secured routes that change things)
  an API key scoped "read"    403 naming the action (routes whose action is not "read")
  a role without the action   403 (auditor; applicant for "audit")
  a body over the route's limit, judged on Content-Length before the body is sent: 413
  with a role that may: a wrong content type 415, malformed JSON 400, an unknown field 422
  naming it (routes that take JSON)

and with --expired, a session idle past 30 minutes: 401 on every secured route.
Usage: refusals.py URL STATE.json [--expired]
STATE.json: {"cookies": {login: cookie}, "csrf": {login: token}, "read_key": KEY}.
Prints one line per failure and exits 1 if there is any.
"""
import http.client
import json
import sys
import urllib.parse

URL = urllib.parse.urlparse(sys.argv[1])
STATE = json.load(open(sys.argv[2]))
EXPIRED = "--expired" in sys.argv[3:]

# who has an action, and who lacks it (src/platform/core.c, the role table)
HAS = {
    "read": "admin", "region-add": "admin", "unit-add": "admin", "person-add": "admin",
    "account-add": "admin", "app-create": "applicant", "app-submit": "applicant",
    "app-forward": "maker", "app-check": "maker", "app-review": "reviewer", "seal-make": "maker",
    "app-file": "maker", "app-deliver": "maker", "seal-confirm": "applicant", "seal-use": "applicant",
    "seal-authorise": "keeper", "jobs": "admin", "registry": "admin", "outbox": "admin",
    "audit": "auditor", "use-request": "applicant", "use-approve": "approver", "token": "keeper",
    "backup": "admin",
}
LACKS = {a: ("applicant" if a == "audit" else "auditor") for a in HAS if a != "read"}
# routes whose caller is not a role: POST /api/v1/filings takes a registered peer's key, and
# refuses everyone else before it reads the body (serve_peering.sh sends it bad bodies)
BODY_BY_PEER = {("POST", "/api/v1/filings")}
FILL = {"id": "999999", "esid": "35010000999999", "login": "nobody"}
failures = []
count = 0


def request(method, path, headers=None, body=b"", declared=None):
    """One request on a fresh connection: (status, parsed JSON body or None)."""
    global count
    count += 1
    c = http.client.HTTPConnection(URL.hostname, URL.port, timeout=10 if declared is not None else 30)
    h = dict(headers or {})
    if declared is not None:  # a client that declares its size and waits for "100 Continue"
        c.putrequest(method, path)
        for k, v in h.items():
            c.putheader(k, v)
        c.putheader("Content-Length", str(declared))
        c.putheader("Expect", "100-continue")
        c.endheaders()
    else:
        c.request(method, path, body=body, headers=h)
    try:
        r = c.getresponse()
        data = r.read()
        status = r.status
    except (OSError, http.client.HTTPException) as e:  # no answer (a time-out: the server waited for the body)
        return f"no answer ({type(e).__name__})", None
    finally:
        c.close()
    try:
        return status, json.loads(data)
    except ValueError:
        return status, None


def as_user(login, csrf=True):
    h = {"Cookie": STATE["cookies"][login]}
    if csrf:
        h["X-CSRF-Token"] = STATE["csrf"][login]
    return h


def expect(what, want, got, body, method, path, text=None):
    ok = got in want if isinstance(want, tuple) else got == want
    msg = (body or {}).get("error", {}).get("message", "") if isinstance(body, dict) else ""
    if ok and text and text not in msg:
        ok = False
    if not ok:
        failures.append(f"{method} {path}: {what}: expected {want}{' with ' + repr(text) if text else ''}, "
                        f"got {got} {msg!r}")


c = http.client.HTTPConnection(URL.hostname, URL.port, timeout=30)
c.request("GET", "/api/openapi.json")
doc = json.loads(c.getresponse().read())
c.close()

routes = 0
for pattern, ops in sorted(doc["paths"].items()):
    path = pattern
    for k, v in FILL.items():
        path = path.replace("{" + k + "}", v)
    for method, op in sorted(ops.items()):
        method = method.upper()
        routes += 1
        secured = len(op.get("security", [])) > 0
        action = op.get("x-eseal-action")
        limit = op.get("x-eseal-max-body", 0) or (16384 if not secured else 0)  # 0 public: the small limit
        types = list(op.get("requestBody", {}).get("content", {}).keys())
        changes = method not in ("GET", "HEAD")
        if EXPIRED:
            if secured:
                s, b = request(method, path, as_user("maker"))
                expect("an expired session", 401, s, b, method, path, "idle for more than")
            continue
        if secured:
            s, b = request(method, path)
            expect("no credentials", 401, s, b, method, path)
            if changes:
                s, b = request(method, path, as_user("admin", csrf=False))
                expect("no CSRF token", 403, s, b, method, path, "CSRF")
            if action and action != "read":
                s, b = request(method, path, {"Authorization": "Bearer " + STATE["read_key"]})
                expect("an API key scoped read", 403, s, b, method, path, f"'{action}'")
                who = LACKS[action]
                s, b = request(method, path, as_user(who))
                expect(f"the role of {who}", 403, s, b, method, path)
        if not changes:
            continue
        actor = as_user(HAS.get(action or "read", "admin")) if secured else {}
        ctype = types[0] if types else "application/json"
        # over the limit, on the header alone (no body is sent)
        s, b = request(method, path, {**actor, "Content-Type": ctype}, declared=limit + 1)
        expect("a body over the limit", 413, s, b, method, path)
        if not types or (method, pattern) in BODY_BY_PEER:
            continue
        # a route that takes raw bytes (octet-stream) takes them whatever their declared type
        if "application/octet-stream" not in types:
            s, b = request(method, path, {**actor, "Content-Type": "text/plain"}, b"x")
            expect("a wrong content type", 415, s, b, method, path)
        if "application/json" in types:
            h = {**actor, "Content-Type": "application/json"}
            s, b = request(method, path, h, b'{"a":')
            expect("malformed JSON", 400, s, b, method, path)
            s, b = request(method, path, h, b'{"zz_unknown_field": 1}')
            expect("an unknown field", 422, s, b, method, path, "zz_unknown_field")

print(f"refusals: {routes} routes, {count} requests{' (expired sessions)' if EXPIRED else ''}, "
      f"{len(failures)} unexpected answers")
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
