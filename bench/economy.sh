#!/usr/bin/env bash
# Issue 14's request-economy benchmark: `terraform apply` of 200 integrations
# sharing one Segment token and one owner, -parallelism=50, against a sandbox
# with 20 ms latency + up to 10 ms jitter and Segment limited to 300 requests
# a minute per token. Reports the wall time and the requests by kind.
# PROVIDER_DIR: a directory holding another terraform-provider-conductorone
# build to measure (default: this tree's release build); NO_BUILD=1 uses the
# release binaries already built.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tf=${TERRAFORM:-$(command -v terraform || echo "$root/.tools/terraform-1.15.5/terraform")}
[ -n "${NO_BUILD:-}" ] || cargo build --locked --release -p terraform-provider-conductorone -p conductorone-sandbox --bins
. "$root/bench/lib.sh"
start_sandbox rated --latency-ms 20 --latency-jitter-ms 10 --segment-rate-limit 300
write_config
if [ -n "${PROVIDER_DIR:-}" ]; then
  sed -i "s|$root/target/release|$PROVIDER_DIR|" "$work/cli.tfrc"
fi
cat >> "$work/cfg/main.tf" <<'TF'
variable "segment_token" {
  type      = string
  sensitive = true
  ephemeral = true
}
variable "owner" {
  type = string
}
resource "conductorone_segment_integration" "seg" {
  count                           = 200
  display_name                    = "Segment ${count.index}"
  user_ids                        = [var.owner]
  segment_access_token_wo         = var.segment_token
  segment_access_token_wo_version = 1
}
TF
(
  set -a; . "$work/rated.env"; set +a
  export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
  export TF_VAR_segment_token="$SEGMENT_ACCESS_TOKEN" TF_VAR_owner="$CONDUCTORONE_SANDBOX_ADMIN_USER_ID"
  cd "$work/cfg"
  s=$(date +%s.%N)
  outcome=converged
  "$tf" apply -auto-approve -parallelism=50 -no-color > "$work/apply.log" 2>&1 || outcome=FAILED
  e=$(date +%s.%N)
  if [ "$outcome" = FAILED ]; then
    echo "apply FAILED; its first error:"; grep -m1 -A3 '^Error:' "$work/apply.log" || tail -5 "$work/apply.log"
  fi
  curl -s "$CONDUCTORONE_SERVER_URL/__sandbox/requests" > "$work/requests.json"
  python3 - "$work/requests.json" "$(python3 -c "print($e - $s)")" "$CONDUCTORONE_SANDBOX_ADMIN_USER_ID" "$outcome" <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))
log = log.get("requests", log) if isinstance(log, dict) else log
took, owner, outcome = float(sys.argv[2]), sys.argv[3], sys.argv[4]
seg = [r for r in log if r["path"].startswith("/segment")]
count = lambda f: sum(1 for r in log if f(r))
print(f"apply of 200 integrations (one token, one owner, -parallelism=50): {took:.1f} s, {outcome}")
print(f"requests: {len(log)}; Segment {len(seg)} ({sum(1 for r in seg if r['status'] == 429)} answered 429); "
      f"owner lookups {count(lambda r: r['path'] == '/api/v1/users/' + owner)}; "
      f"token requests {count(lambda r: r['path'] == '/auth/v1/token')}; "
      f"ConductorOne writes {count(lambda r: r['method'] != 'GET' and r['path'].startswith('/api/v1/') and not r['path'].startswith('/api/v1/search/'))}")
PY
)
