#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# make bench, the HTTP part: wrk on loopback against eseal serve (SQLite, a
# throwaway data directory) for BENCH_HTTP_SECONDS (20) each, on the health
# route, a cursor-paged list read with an API key, the public verify route
# (POST /api/v1/verify with an OFD the platform sealed, beside the same
# verification in process: eseal_bench --verify-rate, goal >= 0.8) and the
# seal status route; then the sign route (POST /api/v1/documents/seal, one
# approved use request per document, BENCH_SIGN_DOCS (200) documents sent by
# as many clients as the server has threads) beside sealing through the
# platform in process (eseal_bench --seal-rate). Prints requests/s, p50/p99
# latency, errors (non-2xx answers and socket errors: must be 0), the ratios
# and the server's peak RSS. Figures only: nothing here is asserted on timing.
set -euo pipefail
ESEAL=${1:-./build/eseal}
SECONDS_EACH=${BENCH_HTTP_SECONDS:-20}
CONNS=${BENCH_HTTP_CONNECTIONS:-32}
SIGN_DOCS=${BENCH_SIGN_DOCS:-200}
BENCH=$(dirname "$ESEAL")/eseal_bench
command -v wrk >/dev/null || { echo "bench http: wrk is not installed (scripts/deps.sh installs it)"; exit 0; }
command -v curl >/dev/null && command -v jq >/dev/null && command -v sqlite3 >/dev/null ||
  { echo "bench http: curl, jq and sqlite3 are needed"; exit 1; }
