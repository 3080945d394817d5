#!/usr/bin/env bash
# Every platform this machine can build, built and run as users get it:
#   1. `make package` of PLATFORMS (default: all = linux_amd64 linux_arm64
#      linux_arm windows_amd64) into target/dist-cross, Linux static;
#   2. each Linux provider prints its handshake, and each sandbox starts, in
#      an empty root (arm64 and ARM under qemu-user);
#   3. real Terraform (each from 1.11: 1.11.4 on PATH, 1.15.5 under .tools)
#      runs the quickstart's lifecycle (apply, empty plan, import, destroy)
#      against each platform's packaged sandbox with its packaged provider:
#      Linux over a unix socket (foreign ones under qemu-user), Windows under
#      Wine over TCP in Terraform's PLUGIN_MIN_PORT..PLUGIN_MAX_PORT
#      (tests/acceptance/platforms.rs).
# Installs what it needs (scripts/install-cross.sh --run; Debian's Wine 8
# lacks the bcryptprimitives.dll of Windows 10, so a small one built from
# scripts/wine/ goes into the Wine prefix under .tools/wine).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/cross-env.sh
platforms=${PLATFORMS:-all}
[ "$platforms" = all ] && platforms="linux_amd64 linux_arm64 linux_arm windows_amd64"
platforms=${platforms//,/ }
bash scripts/install-cross.sh --run
bash scripts/install-terraform.sh 1.15.5

out="$root/target/dist-cross"
rm -rf "$out"
PLATFORMS="$platforms" OUT="$out" bash scripts/package.sh

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
unpack() { python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); z.extractall(sys.argv[2]); print(z.namelist()[0])' "$1" "$2"; }
for p in $platforms; do
  case "$p" in
    linux_amd64) runner= ;; linux_arm64) runner=qemu-aarch64-static ;; linux_arm) runner=qemu-arm-static ;;
    *) continue ;;
  esac
  dir=$(mktemp -d)
  provider=$dir/$(unpack "$out/terraform-provider-conductorone_${version}_$p.zip" "$dir")
  sandbox=$dir/$(unpack "$out/conductorone-sandbox_${version}_$p.zip" "$dir")
  chmod +x "$provider" "$sandbox"
  echo "== $p: $(file -b "$provider" | cut -d, -f1-2)"
  bash scripts/check-static.sh "$provider" "$sandbox"
  bash scripts/empty-root.sh provider "$provider" $runner
  bash scripts/empty-root.sh sandbox "$sandbox" $runner
  rm -rf "$dir"
done

case " $platforms " in
  *" windows_"*)
    export WINEPREFIX="${WINEPREFIX:-$root/.tools/wine}" WINEDEBUG=-all
    if ! [ -f "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" ]; then
      mkdir -p "$WINEPREFIX"
      wineboot --init >/dev/null 2>&1 || true
      "$zig_tools/bin/zig" cc -target x86_64-windows-gnu -shared -O2 \
        -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" scripts/wine/bcryptprimitives.c -lbcrypt
    fi ;;
esac

TF_ACC_DIST="$out" TF_ACC_PLATFORMS="${platforms// /,}" \
  cargo test --locked --test acceptance platforms::the_quickstart_lifecycle_with_each_packaged_platform \
  -- --ignored --exact --nocapture
