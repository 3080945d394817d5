#!/usr/bin/env bash
# Runs a Linux build in an empty root (no loader, no libraries, nothing but
# /tmp), as root: the provider must print its go-plugin handshake there and
# the sandbox must start and write its env file. A foreign architecture's
# binary runs under its qemu-user-static runner, copied into the root (it is
# static itself).
#
#   scripts/empty-root.sh provider BINARY [RUNNER]
#   scripts/empty-root.sh sandbox BINARY [RUNNER]
set -euo pipefail
kind=$1 bin=$2 runner=${3:-}
root=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$root"' EXIT
pid=
mkdir -p "$root/tmp"
chmod 1777 "$root/tmp"
cp "$bin" "$root/bin"
cmd=(/bin)
if [ -n "$runner" ]; then
  cp "$(command -v "$runner")" "$root/runner"
  cmd=(/runner /bin)
fi
chroot=(chroot "$root")
[ "$(id -u)" = 0 ] || chroot=(unshare -r chroot "$root")
case "$kind" in
  provider)
    env -u PLUGIN_CLIENT_CERT -u PLUGIN_UNIX_SOCKET_DIR TMPDIR=/tmp \
      TF_PLUGIN_MAGIC_COOKIE=d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2 \
      "${chroot[@]}" "${cmd[@]}" > "$root/out" 2> "$root/err" &
    pid=$!
    want="$root/out" ;;
  sandbox)
    "${chroot[@]}" "${cmd[@]}" --env-file /tmp/sandbox.env > "$root/out" 2> "$root/err" &
    pid=$!
    want="$root/tmp/sandbox.env" ;;
  *) echo "empty-root: provider or sandbox, not $kind" >&2; exit 2 ;;
esac
for _ in $(seq 1 600); do
  [ -s "$want" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if ! [ -s "$want" ]; then
  echo "empty-root: $bin ($kind) gave nothing in an empty root:" >&2
  cat "$root/err" >&2
  exit 1
fi
case "$kind" in
  provider)
    line=$(head -n1 "$root/out")
    [[ "$line" =~ ^1\|6\|unix\|/tmp/plugin[0-9a-f]+\|grpc\|$ ]] \
      || { echo "empty-root: not a handshake: $line" >&2; exit 1; }
    echo "handshake in an empty root: $line" ;;
  sandbox) echo "sandbox in an empty root: $(grep -c = "$want") env lines" ;;
esac
