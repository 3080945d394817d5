#!/usr/bin/env bash
# Issue 12's discovery benchmark: `terraform query` of a tenant with 500 apps
# holding 37 Segment connectors and 20 others, at 20 ms latency per request,
# against its round-trip floor: 5 pages of 100 apps plus 500 apps' connector
# lists, 16 at a time (32 rounds), = 37 x 20 ms = 740 ms (the pages are read
# while the lists run, so 1 page + 32 rounds = 660 ms is reachable). Reports the median
# wall time, the same query with no latency (Terraform's and the provider's
# own work), and the provider's ListResource time from its debug log.
# Needs Terraform 1.14+ (TERRAFORM, default the 1.15.5 that `make tools` installs).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${RUNS:-5}
tf=${TERRAFORM:-$root/.tools/terraform-1.15.5/terraform}
cargo build --locked --release -p terraform-provider-conductorone -p conductorone-sandbox --bins
. "$root/bench/lib.sh"
tenant=(--c1-apps 500 --c1-segment-connectors 37 --c1-other-connectors 20)
start_sandbox slow --latency-ms 20 "${tenant[@]}"
start_sandbox fast --latency-ms 0 "${tenant[@]}"
write_config
cp examples/list-resources/conductorone_segment_integration/list-resource.tfquery.hcl "$work/cfg/"

median_query() { # env-name
  (
    set -a; . "$work/$1.env"; set +a
    export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
    cd "$work/cfg"
    n=$("$tf" query -no-color | grep -c '^list\.') # warm-up, and the count
    [ "$n" = 37 ] || { echo "expected 37 results, got $n" >&2; exit 1; }
    for _ in $(seq "$runs"); do
      s=$(date +%s.%N)
      "$tf" query -no-color > /dev/null
      e=$(date +%s.%N)
      python3 -c "print($e - $s)"
    done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
  )
}
provider_ms() { # env-name
  (
    set -a; . "$work/$1.env"; set +a
    export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 TF_LOG_PROVIDER=debug
    cd "$work/cfg"
    "$tf" query -no-color 2>&1 >/dev/null | grep 'ListResource done' | grep -o 'total_ms=[0-9]*' | head -n1 | cut -d= -f2
  )
}
# The round trips alone: 37 sequential requests (the floor's count) over one
# kept-alive connection (curl, nothing decoded), as the sandbox serves them.
round_trips_ms() {
  (
    set -a; . "$work/slow.env"; set +a
    urls=(); for _ in $(seq 37); do urls+=("$SEGMENT_API_URL/roles" -o /dev/null); done
    s=$(date +%s%N)
    curl -s -H "Authorization: Bearer $SEGMENT_ACCESS_TOKEN" "${urls[@]}"
    e=$(date +%s%N)
    echo $(( (e - s) / 1000000 ))
  )
}
rt=$(round_trips_ms)
slow=$(median_query slow)
fast=$(median_query fast)
pslow=$(provider_ms slow)
pfast=$(provider_ms fast)
printf 'terraform: %s\n' "$("$tf" version | head -n1)"
printf 'query, 500 apps / 37 Segment connectors, 20 ms latency: median %.3f s over %d runs\n' "$slow" "$runs"
printf 'the same query at 0 ms latency:                         median %.3f s\n' "$fast"
printf 'round-trip floor: (5 app pages + 500/16 connector rounds) x 20 ms = 0.740 s; wall - 0 ms query = %.3f s (ratio %.2f)\n' \
  "$(python3 -c "print($slow - $fast)")" "$(python3 -c "print(($slow - $fast) / 0.740)")"
printf '37 bare round trips at 20 ms latency (curl, one connection): %s ms\n' "$rt"
printf 'provider ListResource: %s ms at 20 ms latency, %s ms at 0 ms; (20 ms - 0 ms) / floor = %.2f (/ 660 ms pipelined floor = %.2f)\n' \
  "$pslow" "$pfast" "$(python3 -c "print(($pslow - $pfast) / 740)")" "$(python3 -c "print(($pslow - $pfast) / 660)")"
