#!/usr/bin/env bash
# Fails unless each ELF file named is statically linked: no program
# interpreter (dynamic loader) and no shared library needed, so that it runs
# on any Linux of its architecture, Alpine (musl) and empty roots included.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: check-static.sh ELF..." >&2; exit 2; }
command -v readelf >/dev/null || { echo "check-static: readelf (binutils) is needed" >&2; exit 1; }
for f in "$@"; do
  headers=$(readelf -lW "$f") || { echo "check-static: $f is not an ELF file" >&2; exit 1; }
  if grep -qE '^\s*INTERP\b' <<<"$headers" || readelf -dW "$f" | grep -q '(NEEDED)'; then
    echo "check-static: $f is dynamically linked:" >&2
    readelf -dW "$f" | grep -E 'NEEDED|interpreter' >&2 || true
    grep -E 'interpreter' <<<"$headers" >&2 || true
    exit 1
  fi
  echo "static: $f ($(readelf -hW "$f" | sed -n 's/^ *Machine: *//p'))"
done
