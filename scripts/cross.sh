#!/usr/bin/env bash
# Builds or checks for another platform: Debian's Rust 1.96 with
# `-Zbuild-std` (std from source, for any target) and zig as C compiler and
# linker (cargo-zigbuild). Install both first: scripts/install-cross.sh.
#
#   scripts/cross.sh check TARGET [cargo args]   e.g. x86_64-pc-windows-gnu
#   scripts/cross.sh build TARGET [cargo args]   e.g. aarch64-unknown-linux-musl --release
#
# Output goes under $CROSS_TARGET_DIR (default: a cache folder outside the
# clone, which later clones on the same machine reuse). The Linux musl
# targets link fully static; their flags live in .cargo/config.toml, so a
# release build with rustup and cargo-zigbuild (.goreleaser.yml) makes the
# same binary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 2 ] || { sed -n '2,13p' "$0" >&2; exit 2; }
verb=$1 target=$2
shift 2
case "$verb" in
  check) sub=check ;; build) sub=zigbuild ;;
  *) echo "cross: check or build, not $verb" >&2; exit 2 ;;
esac
tools="$root/.tools/zig"
[ -x "$tools/bin/cargo-zigbuild" ] && [ -x /usr/bin/rustc ] && [ -d /usr/lib/rustlib/src/rust/library ] \
  || { echo "cross: run scripts/install-cross.sh first" >&2; exit 1; }
export PATH="$tools/bin:$PATH"
export RUSTC=/usr/bin/rustc CARGO=/usr/bin/cargo RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CROSS_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-conductorone/cross}"
case "$target" in
  *-windows-gnu) export RUSTFLAGS="${RUSTFLAGS:-} -L native=$tools/windows-ssp" ;;
esac
cd "$root"
exec cargo-zigbuild "$sub" --locked --target "$target" -Zbuild-std=std,panic_abort "$@"
