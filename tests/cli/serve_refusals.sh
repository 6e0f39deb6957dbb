#!/usr/bin/env bash
# Every route of eseal serve refused every way it can be (tests/cli/lib/refusals.py):
# unauthenticated, without the CSRF token, by an API key's scope, by a role without the
# action, over the body limit, with a wrong content type, malformed JSON and an unknown
# field; then every secured route with a session idle past its 30 minutes (the server
# restarted with the clock moved on). The routes are read from the served OpenAPI
# document, so a new route in routes.def is swept as soon as it exists. Also the session
# cookie's attributes: HttpOnly and SameSite=Strict, and Secure behind an https public URL.
set -euo pipefail
ESEAL=$1
SRC=$(cd "$(dirname "$0")/../.." && pwd)
source "$SRC/tests/cli/lib/serve.sh"
command -v python3 >/dev/null || { echo "python3 is needed (scripts/deps.sh)"; exit 77; }
serve_setup serve-refusals

e init >/dev/null
e region add 350000 福建省 >/dev/null
unit=$(e --json unit add --name 福建省测试厅 --credit-code 91350100100000016G --region 350000 | jq -r .unit)
e account add applicant --roles applicant --unit "$unit" >/dev/null
e account add keeper --roles unit-admin --unit "$unit" >/dev/null
e account add maker --roles maker >/dev/null
e account add reviewer --roles reviewer >/dev/null
e account add auditor --roles auditor >/dev/null
e account add approver --roles use-approver >/dev/null
LOGINS=(admin applicant keeper maker reviewer auditor approver)
declare -A OTP
for a in "${LOGINS[@]}"; do OTP[$a]=$(e account otp "$a"); done

# sign in LOGIN PASSWORD: the cookie and CSRF token into $T/state.d/LOGIN.*
signin() {
  local got
  got=$(curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary "{\"login\":\"$1\",\"password\":\"$2\"}" "$U/api/v1/session")
  [ "$got" = 200 ] || { cat "$T/body" >&2; fail "sign-in of $1: $got"; }
  mkdir -p "$T/state.d"
  tr -d '\r' <"$T/headers" | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -1 >"$T/state.d/$1.cookie"
  jq -r .csrf_token "$T/body" >"$T/state.d/$1.csrf"
}

serve_start
# the session cookie: script cannot read it, other sites cannot send it; not Secure over http
signin admin "${OTP[admin]}"
grep -i '^set-cookie:' "$T/headers" | grep -q 'HttpOnly; SameSite=Strict' || fail "cookie attributes: $(grep -i '^set-cookie:' "$T/headers")"
grep -i '^set-cookie:' "$T/headers" | grep -qi 'secure' && fail "a Secure cookie without an https public URL"
for a in "${LOGINS[@]}"; do
  signin "$a" "${OTP[$a]}"
  [ "$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary \
    "{\"login\":\"$a\",\"old_password\":\"${OTP[$a]}\",\"new_password\":\"Refusal-Sweep-2026-${#a}x\"}" \
    "$U/api/v1/password")" = 200 ] || fail "password of $a"
  signin "$a" "Refusal-Sweep-2026-${#a}x"
done
got=$(curl -s -o "$T/body" -w '%{http_code}' -b "$(cat "$T/state.d/admin.cookie")" \
  -H "X-CSRF-Token: $(cat "$T/state.d/admin.csrf")" -H 'Content-Type: application/json' \
  --data-binary '{"login":"maker","name":"只读","expires":"2099-01-01T00:00:00Z","scope":"read"}' "$U/api/v1/api-keys")
[ "$got" = 201 ] || fail "the read-only API key: $got $(cat "$T/body")"
KEY=$(jq -r .key "$T/body")
state() {
  jq -n --arg key "$KEY" \
    --argjson cookies "$(for a in "${LOGINS[@]}"; do jq -n --arg k "$a" --arg v "$(cat "$T/state.d/$a.cookie")" '{($k): $v}'; done | jq -s add)" \
    --argjson csrf "$(for a in "${LOGINS[@]}"; do jq -n --arg k "$a" --arg v "$(cat "$T/state.d/$a.csrf")" '{($k): $v}'; done | jq -s add)" \
    '{cookies: $cookies, csrf: $csrf, read_key: $key}' >"$T/state.json"
}
state
python3 "$SRC/tests/cli/lib/refusals.py" "$U" "$T/state.json" || fail "refusals"

# the same sessions 31 minutes later: idle past their time-out, every secured route says 401
if [ "${ESEAL_TEST_CLOCK:-1}" = 1 ]; then
  serve_stop
  ESEAL_FAKE_NOW=$(date -u -d "+31 minutes" +%Y-%m-%dT%H:%M:%SZ) ESEAL_SERVE_PUBLIC_URL=https://platform.example serve_start
  python3 "$SRC/tests/cli/lib/refusals.py" "$U" "$T/state.json" --expired || fail "expired sessions"
  # behind an https public URL the cookie is Secure too
  signin admin "Refusal-Sweep-2026-5x"
  grep -i '^set-cookie:' "$T/headers" | grep -q 'HttpOnly; SameSite=Strict; Secure' || fail "no Secure cookie behind https: $(grep -i '^set-cookie:' "$T/headers")"
else
  echo "skipped: expired sessions (this build ignores ESEAL_FAKE_NOW)"
fi
serve_stop

# connections: two from one address at most, idle ones (and half requests) closed after 4 s
serve_start --per-ip-connections 2 --timeout-s 4
python3 "$SRC/tests/cli/lib/connlimits.py" 127.0.0.1 "$(cat "$T/port")" || fail "connection limits"
serve_stop

# nothing secret in the log the sweep left
for secret in "${OTP[@]}" "$KEY" Refusal-Sweep-2026 $(cut -c1-20 "$T"/state.d/*.csrf) $(cut -d= -f2 "$T"/state.d/*.cookie | cut -c1-20); do
  grep -qF -- "$secret" "$T/server.log" && fail "a secret in the server log: ${secret:0:4}…"
done
"$ESEAL" audit verify --dir "$D" "${STORE[@]}" >/dev/null || fail "audit chain after the sweep"
echo "serve_refusals: ok"
