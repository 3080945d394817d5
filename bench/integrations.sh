#!/usr/bin/env bash
# Issue 5's plan benchmark: median wall time of `terraform plan -refresh=false`
# over 100 conductorone_segment_integration resources against the same over
# 100 terraform_data resources (Terraform core alone). Target: at most 1.5x.
# Also the refreshing plan (`terraform plan`), which reads each connector.
# PROVIDER_DIR: a directory holding another terraform-provider-conductorone
# build to measure (default: this tree's release build); NO_BUILD=1 skips
# building.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"
runs=${RUNS:-7}
n=${RESOURCES:-100}
tf=${TERRAFORM:-$(command -v terraform || echo "$root/.tools/terraform-1.15.5/terraform")}
[ -n "${NO_BUILD:-}" ] || cargo build --locked --release -p terraform-provider-conductorone -p conductorone-sandbox --bins
provider_dir=${PROVIDER_DIR:-$root/target/release}
start_sandbox sb

cat > "$work/cli.tfrc" <<RC
provider_installation {
  dev_overrides {
    "seed/conductorone" = "$provider_dir"
  }
  direct {}
}
RC
mkdir -p "$work/c1" "$work/data"
cat > "$work/c1/main.tf" <<TF
terraform {
  required_providers {
    conductorone = { source = "seed/conductorone" }
  }
}
provider "conductorone" {}
TF
integrations "$n" >> "$work/c1/main.tf"
cat > "$work/data/main.tf" <<TF
resource "terraform_data" "x" {
  count = $n
  input = {
    display_name = "Segment \${count.index}"
  }
}
TF

run_tf() { # dir args...
  local dir=$1; shift
  (
    set -a; . "$work/sb.env"; set +a
    export TF_VAR_token="$SEGMENT_ACCESS_TOKEN"
    export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
    cd "$work/$dir"
    "$tf" "$@"
  )
}
median() { # dir args...
  for _ in $(seq "$runs"); do
    s=$(date +%s.%N)
    run_tf "$@" > /dev/null
    e=$(date +%s.%N)
    python3 -c "print($e - $s)"
  done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
run_tf data init -no-color > /dev/null
run_tf data apply -auto-approve -no-color > /dev/null
run_tf c1 apply -auto-approve -no-color -parallelism=10 > /dev/null
run_tf c1 plan -detailed-exitcode -refresh=false -no-color > /dev/null # warm-up, and proves the plan empty
run_tf data plan -detailed-exitcode -refresh=false -no-color > /dev/null
ours=$(median c1 plan -refresh=false -no-color)
core=$(median data plan -refresh=false -no-color)
ours_r=$(median c1 plan -no-color)
core_r=$(median data plan -no-color)
# The provider's own CPU time over one plan, from each process's exit log.
cpu_us=$(TF_LOG_PROVIDER=debug run_tf c1 plan -refresh=false -no-color 2>&1 >/dev/null \
  | grep -o 'cpu_[a-z]*_us=[0-9]*' | cut -d= -f2 | python3 -c 'import sys; print(sum(int(l) for l in sys.stdin))')
procs=$(TF_LOG_PROVIDER=debug run_tf c1 plan -refresh=false -no-color 2>&1 >/dev/null | grep -c 'plugin process exiting' || true)
printf 'terraform: %s\n' "$("$tf" version | head -n1)"
printf 'plan -refresh=false, %d integrations: median %.3f s over %d runs\n' "$n" "$ours" "$runs"
printf 'plan -refresh=false, %d terraform_data: median %.3f s\n' "$n" "$core"
printf 'ratio = %.2f (target <= 1.5)\n' "$(python3 -c "print($ours / $core)")"
printf 'provider CPU over one plan -refresh=false: %.1f ms in %d processes\n' "$(python3 -c "print($cpu_us / 1000)")" "$procs"
printf 'refreshing plan: %d integrations %.3f s, %d terraform_data %.3f s, ratio %.2f\n' \
  "$n" "$ours_r" "$n" "$core_r" "$(python3 -c "print($ours_r / $core_r)")"
