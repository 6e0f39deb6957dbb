#!/usr/bin/env bash
# Regenerate the seal gallery: docs/gallery/*.png (300 dpi) and
# docs/seal-gallery.md, from the seal catalogue of the render tests
# (tests/unit/render/rt.h), then check that every `eseal image render`
# command shown on the page reproduces its picture byte for byte.
#
# usage: scripts/gallery.sh [BUILD_DIR]      (default: build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)

cmake --build "$build" --target unit-render-render eseal_cli >/dev/null 2>&1 ||
  { echo "gallery: cannot build in $build (run cmake first)" >&2; exit 1; }
ES_UPDATE_GALLERY=1 "$build/unit-render-render" >/dev/null 2>&1 ||
  { echo "gallery: $build/unit-render-render failed" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
while read -r cmd; do
  out=${cmd##* -o }
  (cd "$tmp" && eval "\"$build/eseal\" ${cmd#eseal }" >/dev/null)
  if ! cmp -s "$tmp/$out" "$root/docs/gallery/$out"; then
    echo "gallery: '$cmd' does not reproduce docs/gallery/$out" >&2
    exit 1
  fi
  n=$((n + 1))
done < <(grep -o '`eseal image render [^`]* -o [^`]*`' "$root/docs/seal-gallery.md" | tr -d '`')
echo "gallery: $n pictures in docs/gallery/, page docs/seal-gallery.md (commands checked)"
