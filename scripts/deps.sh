#!/usr/bin/env bash
# Install the Debian 12 packages eseal needs to build, run and test.
# Idempotent: does nothing when everything is present. Run as root
# (or with sudo available).
set -euo pipefail

# One package a line: what it is for.
PACKAGES=(
  build-essential   # gcc, make
  cmake             # build system
  pkg-config        # finds libraries
  clang             # libFuzzer targets (make check smoke, make fuzz)
  libclang-rt-14-dev # sanitizer/fuzzer runtimes for clang
  libssl-dev        # OpenSSL 3: SM2/SM3/SM4, X.509, CMS, time stamps
  openssl           # independent cross-checks in tests
  valgrind          # constant-time check of SM2 signing (ctgrind style) in make check
  libcmocka-dev     # unit tests
  libjansson-dev    # JSON output and API
  libmicrohttpd-dev # the HTTP service (eseal serve)
  curl              # HTTP API tests
  libcurl4-openssl-dev # eseal verify --status-url (HTTP client)
  jq                # HTTP API tests read JSON answers
  wrk               # make bench: HTTP load on loopback (bench/http.sh)
  python3-jsonschema # HTTP API contract test (tests/cli/serve_contract.sh)
  libzip-dev        # OFD packages
  libxml2-dev       # OFD XML
  zip               # test fixtures
  unzip
  # --- seal images (render layer) ---
  libcairo2-dev
  libfreetype-dev
  libpng-dev
  libjpeg-dev
  fonts-arphic-uming   # Song-style (明/宋体) CJK font for seal text
  fonts-dejavu-core    # digits of seal codes and taxpayer ids (Arial-like sans)
  fonts-arphic-ukai    # OFD render: 楷体/KaiTi documents without embedded fonts
  fonts-wqy-zenhei     # OFD render: 黑体/SimHei and 微软雅黑 documents
  fonts-liberation2    # OFD render: Times New Roman, Arial, Courier New metrics
  libfontconfig-dev    # OFD render: unembedded font families to installed files
  # --- platform store (SQLite, PostgreSQL) ---
  libsqlite3-dev
  libpq-dev
  postgresql           # throwaway test cluster (initdb/pg_ctl) in make check
  sqlite3              # the CLI audit test forges the log with SQL, as an attacker would
  libp11-kit-dev       # PKCS#11 header (p11-kit/pkcs11.h) for the key-store provider
  softhsm2             # PKCS#11 software token for the key-store tests
  # --- PDF layer (MuPDF, static archives + what they link) ---
  libmupdf-dev
  libmujs-dev
  libgumbo-dev
  libopenjp2-7-dev
  libjbig2dec0-dev
  poppler-utils        # pdfsig, pdftoppm, pdftotext: independent checks in tests
  libreoffice-writer-nogui # PDFs from another producer in tests (big; tests skip without it)
  chromium             # print-to-PDF producer; the web console's browser tests (big; tests skip without it)
  # --- the web console (web/, tests/browser/console) ---
  nodejs               # node --test runs the console's tests; npm installs preact/htm and playwright-core
  fonts-noto-cjk       # Chinese in the console's screenshots (docs/console.md)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's nodejs comes without npm (another nodejs build may carry its own)
if ! command -v npm >/dev/null; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
fi

# npm packages from the committed lock files, never committed themselves: the
# console's preact + htm, uqr and pdf.js (served under /vendor/) and its tests'
# playwright-core and axe-core. Again only when a lock file is newer than what is
# installed. Optional packages are left out: pdf.js's native canvas is for node,
# never for the browser.
root=$(cd "$(dirname "$0")/.." && pwd)
for d in web tests/browser/console; do
  if [ ! -f "$root/$d/node_modules/.package-lock.json" ] || [ "$root/$d/package-lock.json" -nt "$root/$d/node_modules/.package-lock.json" ]; then
    echo "deps: npm ci in $d"
    (cd "$root/$d" && npm ci --omit=optional --no-audit --no-fund --loglevel=error >/dev/null)
  fi
done
