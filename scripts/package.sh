#!/usr/bin/env bash
# Builds release artifacts exactly as .goreleaser.yml names them, for checking
# a release without goreleaser (which cannot be installed here) and for
# installing the provider from a filesystem mirror:
#
#   dist/terraform-provider-conductorone_<version>_<os>_<arch>.zip
#       holding terraform-provider-conductorone_v<version>[.exe]
#   dist/terraform-provider-conductorone_<version>_manifest.json
#   dist/conductorone-sandbox_<version>_<os>_<arch>.zip
#       holding conductorone-sandbox[.exe] (the local ConductorOne and Segment)
#   dist/terraform-provider-conductorone_<version>_SHA256SUMS   (the zips + manifest)
#   dist/terraform-provider-conductorone_<version>_SHA256SUMS.sig  (with GPG_FINGERPRINT)
#
# PLATFORMS (space- or comma-separated registry names, or `all`): build those
# with scripts/cross.sh (Debian's Rust with build-std, zig; install them with
# scripts/install-cross.sh), Linux ones static (checked):
#   linux_amd64 linux_arm64 linux_arm windows_amd64   (all: every one this machine links)
#   darwin_amd64 darwin_arm64                          (need Apple's SDK: a macOS runner)
# PROFILE (default release; dev for quick checks) is the cargo profile;
# NO_BUILD=1 archives what scripts/cross.sh built before.
# Without PLATFORMS: this machine's platform, from BINARY and SANDBOX_BINARY
# (default: `cargo build --release` output).
# Environment: OUT (default target/dist), MIRROR (also place the provider zips
# in a filesystem-mirror directory, packed layout
# registry.terraform.io/seed/conductorone/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
name=terraform-provider-conductorone
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
[ -n "$version" ] || { echo "package: no version in Cargo.toml" >&2; exit 1; }
out=${OUT:-$root/target/dist}
mkdir -p "$out"
manifest="${name}_${version}_manifest.json"
sums="${name}_${version}_SHA256SUMS"
made=()

# zip_one SRC DEST NAME: one executable file in a zip, with a fixed date.
zip_one() {
  python3 - "$1" "$2" "$3" <<'PY'
import sys, zipfile
src, dest, inner = sys.argv[1:]
info = zipfile.ZipInfo(inner, date_time=(2020, 1, 1, 0, 0, 0))
info.external_attr = 0o755 << 16
info.compress_type = zipfile.ZIP_DEFLATED
with open(src, "rb") as f, zipfile.ZipFile(dest, "w") as z:
    z.writestr(info, f.read())
PY
}

# archive PLATFORM PROVIDER SANDBOX: both zips of one platform.
archive() {
  local platform=$1 provider=$2 sandbox=$3 exe=""
  case "$platform" in windows_*) exe=.exe ;; esac
  [ -x "$provider" ] || { echo "package: $provider is not an executable" >&2; exit 1; }
  [ -x "$sandbox" ] || { echo "package: $sandbox is not an executable" >&2; exit 1; }
  zip_one "$provider" "$out/${name}_${version}_${platform}.zip" "${name}_v${version}${exe}"
  zip_one "$sandbox" "$out/conductorone-sandbox_${version}_${platform}.zip" "conductorone-sandbox${exe}"
  made+=("${name}_${version}_${platform}.zip" "conductorone-sandbox_${version}_${platform}.zip")
}

# The Rust target of a registry platform.
triple() {
  case "$1" in
    linux_amd64) echo x86_64-unknown-linux-musl ;;
    linux_arm64) echo aarch64-unknown-linux-musl ;;
    linux_arm) echo arm-unknown-linux-musleabihf ;;
    windows_amd64) echo x86_64-pc-windows-gnu ;;
    darwin_amd64) echo x86_64-apple-darwin ;;
    darwin_arm64) echo aarch64-apple-darwin ;;
    *) echo "package: unknown platform $1 (see scripts/package.sh)" >&2; return 1 ;;
  esac
}

# cross_build PLATFORM: the release binaries of one platform, archived.
cross_build() {
  local platform=$1 target dir exe=""
  target=$(triple "$platform")
  [ -n "${NO_BUILD:-}" ] || bash scripts/cross.sh build "$target" --profile "$profile" \
    -p "$name" --bin "$name" -p conductorone-sandbox --bin conductorone-sandbox >&2
  local out_dir=$profile
  [ "$profile" = dev ] && out_dir=debug
  dir="$(. scripts/cross-env.sh && echo "$CROSS_TARGET_DIR")/$target/$out_dir"
  case "$platform" in windows_*) exe=.exe ;; esac
  case "$platform" in
    linux_*) bash scripts/check-static.sh "$dir/$name" "$dir/conductorone-sandbox" >&2 ;;
  esac
  archive "$platform" "$dir/$name$exe" "$dir/conductorone-sandbox$exe"
}

host_platform() {
  local os arch
  case "$(uname -s)" in
    Linux) os=linux ;; Darwin) os=darwin ;; MINGW*|MSYS*|CYGWIN*) os=windows ;;
    *) echo "package: unsupported OS $(uname -s)" >&2; exit 1 ;;
  esac
  case "$(uname -m)" in
    x86_64|amd64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;;
    *) echo "package: unsupported architecture $(uname -m)" >&2; exit 1 ;;
  esac
  echo "${os}_${arch}"
}

platforms=${PLATFORMS:-}
# PROFILE=dev packages unoptimized builds, for quick runs of
# scripts/cross-acceptance.sh; releases are `release`.
profile=${PROFILE:-release}
[ "$platforms" = all ] && platforms="linux_amd64 linux_arm64 linux_arm windows_amd64"
if [ -n "$platforms" ]; then
  for p in ${platforms//,/ }; do cross_build "$p"; done
else
  if [ -z "${BINARY:-}" ]; then
    cargo build --locked --release --bin "$name"
    BINARY="$root/target/release/$name"
  fi
  if [ -z "${SANDBOX_BINARY:-}" ]; then
    cargo build --locked --release -p conductorone-sandbox --bin conductorone-sandbox
    SANDBOX_BINARY="$root/target/release/conductorone-sandbox"
  fi
  archive "$(host_platform)" "$BINARY" "$SANDBOX_BINARY"
fi

cp terraform-registry-manifest.json "$out/$manifest"
(cd "$out" && sha256sum "${made[@]}" "$manifest" > "$sums")
if [ -n "${GPG_FINGERPRINT:-}" ]; then
  gpg --batch --yes --local-user "$GPG_FINGERPRINT" --output "$out/$sums.sig" --detach-sign "$out/$sums"
else
  echo "package: GPG_FINGERPRINT not set; $sums is not signed" >&2
fi
if [ -n "${MIRROR:-}" ]; then
  mkdir -p "$MIRROR/registry.terraform.io/seed/conductorone"
  for z in "${made[@]}"; do
    case "$z" in "$name"_*) cp "$out/$z" "$MIRROR/registry.terraform.io/seed/conductorone/$z" ;; esac
  done
fi
for z in "${made[@]}"; do
  case "$z" in "$name"_*) echo "$out/$z" ;; esac
done