T=$(mktemp -d /tmp/eseal-bench-http.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
D=$T/p
EPARGS=(--dir "$D")
# shellcheck source=../tests/cli/lib/signin.sh
. "$(dirname "$0")/../tests/cli/lib/signin.sh"

echo "== HTTP: a platform with 300 accounts (SQLite in $T)"
e init >/dev/null
e region add 350000 福建省 >/dev/null
unit=$(e --json unit add --name 福建省测试厅 --credit-code 91350100100000016G --region 350000 | jq -r .unit)
for i in $(seq 300); do e account add "user$i" --roles applicant --unit "$unit" >/dev/null; done
pw=$(head -1 "$(pwf admin)")
# a unit with an active seal (registry import), its clerk and the use approver
printf 'name,credit_code,region,legal_rep\n福州甲有限公司,91350100100000067Q,350000,赵一\n' >"$T/feed.csv"
"$ESEAL" registry import --dir "$D" "$T/feed.csv" >/dev/null
sunit=$(sqlite3 "$D/platform.db" "SELECT id FROM units WHERE credit_code = '91350100100000067Q'")
esid=$(sqlite3 "$D/platform.db" "SELECT esid FROM seals WHERE unit_id = $sunit AND state = 'active'")
[ ${#esid} = 14 ] || { echo "bench http: the registry import made no active seal"; exit 1; }
e account add clerk --roles applicant --unit "$sunit" >/dev/null
e account add approver --roles use-approver >/dev/null
num() { sed -n "s/.*\"$1\": \"\{0,1\}\([0-9]*\).*/\1/p"; }
# the OFD the verify route gets: a licence sealed through the platform
"$ESEAL" ofd make -o "$T/licence.ofd" --title 营业执照 "营业执照" "名称：福州甲有限公司" "登记机关盖章处" >/dev/null
req=$(e --as clerk --json use request "$esid" --document "$T/licence.ofd" --purpose 营业执照 | num request)
e --as approver use approve "$req" >/dev/null
e --as clerk seal document "$esid" --document "$T/licence.ofd" --request "$req" -o "$T/sealed.ofd" >/dev/null
"$ESEAL" verify --trust "$D/trust" "$T/sealed.ofd" >/dev/null || { echo "bench http: the sealed OFD does not verify"; exit 1; }

threads=$(nproc)
"$ESEAL" serve --dir "$D" --listen 127.0.0.1:0 --threads "$threads" --port-file "$T/port" \
  --per-ip-connections 256 --web none 2>"$T/server.log" &
PID=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
[ -s "$T/port" ] || { tail -5 "$T/server.log"; echo "bench http: the server did not start"; exit 1; }
U=http://127.0.0.1:$(cat "$T/port")
curl -s -c "$T/jar" -H 'Content-Type: application/json' \
  --data-binary "{\"login\":\"admin\",\"password\":\"$pw\"}" "$U/api/v1/session" >"$T/session"
csrf=$(jq -r .csrf_token "$T/session")
curl -s -b "$T/jar" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
  --data-binary '{"login":"admin","name":"bench","expires":"2099-01-01T00:00:00Z","scope":"read"}' \
  "$U/api/v1/api-keys" >"$T/key"
KEY=$(jq -r .key "$T/key")
[ -n "$KEY" ] && [ "$KEY" != null ] || { cat "$T/key"; echo "bench http: no API key"; exit 1; }
LIST=/api/v1/accounts?limit=100
n=$(curl -s -H "Authorization: Bearer $KEY" "$U$LIST" | jq '.items | length')
[ "$n" = 100 ] || { echo "bench http: the list gave $n items, not 100"; exit 1; }

# run NAME PATH [HEADER [BODY-FILE]]: one wrk run (a POST of BODY-FILE when given), summarised; RPS holds req/s
cat >"$T/post.lua" <<'LUA'
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/octet-stream"
LUA
RPS=
run() {
  local name=$1 path=$2 hdr=${3:-} body=${4:-}
  local args=(-t "$threads" -c "$CONNS" -d "${SECONDS_EACH}s" --latency)
  [ -n "$hdr" ] && args+=(-H "$hdr")
  [ -n "$body" ] && args+=(-s "$T/post.lua")
  BENCH_BODY=$body wrk "${args[@]}" "$U$path" >"$T/wrk" 2>&1
  local rps p50 p99 non2xx sock
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$T/wrk")
  p50=$(awk '$1 == "50%" {print $2}' "$T/wrk")
  p99=$(awk '$1 == "99%" {print $2}' "$T/wrk")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$T/wrk")
  sock=$(awk -F'[ ,]+' '/Socket errors:/ {print $4+$6+$8+$10}' "$T/wrk")
  printf '%-34s %10s req/s   p50 %-9s p99 %-9s errors %s\n' "$name" "$rps" "$p50" "$p99" \
    "$(( ${non2xx:-0} + ${sock:-0} ))"
  RPS=$rps
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "== HTTP: wrk, $threads threads, $CONNS connections, ${SECONDS_EACH} s each, server with $threads poll threads"
run "GET /healthz" /healthz
run "GET $LIST (API key)" "$LIST" "Authorization: Bearer $KEY"
# the same verification in this machine's process, as many threads as the server: the route's ceiling
# (measured just before and just after the route, the mean beside it: the machine's load moves)
vrate() { "$BENCH" --verify-rate "$D" "$T/sealed.ofd" "$threads" | awk '/^verify_per_s/ {print $2}'; }
in1=$(vrate)
run "POST /api/v1/verify (sealed OFD)" /api/v1/verify "" "$T/sealed.ofd"
in2=$(vrate)
inproc=$(awk -v a="$in1" -v b="$in2" 'BEGIN { printf "%.1f", (a + b) / 2 }')
printf '%-34s %10s /s      (%s threads, before %s after %s; route / in process %s, goal >= 0.8)\n' \
  "  in process, same verification" "$inproc" "$threads" "$in1" "$in2" "$(ratio "$RPS" "$inproc")"
run "GET /api/v1/seals/ESID/status" "/api/v1/seals/$esid/status"

# the sign route: one approved use request per document (a request is used up by its seal)
signin() {
  local who=$1 pw=$2
  curl -s -c "$T/jar.$who" -H 'Content-Type: application/json' \
    --data-binary "{\"login\":\"$who\",\"password\":\"$pw\"}" "$U/api/v1/session" | jq -r .csrf_token >"$T/csrf.$who"
}
signin clerk "$(head -1 "$(pwf clerk)")"
signin approver "$(head -1 "$(pwf approver)")"
mkdir -p "$T/sign"
for i in $(seq "$SIGN_DOCS"); do
  "$ESEAL" ofd make -o "$T/sign/$i.ofd" --title 营业执照 "营业执照 第 $i 号" "名称：福州甲有限公司" "登记机关盖章处" >/dev/null
  sm=$(openssl dgst -sm3 -r "$T/sign/$i.ofd" | cut -c1-64)
  id=$(curl -s -b "$T/jar.clerk" -H "X-CSRF-Token: $(cat "$T/csrf.clerk")" -H 'Content-Type: application/json' \
    --data-binary "{\"esid\":\"$esid\",\"doc_sm3\":\"$sm\",\"purpose\":\"营业执照\"}" "$U/api/v1/use-requests" | jq -r .id)
  curl -s -o /dev/null -b "$T/jar.approver" -H "X-CSRF-Token: $(cat "$T/csrf.approver")" \
    -H 'Content-Type: application/json' --data-binary '{"reason":"同意"}' "$U/api/v1/use-requests/$id/approve"
  echo "$i $id" >>"$T/sign/list"
done
# one curl per client, its documents in one config (--next between them): no process per request
for c in $(seq "$threads"); do : >"$T/sign/client$c.conf"; done
c=0
while read -r i id; do
  c=$(( c % threads + 1 ))
  [ -s "$T/sign/client$c.conf" ] && echo next >>"$T/sign/client$c.conf"
  cat >>"$T/sign/client$c.conf" <<CONF
url = "$U/api/v1/documents/seal"
cookie = "$T/jar.clerk"
header = "X-CSRF-Token: $(cat "$T/csrf.clerk")"
form = "document=@$T/sign/$i.ofd"
form = "esid=$esid"
form = "use_request=$id"
form = "x_mm=120"
form = "y_mm=60"
output = "/dev/null"
write-out = "%{http_code}\\n"
CONF
done <"$T/sign/list"
t0=$(date +%s.%N)
cpids=()
for c in $(seq "$threads"); do curl -s -K "$T/sign/client$c.conf" >"$T/sign/codes$c" & cpids+=($!); done
wait "${cpids[@]}"
t1=$(date +%s.%N)
cat "$T/sign/codes"[0-9]* >"$T/sign/codes"
sign_rps=$(awk -v n="$SIGN_DOCS" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", n / (b - a) }')
sign_err=$(grep -vc '^200$' "$T/sign/codes" || true)
printf '%-34s %10s req/s   (%s documents, %s curl clients) errors %s\n' "POST /api/v1/documents/seal (OFD)" \
  "$sign_rps" "$SIGN_DOCS" "$threads" "$sign_err"
inseal=$("$BENCH" --seal-rate | awk '/^seal_per_s/ {print $2}')
printf '%-34s %10s /s      (one thread; route / in process %s)\n' "  in process, through the platform" "$inseal" \
  "$(ratio "$sign_rps" "$inseal")"
printf '%-34s %s\n' "server peak RSS" "$(awk '/^VmHWM:/ {print $2, $3}' "/proc/$PID/status")"
kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=
lines=$(wc -l <"$T/server.log")
echo "(server log: $lines lines; one JSON access-log line per request)"
