#!/usr/bin/env bash
# `make test` after its checks: the workspace's tests (unit, property, fuzz,
# acceptance under each Terraform) and, beside them, the other platforms'
# checks (scripts/cross-check.sh). Those run at the lowest priority, so they
# take the CPU the acceptance suite leaves idle while Terraform runs, and
# their output goes to a log printed at the end. Either failing fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mkdir -p target
log=target/cross-check.log
started=$(date +%s)
nice -n 19 bash scripts/cross-check.sh >"$log" 2>&1 &
cross=$!
trap 'kill "$cross" 2>/dev/null || true' EXIT
tests=0
${CARGO_CMD:-cargo} test --locked --workspace || tests=$?
echo "test.sh: the workspace's tests took $(( $(date +%s) - started )) s (exit $tests); waiting for the cross-check"
checks=0
wait "$cross" || checks=$?
trap - EXIT
echo "---- scripts/cross-check.sh (log: $log) ----"
grep -v '^ *\(Compiling\|Checking\|Downloaded\|Downloading\) ' "$log" || true
echo "test.sh: done after $(( $(date +%s) - started )) s: tests exit $tests, cross-check exit $checks"
[ "$tests" = 0 ] && [ "$checks" = 0 ]
