#!/usr/bin/env bash
# Benchmarks, reported in closing notes (not timed tests):
#  - start-up: median time from process start to the handshake line over 20 starts;
#  - size of the stripped release binary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo build --locked --release --bin terraform-provider-conductorone
bin=target/release/terraform-provider-conductorone
python3 bench/startup.py "$bin" 20
echo "release binary: $(stat -c %s "$bin") bytes ($(du -h "$bin" | cut -f1)), stripped: $(file -b "$bin" | grep -o 'stripped\|not stripped' || echo unknown)"
