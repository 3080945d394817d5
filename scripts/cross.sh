#!/usr/bin/env bash
# Builds or checks for other platforms: Debian's Rust 1.96 with
# `-Zbuild-std` (std from source, for any target) and zig as C compiler and
# linker (cargo-zigbuild). Install both first: scripts/install-cross.sh.
#
#   scripts/cross.sh check TARGET[,TARGET...] [cargo args]   e.g. x86_64-pc-windows-gnu
#   scripts/cross.sh build TARGET[,TARGET...] [cargo args]   e.g. aarch64-unknown-linux-musl --release
#
# Several targets in one call share the host's build scripts and macros.
# Output goes under $CROSS_TARGET_DIR (scripts/cross-env.sh: a cache folder
# outside the clone, which later clones on the same machine reuse). The Linux
# musl targets link fully static; their flags live in .cargo/config.toml, so
# a release build with rustup and cargo-zigbuild (.goreleaser.yml) makes the
# same binary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 2 ] || { sed -n '2,14p' "$0" >&2; exit 2; }
verb=$1 targets=$2
shift 2
case "$verb" in
  check) sub=check ;; build) sub=zigbuild ;;
  *) echo "cross: check or build, not $verb" >&2; exit 2 ;;
esac
. "$root/scripts/cross-env.sh"
[ -x "$zig_tools/bin/cargo-zigbuild" ] && [ -x /usr/bin/rustc ] && [ -d /usr/lib/rustlib/src/rust/library ] \
  || { echo "cross: run scripts/install-cross.sh first" >&2; exit 1; }
export PATH="$zig_tools/bin:$PATH"
export RUSTC=/usr/bin/rustc CARGO=/usr/bin/cargo RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$CROSS_TARGET_DIR"
# Debian's rustc asks the windows-gnu linker for libssp (install-cross.sh).
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUSTFLAGS="-L native=$zig_tools/windows-ssp"
args=()
for target in ${targets//,/ }; do args+=(--target "$target"); done
cd "$root"
exec cargo-zigbuild "$sub" --locked "${args[@]}" -Zbuild-std=std,panic_abort "$@"
