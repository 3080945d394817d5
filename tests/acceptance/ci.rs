//! CI plan checks: what a plan-only job needs (a read-only client suffices),
//! and how plan-time diagnostics read in CI.

use std::collections::BTreeSet;

use crate::harness::{each_terraform, repo_root, WorkDir};
use crate::sandbox::Sandbox;

/// The API operations in the sandbox's request log since `from`, with IDs
/// replaced by `{id}` (long path segments) and queries dropped.
pub fn operations(sb: &Sandbox, from: usize) -> BTreeSet<String> {
    sb.requests()[from..]
        .iter()
        .map(|r| {
            let path = r["path"].as_str().unwrap().split('?').next().unwrap();
            let path: Vec<&str> = path
                .split('/')
                .map(|s| if s.len() >= 20 { "{id}" } else { s })
                .collect();
            format!("{} {}", r["method"].as_str().unwrap(), path.join("/"))
        })
        .collect()
}

fn quickstart(sb: &Sandbox, wd: &mut WorkDir) {
    sb.write_quickstart(wd);
}

/// An applied quickstart plans (with refresh) with the sandbox's read-only
/// client; an apply that must change something fails with ConductorOne's
/// permission error naming the operation, and no secret in the output.
#[test]
fn a_plan_needs_only_the_read_only_client() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&[]);
        let mut wd = WorkDir::new(tf);
        quickstart(&sb, &mut wd);
        let before = sb.requests().len();
        wd.run(&["apply", "-auto-approve", "-no-color"]).success();
        // The operations docs/guides/ci-plan-checks.md lists.
        assert_eq!(
            operations(&sb, before),
            set(&[
                "POST /auth/v1/token",
                "GET /api/v1/users/{id}",
                "GET /api/v1/iam/roles",
                "POST /api/v1/search/apps",
                "POST /api/v1/connectorcatalog",
                "POST /api/v1/apps",
                "POST /api/v1/apps/{id}",
                "POST /api/v1/apps/{id}/connectors",
                "POST /api/v1/apps/{id}/connectors/{id}",
                "POST /api/v1/apps/{id}/connectors/{id}/delegated",
                "GET /api/v1/apps/{id}/connectors/{id}",
                "GET /segment/",
                "GET /segment/users",
                "GET /segment/roles",
                "GET /segment/groups",
            ])
        );

        let mut ro = WorkDir::new(tf);
        quickstart(&sb, &mut ro);
        std::fs::copy(
            wd.path().join("terraform.tfstate"),
            ro.path().join("terraform.tfstate"),
        )
        .unwrap();
        ro.setenv(
            "CONDUCTORONE_CLIENT_ID",
            sb.var("CONDUCTORONE_READONLY_CLIENT_ID"),
        );
        ro.setenv(
            "CONDUCTORONE_CLIENT_SECRET",
            sb.var("CONDUCTORONE_READONLY_CLIENT_SECRET"),
        );
        let before = sb.requests().len();
        let plan = ro.run(&["plan", "-detailed-exitcode", "-no-color"]);
        assert_eq!(plan.code, 0, "{}", plan.all());
        let ops = operations(&sb, before);
        only_reads(&ops);
        assert_eq!(
            ops,
            set(&[
                "POST /auth/v1/token",
                "GET /api/v1/apps/{id}/connectors/{id}",
                "GET /segment/",
                "GET /segment/roles",
                "GET /segment/groups",
            ])
        );

        let member = sb.member_id();
        ro.setenv("TF_VAR_owner_ids", &format!("[\"{member}\"]"));
        let before = sb.requests().len();
        let out = ro.run(&["apply", "-auto-approve", "-no-color"]);
        assert_eq!(
            operations(&sb, before),
            set(&[
                "POST /auth/v1/token",
                "GET /api/v1/apps/{id}/connectors/{id}",
                "GET /api/v1/users/{id}",
                "GET /api/v1/iam/roles",
                "POST /api/v1/apps/{id}/connectors/{id}/delegated",
                "GET /segment/",
                "GET /segment/roles",
                "GET /segment/groups",
            ])
        );
        out.failure()
            .contains("permission denied")
            .contains("may not call POST")
            .contains("/connectors/")
            .contains("Connector Administrator")
            .contains("user_ids");
        for secret in [
            sb.var("CONDUCTORONE_READONLY_CLIENT_SECRET"),
            sb.var("CONDUCTORONE_CLIENT_SECRET"),
            sb.var("SEGMENT_ACCESS_TOKEN"),
            "c1sbx_",
        ] {
            assert!(!out.all().contains(secret), "a secret in the output");
        }
    });
}

