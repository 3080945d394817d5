#!/usr/bin/env bash
# Builds this platform's release artifacts exactly as .goreleaser.yml names
# them, for checking a release without goreleaser (which cannot be installed
# here) and for installing the provider from a filesystem mirror:
#
#   dist/terraform-provider-conductorone_<version>_<os>_<arch>.zip
#       holding terraform-provider-conductorone_v<version>
#   dist/terraform-provider-conductorone_<version>_manifest.json
#   dist/conductorone-sandbox_<version>_<os>_<arch>.zip
#       holding conductorone-sandbox (the local ConductorOne and Segment)
#   dist/terraform-provider-conductorone_<version>_SHA256SUMS   (both zips + manifest)
#   dist/terraform-provider-conductorone_<version>_SHA256SUMS.sig  (with GPG_FINGERPRINT)
#
# Environment: BINARY and SANDBOX_BINARY (default: `cargo build --release`
# output), OUT (default
# target/dist), MIRROR (also place the zip in a filesystem-mirror directory,
# packed layout registry.terraform.io/seed/conductorone/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
name=terraform-provider-conductorone
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
[ -n "$version" ] || { echo "package: no version in Cargo.toml" >&2; exit 1; }
case "$(uname -s)" in
  Linux) os=linux ;; Darwin) os=darwin ;; MINGW*|MSYS*|CYGWIN*) os=windows ;;
  *) echo "package: unsupported OS $(uname -s)" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64|amd64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;;
  *) echo "package: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
if [ -z "${BINARY:-}" ]; then
  cargo build --locked --release --bin "$name"
  BINARY="$root/target/release/$name"
fi
[ -x "$BINARY" ] || { echo "package: $BINARY is not an executable" >&2; exit 1; }
if [ -z "${SANDBOX_BINARY:-}" ]; then
  cargo build --locked --release -p conductorone-sandbox --bin conductorone-sandbox
  SANDBOX_BINARY="$root/target/release/conductorone-sandbox"
fi
[ -x "$SANDBOX_BINARY" ] || { echo "package: $SANDBOX_BINARY is not an executable" >&2; exit 1; }
out=${OUT:-$root/target/dist}
mkdir -p "$out"
zip="${name}_${version}_${os}_${arch}.zip"
sandbox_zip="conductorone-sandbox_${version}_${os}_${arch}.zip"
manifest="${name}_${version}_manifest.json"
sums="${name}_${version}_SHA256SUMS"
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
zip_one "$BINARY" "$out/$zip" "${name}_v${version}"
zip_one "$SANDBOX_BINARY" "$out/$sandbox_zip" conductorone-sandbox
cp terraform-registry-manifest.json "$out/$manifest"
(cd "$out" && sha256sum "$zip" "$sandbox_zip" "$manifest" > "$sums")
if [ -n "${GPG_FINGERPRINT:-}" ]; then
  gpg --batch --local-user "$GPG_FINGERPRINT" --output "$out/$sums.sig" --detach-sign "$out/$sums"
else
  echo "package: GPG_FINGERPRINT not set; $sums is not signed" >&2
fi
if [ -n "${MIRROR:-}" ]; then
  mkdir -p "$MIRROR/registry.terraform.io/seed/conductorone"
  cp "$out/$zip" "$MIRROR/registry.terraform.io/seed/conductorone/$zip"
fi
echo "$out/$zip"
