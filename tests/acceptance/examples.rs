//! Every example under examples/ is formatted and valid, under each Terraform.

use std::path::{Path, PathBuf};

use crate::harness::{each_terraform, each_terraform_from, repo_root, WorkDir};

fn example_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut has_tf = false;
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            example_dirs(&p, out);
        } else if p.extension().is_some_and(|x| x == "tf") {
            has_tf = true;
        }
    }
    if has_tf {
        out.push(dir.to_path_buf());
    }
}

/// The Terraform version a folder's `terraform {}` block claims
/// (`required_version = ">= A.B"`), else 1.0.
fn claimed(dir: &Path) -> (u32, u32) {
    let text = std::fs::read_to_string(dir.join("terraform.tf"))
        .or_else(|_| std::fs::read_to_string(dir.join("main.tf")))
        .unwrap_or_default();
    let Some(v) = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("required_version = \">= "))
    else {
        return (1, 0);
    };
    let mut n = v
        .trim_end_matches('"')
        .split('.')
        .map(|p| p.parse().unwrap_or(0));
    (n.next().unwrap_or(1), n.next().unwrap_or(0))
}

/// Every example folder, copied alone into an empty directory, passes
/// `terraform init` (the provider from a filesystem mirror of the packaged
/// archive, as a user installs a release) and `terraform validate`, under
/// each Terraform from the version it claims; and `terraform fmt` finds
/// nothing to change.
#[test]
fn each_example_runs_on_its_own() {
    let mut dirs = Vec::new();
    example_dirs(&repo_root().join("examples"), &mut dirs);
    dirs.sort();
    assert!(dirs.len() >= 10, "examples found: {dirs:?}");
    let (dist, mirror) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    crate::release::package(dist.path(), mirror.path());
    each_terraform_from(1, 6, |tf| {
        let wd = WorkDir::new(tf);
        let examples = repo_root().join("examples");
        let fmt = wd.run(&[
            "fmt",
            "-check",
            "-recursive",
            "-diff",
            examples.to_str().unwrap(),
        ]);
        fmt.success();
        let claimed_here: Vec<&PathBuf> = dirs
            .iter()
            .filter(|d| {
                let (major, minor) = claimed(d);
                tf.at_least(major, minor)
            })
            .collect();
        std::thread::scope(|s| {
            for chunk in claimed_here.chunks(4) {
                let handles: Vec<_> = chunk
                    .iter()
                    .map(|dir| s.spawn(|| run_alone(tf, dir, mirror.path())))
                    .collect();
                for h in handles {
                    if let Err(e) = h.join() {
                        std::panic::resume_unwind(e);
                    }
                }
            }
        });
    });
}

/// `dir`'s own files (not its subfolders), in a fresh directory: init from
/// the mirror, then validate.
fn run_alone(tf: &crate::harness::Terraform, dir: &Path, mirror: &Path) {
    let wd = WorkDir::without_overrides(tf);
    crate::release::use_mirror(&wd, mirror);
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_file() {
            let name = p.file_name().unwrap().to_str().unwrap().to_string();
            wd.write(&name, &std::fs::read_to_string(&p).unwrap());
        }
    }
    for args in [
        vec!["init", "-no-color", "-input=false"],
        vec!["validate", "-no-color"],
    ] {
        let out = wd.run(&args);
        assert_eq!(
            out.code,
            0,
            "{} under Terraform {}: terraform {args:?}:\n{}",
            dir.display(),
            tf.version,
            out.all()
        );
    }
}

#[test]
fn the_quickstart_applies_against_the_sandbox() {
    each_terraform(|tf| {
        let sb = crate::sandbox::Sandbox::start(&["--sync-delay", "500"]);
        let mut wd = WorkDir::new(tf);
        sb.write_quickstart(&mut wd);
        wd.run(&["apply", "-auto-approve", "-no-color"])
            .success()
            .contains("segment_slug = \"sandbox-workspace\"")
            .contains("\"Workspace Owner\"");
        let plan = wd.run(&["plan", "-detailed-exitcode", "-no-color"]);
        assert_eq!(plan.code, 0, "right after the apply: {}", plan.all());
        // Once the sync has ended (its status read by the quickstart's
        // check), still nothing to do, and nothing to warn about.
        let id = sb.connectors()[0]["id"].as_str().unwrap().to_string();
        assert_eq!(sb.sync_ended(&id)["status"]["status"], "SYNC_STATUS_DONE");
        let plan = wd.run(&["plan", "-detailed-exitcode", "-no-color"]);
        assert_eq!(plan.code, 0, "after the sync ended: {}", plan.all());
        let warned = plan.all().matches("Warning: ").count()
            - plan
                .all()
                .matches("Warning: Provider development overrides")
                .count();
        assert_eq!(warned, 0, "{}", plan.all());
        wd.run(&["destroy", "-auto-approve", "-no-color"]).success();
        let state = sb.state();
        assert!(state["connectors"].as_array().unwrap().is_empty());
        assert!(state["apps"].as_array().unwrap().is_empty());
    });
}
