# Shared set-up of the Terraform benchmarks (sourced): a work directory
# removed on exit, sandboxes started in the background, and a configuration
# that points Terraform at the release build. Sets $root and $work.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT

# start_sandbox NAME ARGS...: a release sandbox with ARGS; $work/NAME.env
# appears once it listens.
start_sandbox() {
  local name=$1
  shift
  "$root/target/release/conductorone-sandbox" "$@" --env-file "$work/$name.env" > /dev/null &
  pids+=($!)
  for _ in $(seq 100); do [ -s "$work/$name.env" ] && break; sleep 0.05; done
}

# $work/cli.tfrc (dev_overrides to the release build) and $work/cfg/main.tf
# with the provider's requirement and block; callers append what they need.
write_config() {
  cat > "$work/cli.tfrc" <<RC
provider_installation {
  dev_overrides {
    "seed/conductorone" = "$root/target/release"
  }
  direct {}
}
RC
  mkdir -p "$work/cfg"
  cat > "$work/cfg/main.tf" <<'TF'
terraform {
  required_providers {
    conductorone = { source = "seed/conductorone" }
  }
}
provider "conductorone" {}
TF
}

# integrations N: the configuration of N integrations sharing the token in
# the ephemeral variable `token` (append it to a main.tf).
integrations() {
  cat <<TF
variable "token" {
  type      = string
  sensitive = true
  ephemeral = true
}
resource "conductorone_segment_integration" "seg" {
  count                   = $1
  display_name            = "Segment \${count.index}"
  segment_access_token_wo = var.token
}
TF
}
