#!/usr/bin/env bash
# The demo. Today: builds the provider and runs real Terraform's `validate` on
# examples/quickstart through dev_overrides. The local sandbox that stands in
# for ConductorOne and Segment is not built yet, so there is nothing to apply
# against; once it exists this script starts it and runs `terraform apply`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

step() { printf '\n==> %s\n' "$*"; }
fail() { printf '\ndemo failed: %s\n' "$*" >&2; exit 1; }

step "Building the provider (cargo build --release)"
cargo build --locked --release --bin terraform-provider-conductorone || fail "cargo build failed"

tf=$(command -v terraform || true)
[ -n "$tf" ] || tf="$root/.tools/terraform-1.15.5/terraform"
[ -x "$tf" ] || fail "no terraform found (run 'make tools')"
step "Using $("$tf" version | head -n1) at $tf"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/cli.tfrc" <<RC
provider_installation {
  dev_overrides {
    "seed/conductorone" = "$root/target/release"
  }
  direct {}
}
RC
cp examples/quickstart/*.tf "$work/"

step "terraform validate examples/quickstart"
(cd "$work" && TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1 "$tf" validate -no-color) || fail "terraform validate failed"

cat <<MSG

The provider loads in real Terraform and validates the quickstart.
Not yet shown: 'terraform apply' — it needs the local ConductorOne/Segment
sandbox (the next piece of work). With real credentials in the environment
(SEGMENT_ACCESS_TOKEN) a 'terraform plan' of examples/quickstart reads your
Segment workspace today.
MSG
