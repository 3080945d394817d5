# Sourced by the cross scripts: where the cross toolchain and its builds live.
# Both sit in one cache folder outside the clone, at paths that do not depend
# on the clone, so a second clone on the same machine (CI's, a worktree)
# reuses the builds: the linker wrapper's path and the Windows flags below are
# part of every artifact's fingerprint.
zig_version=0.17.0
zigbuild_version=0.24.0
cross_home="${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-conductorone"
# zig, cargo-zigbuild and the empty libssp archives (scripts/install-cross.sh).
zig_tools="$cross_home/zig-$zig_version-zigbuild-$zigbuild_version"
CROSS_TARGET_DIR="${CROSS_TARGET_DIR:-$cross_home/cross}"
