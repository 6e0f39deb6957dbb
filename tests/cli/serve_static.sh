#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# eseal serve's static files (src/server/static.c, docs/console.md): the web
# root at /, /vendor/ from its node_modules, content types, ETag and 304, HEAD,
# the security headers, no directory listing, no path traversal (dot segments,
# encoded dots, backslashes, hidden files, symbolic links out of the root),
# unknown types refused, the API untouched, and --web refused when not a folder.
set -euo pipefail
ESEAL=$1
command -v curl >/dev/null || { echo "skip: curl is needed (scripts/deps.sh)"; exit 77; }
T=$(mktemp -d /tmp/eseal-cli-static.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$T/server.log" ] && tail -5 "$T/server.log" >&2; exit 1; }

# a web root of our own, with things that must never be served beside and inside it
W=$T/web
mkdir -p "$W/js" "$W/sub" "$W/node_modules/pkg/dist" "$W/.git"
printf '<!doctype html><title>root</title>' >"$W/index.html"
printf 'export const x = 1;\n' >"$W/js/app.js"
printf 'body{}' >"$W/style.css"
printf 'export const v = 2;\n' >"$W/node_modules/pkg/dist/m.mjs"
printf '{"name":"x"}' >"$W/package.json"
printf 'secret' >"$W/.env"
printf '[core]' >"$W/.git/config"
printf 'the data directory' >"$T/outside.txt"
ln -s "$T/outside.txt" "$W/link.txt"
ln -s /etc "$W/etc"
printf 'binary' >"$W/file.bin"

"$ESEAL" platform --dir "$T/p" init >/dev/null
"$ESEAL" serve --dir "$T/p" --web "$T/missing" --listen 127.0.0.1:0 2>"$T/err" && fail "--web of a missing folder accepted"
grep -q "is not a folder" "$T/err" || fail "--web message"
"$ESEAL" serve --dir "$T/p" --web "$W" --print-config | grep -q "\"web\": \"$W\"" || fail "print-config shows the web root"
"$ESEAL" serve --dir "$T/p" --web none --print-config | grep -q '"web": "none"' || fail "--web none"
"$ESEAL" serve --dir "$T/p" --listen 127.0.0.1:0 --port-file "$T/port" --web "$W" --threads 2 2>"$T/server.log" &
PID=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
[ -s "$T/port" ] || fail "the server did not start"
U=http://127.0.0.1:$(cat "$T/port")

# status PATH [curl args...]: the status code, headers in $T/h, body in $T/b
status() { local p=$1; shift; rm -f "$T/b"; touch "$T/b"; curl -s --path-as-is -D "$T/h" -o "$T/b" -w '%{http_code}' "$@" "$U$p"; }
expect() { local want=$1 p=$2; shift 2; local got; got=$(status "$p" "$@"); [ "$got" = "$want" ] || fail "$p: expected $want, got $got"; }
header() { grep -i "^$1:" "$T/h" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

# ---- what is served, with its type ------------------------------------------------------
for pair in "/:text/html; charset=utf-8" "/index.html:text/html; charset=utf-8" "/js/app.js:text/javascript; charset=utf-8" \
            "/style.css:text/css; charset=utf-8" "/vendor/pkg/dist/m.mjs:text/javascript; charset=utf-8"; do
  p=${pair%%:*} type=${pair#*:}
  expect 200 "$p"
  [ "$(header Content-Type)" = "$type" ] || fail "$p type: $(header Content-Type)"
  [ "$(header X-Content-Type-Options)" = nosniff ] || fail "$p nosniff"
  header Content-Security-Policy | grep -q "script-src 'self'" || fail "$p CSP"
  header Content-Security-Policy | grep -q "unsafe-inline" && fail "$p CSP allows inline"
  [ "$(header Cache-Control)" = no-cache ] || fail "$p Cache-Control: $(header Cache-Control)"
done
cmp -s "$T/b" "$W/node_modules/pkg/dist/m.mjs" || fail "vendor body"
# ETag: the same file answers 304 to its ETag, 200 after it changes
expect 200 /js/app.js
etag=$(header ETag)
[ -n "$etag" ] || fail "no ETag"
expect 304 /js/app.js -H "If-None-Match: $etag"
[ ! -s "$T/b" ] || fail "304 with a body"
expect 200 /js/app.js -H 'If-None-Match: "other"'
sleep 0.01; printf 'export const x = 2;\n' >"$W/js/app.js"
expect 200 /js/app.js -H "If-None-Match: $etag"
[ "$(header ETag)" != "$etag" ] || fail "ETag unchanged after a change"
# HEAD: the headers without the body
[ "$(curl -s -I -o /dev/null -w '%{http_code}' "$U/style.css")" = 200 ] || fail "HEAD"
[ "$(curl -s -I "$U/style.css" | grep -i '^content-length' | tr -d '\r' | cut -d' ' -f2)" = 6 ] || fail "HEAD length"

# ---- what is never served -------------------------------------------------------------------
for p in /sub/ /sub /js/ /vendor/ /vendor/pkg/ /vendor/pkg /node_modules/pkg/dist/m.mjs /package.json /.env /.git/config \
         /../outside.txt /js/../../outside.txt /%2e%2e/outside.txt /js/%2E%2E/%2e%2e/outside.txt /vendor/../index.html \
         /vendor/pkg/../../package.json /link.txt /etc/passwd /etc/hostname /file.bin '/js\app.js' /js//app.js \
         /./index.html /nothing.js /.../x.js; do
  got=$(status "$p")
  [ "$got" = 404 ] || fail "$p: expected 404, got $got"
  grep -q "the data directory\|secret\|\[core\]\|root:" "$T/b" && fail "$p leaked a file"
  grep -q '"code":"ENOTFOUND"' "$T/b" || fail "$p: the JSON error body"
done
# only GET and HEAD; the API is the API
expect 404 / -X POST
expect 404 /api/v1/nothing
grep -q "no such route" "$T/b" || fail "API 404 wording"
expect 404 /api/index.html
expect 200 /healthz
[ "$(header Cache-Control)" = no-store ] || fail "API answers stay no-store"
expect 401 /api/v1/session
grep -q '"route": "(static)"' "$T/server.log" || fail "access log names static answers"

kill -TERM "$PID"; wait "$PID" || fail "exit after SIGTERM"; PID=
echo "serve_static: all checks passed"
