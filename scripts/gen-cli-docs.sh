#!/usr/bin/env bash
# Regenerate docs/cli/<command>.md from each command's --help, so the pages
# never drift from the code. usage: scripts/gen-cli-docs.sh [path/to/eseal]
set -euo pipefail
ESEAL=${1:-build/eseal}
cd "$(dirname "$0")/.."
for c in ca cert seal sign verify demo; do
	{
		echo "# eseal $c"
		echo
		echo '```'
		"$ESEAL" "$c" --help
		echo '```'
		echo
		echo "Exit codes: 0 success (for \`verify\`: valid), 1 invalid, 2 indeterminate, 3 usage or I/O error."
		echo "Every command also takes \`--json\` for scripting (see [verify-report.md](../verify-report.md))."
	} > "docs/cli/$c.md"
done
