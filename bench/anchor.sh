#!/usr/bin/env bash
# Our performance anchor: a real Go provider built on terraform-plugin-framework
# (workato 0.16.0, whose linux_amd64 binary the PyPI package
# workato-terraform-provider==0.16.0 ships; fetched into .tools/anchor, never
# committed). Measures, for both providers:
#  - start-up: median time to the handshake line over 40 starts (AutoMTLS), and
#    the resident memory at the handshake (bench/startup.py);
#  - a no-change `terraform plan -refresh=false` of N resources held in state
#    (ours: N integrations applied against the sandbox; workato: N folders in a
#    written state, its API never called), runs interleaved, medians.
# Reports ours / anchor for each. Targets: plan <= 0.82x, start-up <= 1/10.
# NO_BUILD=1 measures the release build already there; PROVIDER_DIR measures
# the terraform-provider-conductorone in another folder (such as the static
# build: `make package PLATFORMS=linux_amd64`, unpacked); RUNS (default 15),
# N (default 100), TERRAFORM (default: terraform on PATH).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"
runs=${RUNS:-15}
n=${N:-100}
tf=${TERRAFORM:-$(command -v terraform)}
[ -n "${NO_BUILD:-}" ] || cargo build --locked --release -p terraform-provider-conductorone -p conductorone-sandbox --bins

anchor_dir="$root/.tools/anchor"
anchor="$anchor_dir/terraform-provider-workato"
if [ ! -x "$anchor" ]; then
  mkdir -p "$anchor_dir"
  python3 -m pip download --quiet --no-deps workato-terraform-provider==0.16.0 -d "$anchor_dir"
  python3 - "$anchor_dir" <<'PY'
import glob, sys, zipfile
d = sys.argv[1]
z = zipfile.ZipFile(glob.glob(f"{d}/workato_terraform_provider-0.16.0-*.whl")[0])
member = "workato_terraform_provider/payload/registry.terraform.io/local/workato/0.16.0/linux_amd64/terraform-provider-workato_v0.16.0"
with z.open(member) as src, open(f"{d}/terraform-provider-workato", "wb") as dst:
    dst.write(src.read())
PY
  chmod +x "$anchor"
fi

echo "start-up (40 starts each, interleaved):"
provider_dir=${PROVIDER_DIR:-$root/target/release}
ours_bin="$provider_dir/terraform-provider-conductorone"
starts=$(python3 bench/startup.py "$ours_bin" "$anchor" --runs 40)
ours_start=$(echo "$starts" | grep -F "$ours_bin:")
anchor_start=$(echo "$starts" | grep -F "$anchor:")
echo "  ours:   $ours_start"
echo "  anchor: $anchor_start"
median_of() { sed -n 's/.*median=\([0-9.]*\)ms.*/\1/p'; }
rss_of() { sed -n 's/.*rss_at_handshake_median=\([0-9.]*\)MiB.*/\1/p'; }

# Ours: N integrations applied against the sandbox.
start_sandbox sb
write_config
sed -i "s|$root/target/release|$provider_dir|" "$work/cli.tfrc"
integrations "$n" >> "$work/cfg/main.tf"

# The anchor: N folders held in a state written here.
mkdir -p "$work/anchor" "$work/anchor-bin"
ln -s "$anchor" "$work/anchor-bin/terraform-provider-workato"
cat > "$work/anchor.tfrc" <<RC
provider_installation {
  dev_overrides {
    "local/workato" = "$work/anchor-bin"
  }
  direct {}
}
RC
cat > "$work/anchor/main.tf" <<TF
terraform {
  required_providers {
    workato = { source = "local/workato" }
  }
}
provider "workato" {
  api_key  = "bench-not-a-key"
  base_url = "https://127.0.0.1:9"
}
resource "workato_folder" "f" {
  count     = $n
  name      = "folder-\${count.index}"
  folder_id = 1
}
TF
python3 - "$work/anchor/terraform.tfstate" "$n" <<'PY'
import json, sys
path, n = sys.argv[1], int(sys.argv[2])
instances = [{
    "index_key": i, "schema_version": 0, "sensitive_attributes": [],
    "attributes": {"id": str(1000 + i), "name": f"folder-{i}", "folder_id": 1, "force": None,
                   "applied_name": f"folder-{i}", "created_at": "2026-01-01T00:00:00Z",
                   "updated_at": "2026-01-01T00:00:00Z"},
} for i in range(n)]
json.dump({"version": 4, "terraform_version": "1.11.4", "serial": 1,
           "lineage": "8a1f0c3e-0000-4000-8000-000000000001", "outputs": {},
           "resources": [{"mode": "managed", "type": "workato_folder", "name": "f",
                          "provider": "provider[\"registry.terraform.io/local/workato\"]",
                          "instances": instances}]}, open(path, "w"))
PY

run_tf() { # ours|anchor args...
  local who=$1; shift
  (
    export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
    if [ "$who" = ours ]; then
      set -a; . "$work/sb.env"; set +a
      export TF_VAR_token="$SEGMENT_ACCESS_TOKEN" TF_CLI_CONFIG_FILE="$work/cli.tfrc"
      cd "$work/cfg"
    else
      export TF_CLI_CONFIG_FILE="$work/anchor.tfrc"
      cd "$work/anchor"
    fi
    "$tf" "$@"
  )
}
run_tf ours apply -auto-approve -no-color -parallelism=10 > /dev/null
for who in ours anchor; do # warm-up, and proves each plan empty
  run_tf "$who" plan -refresh=false -detailed-exitcode -no-color > /dev/null
done
times=$(for _ in $(seq "$runs"); do
  for who in ours anchor; do
    s=$(date +%s.%N)
    run_tf "$who" plan -refresh=false -no-color > /dev/null
    e=$(date +%s.%N)
    echo "$who $(python3 -c "print($e - $s)")"
  done
done)
plan_median() { echo "$times" | awk -v w="$1" '$1 == w {print $2}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ours_plan=$(plan_median ours)
anchor_plan=$(plan_median anchor)

printf 'terraform: %s\n' "$("$tf" version 2>/dev/null | head -n1)"
printf 'plan -refresh=false, %d resources in state, median of %d interleaved runs: ours %.3f s, anchor %.3f s, ratio %.2f (target <= 0.82)\n' \
  "$n" "$runs" "$ours_plan" "$anchor_plan" "$(python3 -c "print($ours_plan / $anchor_plan)")"
printf 'start-up median: ours %s ms, anchor %s ms, ratio 1/%.1f (target <= 1/10)\n' \
  "$(echo "$ours_start" | median_of)" "$(echo "$anchor_start" | median_of)" \
  "$(python3 -c "print($(echo "$anchor_start" | median_of) / $(echo "$ours_start" | median_of))")"
printf 'resident memory at handshake: ours %s MiB, anchor %s MiB\n' \
  "$(echo "$ours_start" | rss_of)" "$(echo "$anchor_start" | rss_of)"