fn set(ops: &[&str]) -> BTreeSet<String> {
    ops.iter().map(|o| o.to_string()).collect()
}

/// Only reads: GETs, the token request, searches and the catalog's
/// configuration schema (POSTs that read).
fn only_reads(ops: &BTreeSet<String>) {
    for op in ops {
        let read = op.starts_with("GET ")
            || op == "POST /auth/v1/token"
            || op == "POST /api/v1/connectorcatalog"
            || op.starts_with("POST /api/v1/search/");
        assert!(read, "a plan wrote: {op} (of {ops:#?})");
    }
}

/// `terraform plan -json` of a revoked token and an unknown owner: two error
/// diagnostics on the resource, whose ranges are the lines of
/// `segment_access_token_wo` and `user_ids`, and whose one-line summaries
/// name the attribute and the remedy.
#[test]
fn plan_json_places_each_check_on_its_line() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&[]);
        let mut wd = WorkDir::new(tf);
        sb.configure(&mut wd);
        wd.setenv("TF_VAR_token", sb.var("SEGMENT_REVOKED_TOKEN"));
        let main = format!(
            "{}\nprovider \"conductorone\" {{}}\n\nvariable \"token\" {{\n  type      = string\n  sensitive = true\n  ephemeral = true\n}}\n\nresource \"conductorone_segment_integration\" \"seg\" {{\n  user_ids                = [\"no-such-user\"]\n  segment_access_token_wo = var.token\n}}\n",
            crate::harness::required_providers()
        );
        let line_of = |needle: &str| main.lines().position(|l| l.contains(needle)).unwrap() + 1;
        let (owners_line, token_line) = (line_of("user_ids"), line_of("segment_access_token_wo"));
        wd.write("main.tf", &main);
        let out = wd.run(&["plan", "-json", "-no-color"]);
        assert_eq!(out.code, 1, "{}", out.all());
        let errors: Vec<serde_json::Value> = out
            .stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|m| m["type"] == "diagnostic" && m["diagnostic"]["severity"] == "error")
            .map(|m| m["diagnostic"].clone())
            .collect();
        assert_eq!(errors.len(), 2, "{errors:#?}");
        for (line, summary) in [
            (owners_line, "user_ids: \"no-such-user\" is not a ConductorOne user; use an existing user's ID"),
            (token_line, "segment_access_token_wo: Segment refused the token; use a valid token with the Workspace Owner access level"),
        ] {
            let d = errors
                .iter()
                .find(|d| d["summary"] == summary)
                .unwrap_or_else(|| panic!("no {summary:?} in {errors:#?}"));
            assert_eq!(d["address"], "conductorone_segment_integration.seg", "{d:#}");
            assert_eq!(d["range"]["filename"], "main.tf", "{d:#}");
            assert_eq!(d["range"]["start"]["line"], line, "{d:#}");
            assert!(!summary.contains('\n'));
        }
        assert!(!out.all().contains(sb.var("SEGMENT_REVOKED_TOKEN")));
    });
}

/// A working directory holding a copy of examples/ci (main.tf and tests/).
fn ci_example(tf: &crate::harness::Terraform) -> WorkDir {
    let wd = WorkDir::new(tf);
    let src = repo_root().join("examples/ci");
    std::fs::create_dir_all(wd.path().join("tests")).unwrap();
    for rel in ["main.tf", "tests/plan.tftest.hcl", "tests/apply.tftest.hcl"] {
        std::fs::copy(src.join(rel), wd.path().join(rel)).unwrap();
    }
    wd
}

/// `terraform test` of examples/ci: the mocked runs pass with no
/// ConductorOne or Segment variable in the environment; the real runs pass
/// against the sandbox (and leave nothing behind); a copy with one assertion
/// changed fails.
#[test]
fn terraform_test_runs_mocked_and_against_the_sandbox() {
    each_terraform(|tf| {
        let wd = ci_example(tf);
        let mocked = wd.run(&["test", "-no-color", "-filter=tests/plan.tftest.hcl"]);
        mocked.success().contains("3 passed, 0 failed");

        let sb = Sandbox::start(&[]);
        let mut real = ci_example(tf);
        sb.configure(&mut real);
        real.setenv("TF_VAR_segment_token", sb.var("SEGMENT_ACCESS_TOKEN"));
        let owners = format!("[\"{}\"]", sb.var("CONDUCTORONE_SANDBOX_ADMIN_USER_ID"));
        real.setenv("TF_VAR_owner_ids", &owners);
        let out = real.run(&["test", "-no-color"]);
        out.success().contains("5 passed, 0 failed");
        assert!(!out.all().contains(sb.var("SEGMENT_ACCESS_TOKEN")));
        assert!(
            sb.apps().is_empty() && sb.connectors().is_empty(),
            "terraform test destroys what it made"
        );

        let broken = ci_example(tf);
        let test = broken.path().join("tests/plan.tftest.hcl");
        let text = std::fs::read_to_string(&test).unwrap();
        let changed = text.replacen("== \"Segment (production)\"", "== \"Segment (staging)\"", 1);
        assert_ne!(changed, text);
        std::fs::write(&test, changed).unwrap();
        broken
            .run(&["test", "-no-color", "-filter=tests/plan.tftest.hcl"])
            .failure()
            .contains("The connector's name must say its environment.")
            .contains("1 failed");
    });
}

