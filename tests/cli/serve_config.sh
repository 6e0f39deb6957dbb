#!/usr/bin/env bash
# eseal serve's settings: the config file (unknown keys, types, ranges refused by
# name), environment over file, flags over environment, --print-config as a config
# file; trusted TLS terminators: their X-Forwarded-For and client-certificate header
# are believed, anyone else's ignored; the systemd unit's hardening.
set -euo pipefail
ESEAL=$1
SRC=$(cd "$(dirname "$0")/../.." && pwd)
command -v curl >/dev/null && command -v jq >/dev/null && command -v openssl >/dev/null ||
  { echo "curl, jq and openssl are needed (scripts/deps.sh)"; exit 77; }
T=$(mktemp -d /tmp/eseal-cli-serve-config.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$T/server.log" ] && tail -5 "$T/server.log" >&2; exit 1; }
refused() { # refused WORDS eseal-args...: exit 3 and the words on stderr
  local words=$1; shift
  set +e; "$ESEAL" serve "$@" >"$T/out" 2>"$T/err"; local rc=$?; set -e
  [ "$rc" = 3 ] || fail "expected exit 3, got $rc: serve $*"
  grep -qF -- "$words" "$T/err" || fail "'$words' not in: $(cat "$T/err")"
}
unset ESEAL_SERVE_CONFIG ESEAL_SERVE_THREADS ESEAL_SERVE_LISTEN

# ---- the config file ---------------------------------------------------------------------
cat >"$T/c.json" <<'EOF'
{"dir": "/srv/eseal", "threads": 8, "listen": "127.0.0.1:9000", "quiet": true, "trusted_proxies": "10.0.0.0/8",
 "max_connections": 1000, "per_ip_connections": 500, "body_small": 8192}
EOF
"$ESEAL" serve --config "$T/c.json" --print-config >"$T/eff.json"
jq -e '.dir == "/srv/eseal" and .threads == 8 and .listen == "127.0.0.1:9000" and .quiet == true and
       .trusted_proxies == "10.0.0.0/8" and .max_connections == 1000 and .body_small == 8192 and
       .timeout_s == 30 and .client_cert_header == "X-SSL-Client-Cert"' "$T/eff.json" >/dev/null || fail "config file values: $(cat "$T/eff.json")"
# environment over the file, flags over the environment
ESEAL_SERVE_THREADS=6 "$ESEAL" serve --config "$T/c.json" --print-config | jq -e '.threads == 6' >/dev/null || fail "env over file"
ESEAL_SERVE_THREADS=6 "$ESEAL" serve --config "$T/c.json" --threads 2 --print-config | jq -e '.threads == 2' >/dev/null ||
  fail "flag over env"
ESEAL_SERVE_CONFIG=$T/c.json "$ESEAL" serve --print-config | jq -e '.threads == 8' >/dev/null || fail "ESEAL_SERVE_CONFIG"
# what --print-config prints is a config file giving the same settings
"$ESEAL" serve --config "$T/eff.json" --print-config | diff - "$T/eff.json" >/dev/null || fail "print-config round trip"
"$ESEAL" serve --help >"$T/help"
for k in $(jq -r 'keys[]' "$T/eff.json"); do grep -q "key \"$k\"" "$T/help" || fail "--help lacks key $k"; done
# docs/cli/serve.md carries this --help word for word, and a row of its table for every key
awk '/^```/ { n++; next } n == 1' "$SRC/docs/cli/serve.md" | diff - "$T/help" >/dev/null ||
  fail "docs/cli/serve.md's usage differs from eseal serve --help: paste the new one in"
for k in $(jq -r 'keys[]' "$T/eff.json"); do
  grep -q "^| \`$k\` |" "$SRC/docs/cli/serve.md" || fail "docs/cli/serve.md has no row for key $k"
done
# refusals name what is wrong
echo '{"threads": 4, "thread_count": 9}' >"$T/bad.json"
refused "unknown key 'thread_count'" --config "$T/bad.json" --print-config
echo '{"threads": "four"}' >"$T/bad.json"
refused "'threads' must be a whole number" --config "$T/bad.json" --print-config
echo '{"threads": 65}' >"$T/bad.json"
refused "'threads' must be 1-64" --config "$T/bad.json" --print-config
echo '{"threads": 4, "threads": 5}' >"$T/bad.json"
refused "not JSON" --config "$T/bad.json" --print-config
echo '[1]' >"$T/bad.json"
refused "must be a JSON object" --config "$T/bad.json" --print-config
refused "cannot" --config "$T/missing.json" --print-config
echo '{"trusted_proxies": "10.0.0.0/33"}' >"$T/bad.json"
refused "trusted_proxies" --config "$T/bad.json" --print-config
refused "per_ip_connections (600) is more than max_connections (512)" --per-ip-connections 600 --print-config
ESEAL_SERVE_TIMEOUT_S=0 refused "ESEAL_SERVE_TIMEOUT_S: 'timeout_s' must be a number 1-3600" --print-config
refused "client_cert_header must be a header name" --client-cert-header 'X-Cert: evil' --print-config

# ---- the systemd unit and make install's layout ---------------------------------------------
# the build's own install tree, staged with DESTDIR (the prefix is the build's, /usr/local)
BUILD=$(dirname "$ESEAL")
PREFIX=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD/CMakeCache.txt")
DESTDIR="$T/stage" cmake --install "$BUILD" >"$T/install.log" 2>&1 || { cat "$T/install.log" >&2; fail "cmake --install"; }
for f in bin/eseal include/eseal/es_platform.h lib/systemd/system/eseal.service share/eseal/serve.json \
    share/eseal/web/index.html; do
  [ -f "$T/stage$PREFIX/$f" ] || fail "make install did not install $f"
done
U=$T/stage$PREFIX/lib/systemd/system/eseal.service
for d in "ExecStart=$PREFIX/bin/eseal serve --config /etc/eseal/serve.json" NoNewPrivileges=yes ProtectSystem=strict \
    "ReadWritePaths=/var/lib/eseal" ProtectHome=yes PrivateTmp=yes PrivateDevices=yes "User=eseal" \
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" "KillSignal=SIGTERM" "TimeoutStopSec=40" \
    "CapabilityBoundingSet=" "SystemCallFilter=@system-service" "UMask=0077"; do
  grep -qxF "$d" "$U" || fail "the installed eseal.service lacks '$d'"
done
grep -qE '@[A-Z_]+@' "$U" && fail "eseal.service has an unreplaced @VARIABLE@"
"$ESEAL" serve --config "$SRC/packaging/serve.json" --print-config >"$T/pkg.json" || fail "packaging/serve.json is refused"
jq -e '.dir == "/var/lib/eseal" and .listen == "127.0.0.1:8080" and .trusted_proxies == "127.0.0.1/32"' "$T/pkg.json" >/dev/null ||
  fail "packaging/serve.json settings"
if command -v systemd-analyze >/dev/null && systemd-analyze --help 2>/dev/null | grep -q verify; then
  systemd-analyze verify "$U" 2>&1 | grep -v "eseal: No such file\|Command .*/bin/eseal is not executable" | grep -i "error\|unknown" &&
    fail "systemd-analyze verify"
fi

# ---- trusted TLS terminators ----------------------------------------------------------------
D=$T/p
e() { "$ESEAL" platform --dir "$D" "$@"; }
e init >/dev/null
e region add 350000 福建省 >/dev/null
unit=$(e --json unit add --name 福建省测试厅 --credit-code 91350100100000016G --region 350000 | jq -r .unit)
e account add ua --roles unit-admin --unit "$unit" >/dev/null
OTP=$(e account otp admin)
openssl genpkey -algorithm SM2 -out "$T/k.pem" 2>/dev/null
openssl req -new -x509 -key "$T/k.pem" -sm3 -subj "/CN=ua-client/O=eseal test" -days 30 -out "$T/c.pem" 2>/dev/null
openssl genpkey -algorithm SM2 -out "$T/k2.pem" 2>/dev/null
openssl req -new -x509 -key "$T/k2.pem" -sm3 -subj "/CN=stranger" -days 30 -out "$T/c2.pem" 2>/dev/null
CERT=$(jq -sRr @uri <"$T/c.pem")
CERT2=$(jq -sRr @uri <"$T/c2.pem")

start() {
  rm -f "$T/port"
  "$ESEAL" serve --dir "$D" --listen 127.0.0.1:0 --threads 2 --port-file "$T/port" "$@" 2>"$T/server.log" &
  PID=$!
  for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
  [ -s "$T/port" ] || fail "the server did not start"
  URL=http://127.0.0.1:$(cat "$T/port")
}
stop() { kill -TERM "$PID"; wait "$PID" || fail "exit status after SIGTERM"; PID=; }
post() { curl -s -o "$T/body" -w '%{http_code}' -X POST "$@"; }
signin_fails() { # signin_fails XFF: how many wrong sign-ins until 429 (0: none in 50; a new minute may pass)
  for i in $(seq 50); do
    [ "$(post -H "X-Forwarded-For: $1" -H 'Content-Type: application/json' \
      --data-binary '{"login":"ua","password":"Wrong-Password-1"}' "$URL/api/v1/session")" = 429 ] && { echo "$i"; return; }
  done
  echo 0
}

# from a trusted terminator (loopback here): the certificate header signs in, X-Forwarded-For is the caller
start --trusted-proxies 127.0.0.1/32,10.0.0.0/8
[ "$(post -H 'Content-Type: application/json' --data-binary "{\"login\":\"admin\",\"password\":\"$OTP\"}" -c "$T/jar" "$URL/api/v1/session")" = 200 ] || fail "admin sign-in"
[ "$(post -H 'Content-Type: application/json' --data-binary "{\"login\":\"admin\",\"old_password\":\"$OTP\",\"new_password\":\"Seal-Platform-2026\"}" "$URL/api/v1/password")" = 200 ] || fail "admin password"
[ "$(post -H 'Content-Type: application/json' --data-binary '{"login":"admin","password":"Seal-Platform-2026"}' -c "$T/jar" "$URL/api/v1/session")" = 200 ] || fail "admin sign-in"
CSRF=$(jq -r .csrf_token "$T/body")
[ "$(post -H "X-SSL-Client-Cert: $CERT" "$URL/api/v1/session/certificate")" = 401 ] || fail "unmapped certificate accepted"
jq -r .error.message "$T/body" | grep -q "not registered" || fail "unmapped message: $(cat "$T/body")"
pem=$(jq -Rs . <"$T/c.pem")
[ "$(post -b "$T/jar" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' --data-binary "{\"certificate\":$pem}" "$URL/api/v1/accounts/ua/certificates")" = 200 ] ||
  fail "certificate map: $(cat "$T/body")"
[ "$(post -b "$T/jar" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' --data-binary '{"certificate":"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}' "$URL/api/v1/accounts/ua/certificates")" = 400 ] ||
  fail "a bad PEM mapped: $(cat "$T/body")"
[ "$(post -H "X-SSL-Client-Cert: $CERT" -c "$T/jar.ua" "$URL/api/v1/session/certificate")" = 200 ] || fail "certificate sign-in: $(cat "$T/body")"
jq -e '.login == "ua" and .how == "certificate" and (.csrf_token | length) > 20' "$T/body" >/dev/null || fail "certificate session: $(cat "$T/body")"
[ "$(curl -s -o "$T/body" -w '%{http_code}' -b "$T/jar.ua" "$URL/api/v1/session")" = 200 ] || fail "certificate session cookie"
jq -e '.login == "ua"' "$T/body" >/dev/null || fail "session of ua"
[ "$(post -H "X-SSL-Client-Cert: $CERT2" "$URL/api/v1/session/certificate")" = 401 ] || fail "another certificate accepted"
[ "$(post -H "X-SSL-Client-Cert: %2D%2D%2Dgarbage" "$URL/api/v1/session/certificate")" = 401 ] || fail "garbage certificate"
jq -r .error.message "$T/body" | grep -q "cannot be read" || fail "garbage message"
[ "$(post "$URL/api/v1/session/certificate")" = 401 ] || fail "no certificate"
[ "$(post -H "X-SSL-Client-Cert: $CERT" -H 'Content-Type: application/json' --data-binary '{}' "$URL/api/v1/session/certificate")" = 422 ] ||
  fail "a body with the certificate sign-in"
jq -r .error.message "$T/body" | grep -q "takes no body" || fail "body message"
# each caller behind the terminator has its own sign-in count
n1=$(signin_fails 192.0.2.1)
[ "$n1" != 0 ] || fail "no 429 for one caller behind the terminator"
n2=$(signin_fails "198.51.100.7, 192.0.2.2")
[ "$n2" -gt 10 ] || fail "a second caller behind the terminator was limited with the first ($n2)"
grep -q '"how": "certificate"\|certificate' "$T/server.log" || true
stop

# from anywhere else: the header and X-Forwarded-For are ignored
start --trusted-proxies 10.0.0.0/8
[ "$(post -H "X-SSL-Client-Cert: $CERT" "$URL/api/v1/session/certificate")" = 401 ] || fail "header believed from an untrusted peer"
jq -r .error.message "$T/body" | grep -q "no client certificate" || fail "untrusted message: $(cat "$T/body")"
n1=$(signin_fails 192.0.2.3)
[ "$n1" != 0 ] || fail "no 429"
[ "$(signin_fails 192.0.2.4)" = 1 ] || fail "X-Forwarded-For believed from an untrusted peer"
stop
start
[ "$(post -H "X-SSL-Client-Cert: $CERT" "$URL/api/v1/session/certificate")" = 401 ] || fail "header believed with no trusted proxies"
stop
grep -qF "$OTP" "$T/server.log" && fail "a one-time password in the log"
"$ESEAL" audit verify --dir "$D" >/dev/null || fail "audit chain"
echo "serve_config: all checks passed"
