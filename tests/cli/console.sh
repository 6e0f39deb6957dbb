#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# The web console in headless Chromium (tests/browser/console/, docs/console.md):
# node --test runs the console's own checks and the browser walk against
# eseal serve on a loopback port. Skips (77) with the reason when node,
# Debian's chromium or the npm packages (scripts/deps.sh: npm ci) are missing.
# Screenshots go to build/screenshots/ (the folder of ESEAL) and are listed.
set -euo pipefail
ESEAL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SRC=$(cd "$(dirname "$0")/../.." && pwd)
command -v node >/dev/null || { echo "skip: node is not installed (scripts/deps.sh)"; exit 77; }
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "skip: chromium is not installed (scripts/deps.sh)"; exit 77; }
[ -f "$SRC/web/node_modules/htm/preact/standalone.mjs" ] || { echo "skip: web/node_modules is missing (scripts/deps.sh runs npm ci in web/)"; exit 77; }
[ -d "$SRC/tests/browser/console/node_modules/playwright-core" ] || { echo "skip: tests/browser/console/node_modules is missing (scripts/deps.sh runs npm ci there)"; exit 77; }
command -v unzip >/dev/null && command -v zip >/dev/null && command -v openssl >/dev/null && command -v sqlite3 >/dev/null || { echo "skip: zip, unzip, openssl and sqlite3 are needed"; exit 77; }
export ESEAL ESEAL_WEB=$SRC/web ESEAL_SCREENSHOTS=${ESEAL_SCREENSHOTS:-$(dirname "$ESEAL")/screenshots}
cd "$SRC"
exec node --test tests/browser/console/units.test.mjs tests/browser/console/console.test.mjs tests/browser/console/business.test.mjs