/// The example workflow: valid YAML whose `run` commands are, line for line,
/// the ones docs/guides/ci-plan-checks.md describes; its steps for a job
/// without ConductorOne secrets (sandbox mode) run here, in order, on a copy
/// of examples/ci, with the sandbox binary standing in for the release
/// download (its archive is tested in release.rs).
#[test]
fn the_workflow_runs_in_sandbox_mode() {
    let text = std::fs::read_to_string(repo_root().join("examples/ci/github-actions.yml")).unwrap();
    let wf: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("valid YAML");
    let job = &wf["jobs"]["check"];
    let steps = job["steps"].as_sequence().expect("steps");
    let guide = std::fs::read_to_string(repo_root().join("docs/guides/ci-plan-checks.md")).unwrap();
    let uses: Vec<&str> = steps.iter().filter_map(|s| s["uses"].as_str()).collect();
    assert!(uses.iter().any(|u| u.starts_with("actions/checkout@")));
    assert!(uses
        .iter()
        .any(|u| u.starts_with("hashicorp/setup-terraform@")));
    let sandbox_mode: Vec<(&str, &str)> = steps
        .iter()
        .filter_map(|s| Some((s["name"].as_str()?, s["run"].as_str()?, s["if"].as_str())))
        .filter(|(_, _, cond)| cond.is_none_or(|c| c.contains("== ''")))
        .filter(|(name, _, _)| !name.starts_with("Install the sandbox"))
        .map(|(name, run, _)| (name, run))
        .collect();
    assert_eq!(sandbox_mode.len(), 6, "{sandbox_mode:?}");
    for step in steps.iter().filter_map(|s| s["run"].as_str()) {
        if step.contains("curl") {
            continue; // the download: described in prose, tested by release.rs
        }
        for line in step.lines().filter(|l| !l.trim().is_empty()) {
            assert!(guide.contains(line.trim()), "the guide lacks {line:?}");
        }
    }
    let sandbox_dir = crate::harness::sandbox_binary()
        .parent()
        .unwrap()
        .to_path_buf();
    // `terraform init` installs the provider as in CI: here from a filesystem
    // mirror of the packaged archive (no registry offline).
    let (dist, mirror) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    crate::release::package(dist.path(), mirror.path());
    each_terraform(|tf| {
        let mut wd = ci_example(tf);
        crate::release::use_mirror(&wd, mirror.path());
        let runner_temp = tempfile::tempdir().unwrap();
        wd.setenv("RUNNER_TEMP", runner_temp.path().to_str().unwrap());
        for secret in [
            "CONDUCTORONE_CLIENT_ID",
            "CONDUCTORONE_CLIENT_SECRET",
            "SEGMENT_ACCESS_TOKEN",
        ] {
            wd.setenv(secret, "");
        }
        for (name, run) in &sandbox_mode {
            let out = wd.shell(run, &[&sandbox_dir]);
            assert_eq!(out.code, 0, "step {name:?} failed:\n{}", out.all());
            if name.contains("sandbox") {
                out.contains("5 passed, 0 failed")
                    .contains("Plan: 1 to add, 0 to change, 0 to destroy.");
            }
        }
        // A pull request that points the provider elsewhere is refused.
        let pin = sandbox_mode
            .iter()
            .find(|(n, _)| n.contains("API addresses"))
            .unwrap()
            .1;
        wd.write(
            "evil.tf",
            "provider \"conductorone\" {\n  segment_api_url = \"https://collector.example\"\n}\n",
        );
        let out = wd.shell(pin, &[]);
        assert_ne!(
            out.code,
            0,
            "the check let an address through:\n{}",
            out.all()
        );
        out.contains("the workflow pins them");
        std::fs::remove_file(wd.path().join("evil.tf")).unwrap();
        let _ = std::process::Command::new("pkill")
            .args([
                "-f",
                &format!(
                    "conductorone-sandbox --env-file {}",
                    runner_temp.path().display()
                ),
            ])
            .status();
    });
}
