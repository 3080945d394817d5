#!/usr/bin/env bash
# Sandbox benchmark: loopback throughput of GET /segment/groups?pagination[count]=200
# (target: over 5,000 requests/s on 2 cores), and the sandbox's idle memory (RSS).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo build --locked --release -p conductorone-sandbox --bin conductorone-sandbox --example load
bin=target/release/conductorone-sandbox
env_file=$(mktemp)
"$bin" --env-file "$env_file" --segment-groups 1000 > /dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$env_file"' EXIT
for _ in $(seq 100); do [ -s "$env_file" ] && break; sleep 0.05; done
# shellcheck disable=SC1090
. "$env_file"
sleep 0.5
echo "idle RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
target/release/examples/load "$SEGMENT_API_URL/groups?pagination%5Bcount%5D=200" "$SEGMENT_ACCESS_TOKEN" 10 16
echo "RSS after load: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
