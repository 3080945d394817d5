#!/usr/bin/env bash
# What .ci/run checks on every run so that no platform breaks unseen: the
# provider and the sandbox compile for Windows and both macOS targets (a
# Unix-only call outside crates/tfplugin/src/platform fails here), and the
# Linux build is static and starts in an empty root. Installs the cross
# toolchain first (scripts/install-cross.sh). Builds go to scripts/cross.sh's
# CROSS_TARGET_DIR (a cache folder outside the clone: later runs on the same
# machine reuse them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-cross.sh
export CROSS_TARGET_DIR="${CROSS_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-conductorone/cross}"
bins=(-p terraform-provider-conductorone --bin terraform-provider-conductorone
      -p conductorone-sandbox --bin conductorone-sandbox)
for target in x86_64-pc-windows-gnu aarch64-apple-darwin x86_64-apple-darwin; do
  echo "cross-check: $target"
  bash scripts/cross.sh check "$target" "${bins[@]}"
done
echo "cross-check: x86_64-unknown-linux-musl (static)"
bash scripts/cross.sh build x86_64-unknown-linux-musl "${bins[@]}"
dir="$CROSS_TARGET_DIR/x86_64-unknown-linux-musl/debug"
bash scripts/check-static.sh "$dir/terraform-provider-conductorone" "$dir/conductorone-sandbox"
bash scripts/empty-root.sh provider "$dir/terraform-provider-conductorone"
bash scripts/empty-root.sh sandbox "$dir/conductorone-sandbox"
echo "cross-check: passed"
