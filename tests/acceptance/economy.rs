//! Request economy: a token's check, an owner's lookup and a Segment list
//! are made once per provider process, however many resources share them.

use serde_json::Value;

use crate::harness::{count_provider_starts, each_terraform, WorkDir};
use crate::sandbox::Sandbox;

const N: usize = 200;

fn config(tokens: usize, bad: usize, owner: &str) -> String {
    let mut c = format!(
        r#"provider "conductorone" {{}}

variable "tokens" {{
  type      = list(string)
  sensitive = true
  ephemeral = true
}}

resource "conductorone_segment_integration" "seg" {{
  count                           = {N}
  display_name                    = "Segment ${{count.index}}"
  user_ids                        = ["{owner}"]
  segment_access_token_wo         = var.tokens[count.index % {tokens}]
  segment_access_token_wo_version = 1
}}
"#
    );
    if bad > 0 {
        c.push_str(&format!(
            r#"
variable "revoked" {{
  type      = string
  sensitive = true
  ephemeral = true
}}

resource "conductorone_segment_integration" "bad" {{
  count                           = {bad}
  display_name                    = "Segment bad ${{count.index}}"
  user_ids                        = ["{owner}"]
  segment_access_token_wo         = var.revoked
  segment_access_token_wo_version = 1
}}
"#
        ));
    }
    c
}

fn tokens_var(sb: &Sandbox, n: usize) -> String {
    let names = [
        "SEGMENT_ACCESS_TOKEN",
        "SEGMENT_ACCESS_TOKEN_2",
        "SEGMENT_ACCESS_TOKEN_3",
    ];
    let list: Vec<String> = names[..n]
        .iter()
        .map(|k| format!("\"{}\"", sb.var(k)))
        .collect();
    format!("[{}]", list.join(","))
}

/// Segment requests answered 200, and lookups of `owner`, in `log`.
fn counts(log: &[Value], owner: &str) -> (usize, usize) {
    let segment_ok = log
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/segment"))
                && r["status"] == 200
        })
        .count();
    let lookups = log
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p == format!("/api/v1/users/{owner}"))
        })
        .count();
    (segment_ok, lookups)
}

/// 200 integrations sharing one owner, with 1 and then 3 tokens: at most 2
/// Segment requests per token and 1 owner lookup per provider process; with
/// a revoked token besides, exactly the resources using it fail, each on
/// `segment_access_token_wo`.
#[test]
fn each_token_and_owner_is_checked_once_per_process() {
    each_terraform(|tf| {
        for tokens in [1, 3] {
            let sb = Sandbox::start(&["--segment-owner-tokens", "3"]);
            let owner = sb.var("CONDUCTORONE_SANDBOX_ADMIN_USER_ID").to_string();
            let mut wd = WorkDir::new(tf);
            sb.configure(&mut wd);
            wd.setenv("TF_VAR_tokens", &tokens_var(&sb, tokens));
            wd.setenv("TF_VAR_revoked", sb.var("SEGMENT_REVOKED_TOKEN"));
            let starts = count_provider_starts(&wd);

            wd.config(&config(tokens, 5, &owner));
            let plan = wd.run(&["plan", "-json", "-parallelism=50", "-no-color"]);
            assert_eq!(plan.code, 1, "the plan fails");
            let errors: Vec<(String, String)> = plan
                .stdout
                .lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .filter(|m| m["type"] == "diagnostic" && m["diagnostic"]["severity"] == "error")
                .map(|m| {
                    let d = &m["diagnostic"];
                    (
                        d["address"].as_str().unwrap_or("").to_string(),
                        d["summary"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect();
            // Terraform 1.11 reports all five; 1.15 stops planning at the
            // first error. Either way, only the revoked token's resources fail.
            let summary = "segment_access_token_wo: Segment refused the token; use a valid token with the Workspace Owner access level";
            assert!(!errors.is_empty());
            for (address, got) in &errors {
                assert!(
                    address.starts_with("conductorone_segment_integration.bad["),
                    "{address} failed: {got}"
                );
                assert_eq!(got, summary);
            }
            if !tf.at_least(1, 12) {
                assert_eq!(errors.len(), 5, "{errors:?}");
            }

            wd.config(&config(tokens, 0, &owner));
            std::fs::write(&starts, "").unwrap();
            let before = sb.requests().len();
            let t = std::time::Instant::now();
            wd.run(&["apply", "-auto-approve", "-parallelism=50", "-no-color"])
                .success();
            let took = t.elapsed();
            let log: Vec<Value> = sb.requests().into_iter().skip(before).collect();
            let (segment_ok, lookups) = counts(&log, &owner);
            let processes = std::fs::read_to_string(&starts).unwrap().lines().count();
            eprintln!(
                "terraform {}: {N} integrations, {tokens} token(s): apply {:.1} s, {} requests, {segment_ok} Segment, \
                 {lookups} owner lookups, {processes} provider processes",
                tf.version,
                took.as_secs_f64(),
                log.len()
            );
            assert!(
                segment_ok <= 2 * tokens * processes,
                "{segment_ok} Segment requests"
            );
            assert!(lookups <= processes, "{lookups} owner lookups");
            assert_eq!(sb.connectors().len(), N);
            wd.run(&["destroy", "-auto-approve", "-parallelism=50"])
                .success();
        }
    });
}

/// The quickstart's refreshing plan (after its apply) reads each Segment
/// list once: the roles (wanted by two data sources) and the groups.
#[test]
fn the_quickstart_plan_reads_each_segment_list_once() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&[]);
        let mut wd = WorkDir::new(tf);
        sb.configure(&mut wd);
        wd.setenv(
            "TF_VAR_segment_access_token",
            sb.var("SEGMENT_ACCESS_TOKEN"),
        );
        let main = std::fs::read_to_string(
            crate::harness::repo_root().join("examples/quickstart/main.tf"),
        )
        .unwrap();
        wd.write("main.tf", &main);
        wd.run(&["apply", "-auto-approve", "-no-color"]).success();
        let starts = count_provider_starts(&wd);
        let before = sb.requests().len();
        let plan = wd.run(&["plan", "-detailed-exitcode", "-no-color"]);
        assert_eq!(plan.code, 0, "{}", plan.all());
        let log: Vec<Value> = sb.requests().into_iter().skip(before).collect();
        let reads = |prefix: &str| {
            log.iter()
                .filter(|r| r["path"].as_str().is_some_and(|p| p.starts_with(prefix)))
                .count()
        };
        let processes = std::fs::read_to_string(&starts).unwrap().lines().count();
        eprintln!(
            "terraform {}: refreshing plan of the quickstart: {} requests, roles read {}, groups {}, workspace {} ({processes} processes)",
            tf.version,
            log.len(),
            reads("/segment/roles"),
            reads("/segment/groups"),
            log.iter().filter(|r| r["path"] == "/segment/").count()
        );
        assert_eq!(reads("/segment/roles"), 1, "the roles list, once");
        assert_eq!(reads("/segment/groups"), 1, "the groups list, once");
        assert!(log.iter().filter(|r| r["path"] == "/segment/").count() <= 1);
        wd.run(&["destroy", "-auto-approve"]).success();
    });
}
