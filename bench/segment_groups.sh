#!/usr/bin/env bash
# Issue 4's paging benchmark: wall time of `terraform plan` reading 10,000
# Segment groups (50 pages) with 20 ms latency per request, against the floor:
# the same plan against 200 groups (one page) plus 49 x 20 ms. Target ratio < 1.15.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${RUNS:-5}
tf=${TERRAFORM:-$(command -v terraform || echo "$root/.tools/terraform-1.15.5/terraform")}
cargo build --locked --release -p terraform-provider-conductorone -p conductorone-sandbox --bins
. "$root/bench/lib.sh"
start_sandbox big --latency-ms 20 --segment-groups 10000
start_sandbox small --latency-ms 20 --segment-groups 200
write_config
cat >> "$work/cfg/main.tf" <<'TF'
data "conductorone_segment_groups" "all" {}
output "count" { value = length(data.conductorone_segment_groups.all.groups) }
TF

median_plan() { # env-name
  (
    set -a; . "$work/$1.env"; set +a
    export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
    cd "$work/cfg"
    "$tf" plan -no-color > /dev/null # warm-up
    for _ in $(seq "$runs"); do
      s=$(date +%s.%N)
      "$tf" plan -no-color > /dev/null
      e=$(date +%s.%N)
      python3 -c "print($e - $s)"
    done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
  )
}
# The provider's own share: ReadDataSource time, from its debug log.
provider_ms() { # env-name
  (
    set -a; . "$work/$1.env"; set +a
    export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 TF_LOG_PROVIDER=debug
    cd "$work/cfg"
    "$tf" plan -no-color 2>&1 >/dev/null | grep -o 'total_ms=[0-9]*' | head -n1 | cut -d= -f2
  )
}
# The round trips alone: 50 requests for a 200-group page over one kept-alive
# connection (curl, nothing decoded), as the sandbox serves them with its latency.
round_trips_ms() {
  (
    set -a; . "$work/big.env"; set +a
    url="$SEGMENT_API_URL/groups?pagination%5Bcount%5D=200"
    urls=(); for _ in $(seq 50); do urls+=("$url" -o /dev/null); done
    s=$(date +%s%N)
    curl -s -H "Authorization: Bearer $SEGMENT_ACCESS_TOKEN" "${urls[@]}"
    e=$(date +%s%N)
    echo $(( (e - s) / 1000000 ))
  )
}
rt=$(round_trips_ms)
big=$(median_plan big)
small=$(median_plan small)
pbig=$(provider_ms big)
psmall=$(provider_ms small)
floor=$(python3 -c "print($small + 49 * 0.020)")
ratio=$(python3 -c "print($big / $floor)")
printf 'terraform: %s\n' "$("$tf" version | head -n1)"
printf 'plan, 10,000 groups (50 pages, 20 ms latency): median %.3f s over %d runs\n' "$big" "$runs"
printf 'plan, 200 groups (1 page, 20 ms latency):      median %.3f s\n' "$small"
printf 'floor = 200-group plan + 49 x 20 ms = %.3f s; ratio = %.3f (target < 1.15)\n' "$floor" "$ratio"
printf 'provider ReadDataSource: 10,000 groups %s ms, 200 groups %s ms; provider ratio = %.3f\n' "$pbig" "$psmall" \
  "$(python3 -c "print($pbig / ($psmall + 49 * 20))")"
printf '50 bare round trips for a 200-group page (curl): %s ms; provider ReadDataSource over them: %.3f\n' "$rt" \
  "$(python3 -c "print($pbig / $rt)")"
