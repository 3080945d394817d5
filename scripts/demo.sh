#!/usr/bin/env bash
# The demo: builds the provider and the sandbox, starts the sandbox (a local
# ConductorOne + Segment), runs real `terraform apply` of examples/quickstart
# against it (the provider installed from a local mirror, as a release archive),
# prints the outputs and where the state is, and stops the sandbox.
# Re-running starts from a fresh working directory each time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

step() { printf '\n==> %s\n' "$*"; }
fail() { printf '\ndemo failed: %s\n' "$*" >&2; exit 1; }

step "Building the provider and the sandbox (cargo build, debug; the first build takes a few minutes)"
cargo build --locked -p terraform-provider-conductorone -p conductorone-sandbox --bins || fail "cargo build failed"

tf=$(command -v terraform || true)
[ -n "$tf" ] || tf="$root/.tools/terraform-1.15.5/terraform"
[ -x "$tf" ] || fail "no terraform found (run 'make tools')"
step "Using $("$tf" version | head -n1) at $tf"

work="$root/target/demo"
rm -rf "$work"
mkdir -p "$work"
env_file="$work/sandbox.env"

step "Starting the sandbox (ConductorOne + Segment on 127.0.0.1)"
"$root/target/debug/conductorone-sandbox" --env-file "$env_file" --sync-delay 1000 > "$work/sandbox.log" 2>&1 &
sandbox_pid=$!
trap 'kill $sandbox_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$env_file" ] && break; sleep 0.05; done
[ -s "$env_file" ] || fail "the sandbox did not start; see $work/sandbox.log"
set -a
# shellcheck disable=SC1090
. "$env_file"
set +a
echo "sandbox at $CONDUCTORONE_SERVER_URL (Segment API at $SEGMENT_API_URL)"

step "Packaging the provider just built as a release archive in a local filesystem mirror"
BINARY="$root/target/debug/terraform-provider-conductorone" \
  SANDBOX_BINARY="$root/target/debug/conductorone-sandbox" OUT="$work/dist" MIRROR="$work/mirror" \
  bash scripts/package.sh || fail "packaging failed"
cat > "$work/cli.tfrc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["registry.terraform.io/seed/conductorone"]
  }
}
RC
mkdir -p "$work/quickstart"
cp examples/quickstart/*.tf "$work/quickstart/"
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
# The connector's token and owner, from the sandbox's environment file.
export TF_VAR_segment_access_token="$SEGMENT_ACCESS_TOKEN"
export TF_VAR_owner_ids="[\"$CONDUCTORONE_SANDBOX_ADMIN_USER_ID\"]"

step "terraform init"
(cd "$work/quickstart" && "$tf" init -no-color) || fail "terraform init failed"

step "terraform apply (examples/quickstart)"
(cd "$work/quickstart" && "$tf" apply -auto-approve -no-color) || fail "terraform apply failed"

step "Waiting for ConductorOne's first sync of the connector to end (read with conductorone_segment_sync_status)"
# A configuration of its own, so that reading the status changes nothing of
# the quickstart's state or outputs.
mkdir -p "$work/status"
cat > "$work/status/main.tf" <<'TF'
terraform {
  required_providers {
    conductorone = { source = "seed/conductorone" }
  }
}
variable "app_id" { type = string }
variable "connector_id" { type = string }
data "conductorone_segment_sync_status" "segment" {
  app_id       = var.app_id
  connector_id = var.connector_id
}
output "status" { value = data.conductorone_segment_sync_status.segment.status }
output "last_error" { value = coalesce(data.conductorone_segment_sync_status.segment.last_error, "none") }
TF
connector=$(cd "$work/quickstart" && "$tf" output -json -no-color connector) || fail "no connector output"
app_id=$(printf '%s' "$connector" | sed -n 's/.*"app_id":"\([^"]*\)".*/\1/p')
connector_id=$(printf '%s' "$connector" | sed -n 's/.*"connector_id":"\([^"]*\)".*/\1/p')
[ -n "$app_id" ] && [ -n "$connector_id" ] || fail "cannot read app_id and connector_id from the connector output: $connector"
(cd "$work/status" && "$tf" init -no-color > "$work/status-init.txt") || fail "terraform init of the status check failed; see $work/status-init.txt"
status=unknown
for _ in $(seq 60); do
  (cd "$work/status" && "$tf" apply -auto-approve -no-color -var "app_id=$app_id" -var "connector_id=$connector_id" > "$work/status.txt") \
    || fail "reading the sync status failed; see $work/status.txt"
  status=$(cd "$work/status" && "$tf" output -raw -no-color status)
  case "$status" in SYNC_STATUS_RUNNING|SYNC_STATUS_UNSPECIFIED) sleep 1 ;; *) break ;; esac
done
echo "sync status: $status; last error: $(cd "$work/status" && "$tf" output -raw -no-color last_error)"
[ "$status" = SYNC_STATUS_DONE ] || fail "the sync did not end well (status $status)"

step "terraform plan -detailed-exitcode (nothing left to do, with the sync over)"
(cd "$work/quickstart" && "$tf" plan -detailed-exitcode -no-color > "$work/plan.txt") || fail "the plan after the sync is not empty; see $work/plan.txt"
grep -q "Warning" "$work/plan.txt" && fail "the plan has warnings; see $work/plan.txt"
echo "no changes, no warnings"

step "Outputs"
(cd "$work/quickstart" && "$tf" output -no-color) || fail "terraform output failed"

step "Done"
echo "State: $work/quickstart/terraform.tfstate"
echo "Sandbox log: $work/sandbox.log (the sandbox is stopped now)"
