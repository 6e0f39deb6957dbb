#!/usr/bin/env bash
# ofd.js in headless Chromium renders OFDs sealed by eseal, with the seal visible
# (tests/browser/run.sh; exit 77 = skipped when node, npm or chromium is missing).
# usage: ofd_browser.sh path/to/eseal path/to/shared/samples
exec bash "$(dirname "$0")/../browser/run.sh" "$1" "${2:-}"
