#!/usr/bin/env bash
# Installs what builds and runs the provider for other platforms (see
# scripts/cross.sh), from the registries this project may use. Idempotent.
#
#   Debian: rustc-web, cargo-web, rust-web-src  Rust 1.96 with the standard
#           library's source, so that `-Zbuild-std` builds std for any target
#           (rustup here has only x86_64-unknown-linux-gnu's std)
#   PyPI:   ziglang, cargo-zigbuild             C compiler and linker for every
#           target (musl, mingw-w64, macOS headers), into a cache folder
#           outside the clone (scripts/cross-env.sh)
#   --run:  also qemu-user-static and wine64 (Debian), to run the foreign
#           binaries (scripts/cross-acceptance.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/cross-env.sh"

need_apt=()
dpkg -s rustc-web cargo-web rust-web-src >/dev/null 2>&1 || need_apt+=(rustc-web cargo-web rust-web-src)
if [ "${1:-}" = "--run" ]; then
  dpkg -s qemu-user-static >/dev/null 2>&1 || need_apt+=(qemu-user-static)
  dpkg -s wine64 >/dev/null 2>&1 || need_apt+=(wine64)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || { echo "install-cross: needs Debian's ${need_apt[*]} (apt-get)" >&2; exit 1; }
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  echo "Installing ${need_apt[*]} (Debian) ..."
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
[ -d /usr/lib/rustlib/src/rust/library ] || { echo "install-cross: rust-web-src gave no library source" >&2; exit 1; }

dest="$zig_tools"
if ! [ -x "$dest/lib/ziglang/zig" ] || ! "$dest/lib/ziglang/zig" version | grep -qx "$zig_version" \
   || ! "$dest/lib/bin/cargo-zigbuild" --version 2>/dev/null | grep -q " $zigbuild_version\$"; then
  rm -rf "$dest"
  echo "Installing zig $zig_version and cargo-zigbuild $zigbuild_version (PyPI) into $dest ..."
  python3 -m pip install --quiet --disable-pip-version-check --target "$dest/lib" \
    "ziglang==$zig_version" "cargo-zigbuild==$zigbuild_version"
fi
mkdir -p "$dest/bin"
ln -sf ../lib/ziglang/zig "$dest/bin/zig"
ln -sf ../lib/bin/cargo-zigbuild "$dest/bin/cargo-zigbuild"
# Debian's rustc links windows-gnu programs with -lssp -lssp_nonshared (its
# patch d-rustc-windows-ssp); zig's mingw-w64 has the stack protector in its
# own libraries, so empty archives of those names satisfy the linker.
mkdir -p "$dest/windows-ssp"
for lib in libssp.a libssp_nonshared.a; do
  [ -f "$dest/windows-ssp/$lib" ] || ar rcs "$dest/windows-ssp/$lib"
done
echo "cross toolchain: $(/usr/bin/rustc --version), zig $("$dest/bin/zig" version)"
