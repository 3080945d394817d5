//! Every example under examples/ is formatted and valid, under each Terraform.

use std::path::{Path, PathBuf};

use crate::harness::{each_terraform, repo_root, required_providers, WorkDir};

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

#[test]
fn examples_are_formatted_and_valid() {
    let mut dirs = Vec::new();
    example_dirs(&repo_root().join("examples"), &mut dirs);
    dirs.sort();
    assert!(dirs.len() >= 8, "examples found: {dirs:?}");
    each_terraform(|tf| {
        let wd = WorkDir::new(tf);
        let fmt = wd.run(&[
            "fmt",
            "-check",
            "-recursive",
            "-diff",
            repo_root().join("examples").to_str().unwrap(),
        ]);
        fmt.success();
        for dir in &dirs {
            // Action blocks are Terraform 1.14's (the query examples,
            // `*.tfquery.hcl`, run in query.rs).
            if dir.starts_with(repo_root().join("examples/actions")) && !tf.at_least(1, 14) {
                continue;
            }
            // `import-by-*.tf` files are alternatives to one another (the
            // same `to`): each is validated with the rest of its directory;
            // import by identity needs Terraform 1.12.
            let mut base = Vec::new();
            let mut alternatives = Vec::new();
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "tf") {
                    let name = p.file_name().unwrap().to_str().unwrap().to_string();
                    let text = std::fs::read_to_string(&p).unwrap();
                    if name.starts_with("import-by-") {
                        if name != "import-by-identity.tf" || tf.at_least(1, 12) {
                            alternatives.push((name, text));
                        }
                    } else {
                        base.push((name, text));
                    }
                }
            }
            let sets: Vec<Vec<&(String, String)>> = if alternatives.is_empty() {
                vec![base.iter().collect()]
            } else {
                alternatives
                    .iter()
                    .map(|alt| base.iter().chain(std::iter::once(alt)).collect())
                    .collect()
            };
            for files in sets {
                let wd = WorkDir::new(tf);
                let mut has_terraform_block = false;
                for (name, text) in &files {
                    has_terraform_block |= text.contains("required_providers");
                    wd.write(name, text);
                }
                if !has_terraform_block {
                    wd.write("providers_for_test.tf", required_providers());
                }
                let out = wd.run(&["validate", "-no-color"]);
                let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
                assert_eq!(
                    out.code,
                    0,
                    "{} ({names:?}) is not valid:\n{}",
                    dir.display(),
                    out.all()
                );
            }
        }
    });
}

#[test]
fn the_quickstart_applies_against_the_sandbox() {
    each_terraform(|tf| {
        let sb = crate::sandbox::Sandbox::start(&[]);
        let mut wd = WorkDir::new(tf);
        sb.configure(&mut wd);
        wd.setenv(
            "TF_VAR_segment_access_token",
            sb.var("SEGMENT_ACCESS_TOKEN"),
        );
        let owners = format!("[\"{}\"]", sb.var("CONDUCTORONE_SANDBOX_ADMIN_USER_ID"));
        wd.setenv("TF_VAR_owner_ids", &owners);
        let main =
            std::fs::read_to_string(repo_root().join("examples/quickstart/main.tf")).unwrap();
        wd.write("main.tf", &main);
        wd.run(&["apply", "-auto-approve", "-no-color"])
            .success()
            .contains("segment_slug = \"sandbox-workspace\"")
            .contains("\"Workspace Owner\"");
        let plan = wd.run(&["plan", "-detailed-exitcode", "-no-color"]);
        assert_eq!(plan.code, 0, "{}", plan.all());
        wd.run(&["destroy", "-auto-approve", "-no-color"]).success();
        let state = sb.state();
        assert!(state["connectors"].as_array().unwrap().is_empty());
        assert!(state["apps"].as_array().unwrap().is_empty());
    });
}
