#!/usr/bin/env bash
# What .ci/run checks on every run so that no platform breaks unseen: the
# provider and the sandbox compile for Windows and both macOS targets (a
# Unix-only call outside crates/tfplugin/src/platform fails here), and the
# provider's Linux build is static and starts in an empty root. Installs the cross
# toolchain first (scripts/install-cross.sh). Builds go to the cache folder
# of scripts/cross-env.sh (later runs on the same machine reuse them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-cross.sh
. scripts/cross-env.sh
bins=(-p terraform-provider-conductorone --bin terraform-provider-conductorone
      -p conductorone-sandbox --bin conductorone-sandbox)
step() { echo "cross-check: $* ($(date -u +%T))"; }
# A compile check runs every build script, and aws-lc-sys's compiles the
# whole C library of AWS-LC for each target (most of the check's time). Our
# code and aws-lc-sys's Rust side (its bindings for each target) are what a
# compile check is for: its build script is replaced here by what it tells
# cargo (the target's bindings, the include folder aws-lc-rs asks for).
# The musl build below, and every release build, compile AWS-LC itself.
checked=(x86_64-pc-windows-gnu aarch64-apple-darwin x86_64-apple-darwin)
aws_lc=$(sed -n '/^name = "aws-lc-sys"$/{n;s/^version = "\(.*\)"$/\1/p}' Cargo.lock)
[ -n "$aws_lc" ] || { echo "cross-check: no aws-lc-sys in Cargo.lock" >&2; exit 1; }
links="aws_lc_${aws_lc//./_}"
overrides=()
for target in "${checked[@]}"; do
  overrides+=(--config "target.$target.$links.rustc-cfg=[\"${target//-/_}\"]"
              --config "target.$target.$links.include=\"unused-by-a-check\"")
done
step "${checked[*]} compile"
bash scripts/cross.sh check "$(IFS=,; echo "${checked[*]}")" "${bins[@]}" "${overrides[@]}"
# The static check needs the provider linked, not debuggable (the build
# scripts and macros compiled above are reused: same profile). The
# sandbox's Linux builds are checked when they are packaged (package.sh).
step "x86_64-unknown-linux-musl build (static)"
CARGO_PROFILE_DEV_DEBUG=0 bash scripts/cross.sh build x86_64-unknown-linux-musl \
  -p terraform-provider-conductorone --bin terraform-provider-conductorone
dir="$CROSS_TARGET_DIR/x86_64-unknown-linux-musl/debug"
bash scripts/check-static.sh "$dir/terraform-provider-conductorone"
bash scripts/empty-root.sh provider "$dir/terraform-provider-conductorone"
step "passed"
