//! The docs are tested. Every fenced shell block (`sh`, `shell`, `console`,
//! `bash`) in README.md, CONTRIBUTING.md, `docs/` and the examples' READMEs
//! is either run, literally as the Markdown holds it, against the sandbox
//! (marked `<!-- docs-test: run -->` on the line before it), or marked
//! `<!-- docs-test: skip: REASON -->`; an unmarked block fails. Every
//! `terraform` or `hcl` block is validated with `terraform validate` (what a
//! snippet leaves out, the provider requirement and the variables and
//! objects it refers to, is added), unless marked skip.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{each_terraform, provider_binary, repo_root, Terraform, WorkDir};

#[derive(Clone, Debug, PartialEq)]
enum Mark {
    Run,
    Skip(String),
    None,
}

#[derive(Clone, Debug)]
struct Block {
    file: PathBuf,
    line: usize,
    lang: String,
    text: String,
    mark: Mark,
}

impl Block {
    fn at(&self) -> String {
        let file = self.file.strip_prefix(repo_root()).unwrap_or(&self.file);
        format!("{}:{}", file.display(), self.line)
    }

    fn is_shell(&self) -> bool {
        matches!(self.lang.as_str(), "sh" | "shell" | "console" | "bash")
    }

    fn is_terraform(&self) -> bool {
        matches!(self.lang.as_str(), "terraform" | "hcl")
    }
}

fn markdown_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "md") {
                out.push(p);
            }
        }
    }
    let root = repo_root();
    let mut out = vec![root.join("README.md"), root.join("CONTRIBUTING.md")];
    walk(&root.join("docs"), &mut out);
    walk(&root.join("examples"), &mut out);
    out.sort();
    out
}

/// The mark on the last non-blank line before a fence.
fn mark_before(lines: &[&str], fence: usize) -> Mark {
    let prev = lines[..fence].iter().rev().find(|l| !l.trim().is_empty());
    let Some(rest) = prev.and_then(|l| l.trim().strip_prefix("<!-- docs-test:")) else {
        return Mark::None;
    };
    let rest = rest.trim_end_matches("-->").trim();
    match rest.strip_prefix("skip:") {
        Some(reason) => Mark::Skip(reason.trim().to_string()),
        None if rest == "run" => Mark::Run,
        None => Mark::None,
    }
}

/// Every fenced block of `file`, its indentation removed.
fn blocks_of(file: &Path) -> Vec<Block> {
    let text = std::fs::read_to_string(file).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        let indent = lines[i].len() - trimmed.len();
        let Some(lang) = trimmed.strip_prefix("```").filter(|l| !l.is_empty()) else {
            i += 1;
            continue;
        };
        let start = i;
        let mut body = Vec::new();
        i += 1;
        while i < lines.len() && lines[i].trim() != "```" {
            body.push(lines[i].get(indent..).unwrap_or(lines[i].trim_start()));
            i += 1;
        }
        out.push(Block {
            file: file.to_path_buf(),
            line: start + 1,
            lang: lang.trim().to_string(),
            text: body.join("\n") + "\n",
            mark: mark_before(&lines, start),
        });
        i += 1;
    }
    out
}

fn all_blocks() -> Vec<Block> {
    markdown_files().iter().flat_map(|f| blocks_of(f)).collect()
}

/// Lists every shell block it runs and every one it skips, with the reason;
/// fails on a block that is neither.
#[test]
fn every_shell_block_is_run_or_marked() {
    let shells: Vec<Block> = all_blocks().into_iter().filter(Block::is_shell).collect();
    assert!(shells.len() >= 10, "shell blocks found: {}", shells.len());
    let mut unmarked = Vec::new();
    for b in &shells {
        match &b.mark {
            Mark::Run => eprintln!("run   {}", b.at()),
            Mark::Skip(reason) if !reason.is_empty() => eprintln!("skip  {} ({reason})", b.at()),
            _ => unmarked.push(b.at()),
        }
    }
    assert!(
        unmarked.is_empty(),
        "shell blocks neither run nor marked `<!-- docs-test: skip: REASON -->`: {unmarked:?}"
    );
    assert!(
        shells.iter().any(|b| b.mark == Mark::Run),
        "no block is run"
    );
}

/// Each block marked run (identical blocks once), in a fresh directory,
/// with the binaries cargo built on PATH and `REPO` the repository: it must
/// succeed, apply, and talk to the sandbox only.
#[test]
fn the_run_blocks_run() {
    let mut seen = BTreeSet::new();
    let runs: Vec<Block> = all_blocks()
        .into_iter()
        .filter(|b| b.is_shell() && b.mark == Mark::Run && seen.insert(b.text.clone()))
        .collect();
    assert!(!runs.is_empty());
    each_terraform(|tf| {
        for b in &runs {
            let dir = tempfile::tempdir().unwrap();
            let (code, out) = run_block(tf, &b.text, dir.path());
            assert_eq!(
                code,
                0,
                "{} failed under Terraform {}:\n{out}",
                b.at(),
                tf.version
            );
            assert!(out.contains("Apply complete!"), "{}: {out}", b.at());
            let env = std::fs::read_to_string(dir.path().join("sandbox.env")).unwrap_or_default();
            for key in ["CONDUCTORONE_SERVER_URL=", "SEGMENT_API_URL="] {
                let url = env.lines().find_map(|l| l.strip_prefix(key)).unwrap_or("");
                assert!(
                    url.starts_with("http://127.0.0.1:"),
                    "{key}{url}: not the sandbox"
                );
            }
            eprintln!("ran {} under Terraform {}", b.at(), tf.version);
        }
    });
}

/// Runs `script` with bash in `dir`, in a process group of its own (killed
/// afterwards, with the sandbox it started); its exit code and output.
fn run_block(tf: &Terraform, script: &str, dir: &Path) -> (i32, String) {
    use std::os::unix::process::CommandExt as _;
    let bin_dir = provider_binary().parent().unwrap().to_path_buf();
    let tf_dir = tf.path.parent().unwrap().to_path_buf();
    let mut path = vec![bin_dir, tf_dir];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let log = dir.join("block.log");
    let out = std::fs::File::create(&log).unwrap();
    let mut cmd = Command::new("bash");
    cmd.args(["-eo", "pipefail", "-c", script])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .process_group(0);
    for k in crate::harness::SCRUBBED_ENV {
        cmd.env_remove(k);
    }
    cmd.env("PATH", std::env::join_paths(path).unwrap())
        .env("REPO", repo_root())
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1");
    let mut child = cmd.spawn().expect("bash");
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if started.elapsed() > Duration::from_secs(300) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = Command::new("kill")
        .args(["-TERM", "--", &format!("-{}", child.id())])
        .status();
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    (status.and_then(|s| s.code()).unwrap_or(-1), text)
}

/// The Terraform version a snippet needs, by what it uses.
fn needs(text: &str) -> (u32, u32) {
    if text.contains("list \"") || text.contains("action \"") || text.contains("action_trigger") {
        (1, 14)
    } else if text.contains("identity = {") {
        (1, 12)
    } else {
        (1, 0)
    }
}

/// What a snippet refers to but leaves out: `var.X`, and objects of our
/// types (`TYPE.NAME`, `data.TYPE.NAME`).
fn stubs_for(text: &str) -> String {
    let mut out = String::new();
    let declared = |kind: &str, name: &str| text.contains(&format!("{kind} \"{name}\""));
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut vars = BTreeSet::new();
    for (i, _) in text.match_indices("var.") {
        let name: String = text[i + 4..].chars().take_while(|c| word(*c)).collect();
        if !name.is_empty() && !declared("variable", &name) {
            vars.insert(name);
        }
    }
    for v in vars {
        out.push_str(&format!("variable \"{v}\" {{\n  default = null\n}}\n"));
    }
    let mut objects = BTreeSet::new();
    for (i, _) in text.match_indices("conductorone_segment_integration.") {
        if text[..i].ends_with('"') || text[..i].ends_with("data.") {
            continue;
        }
        let name: String = text[i + 33..].chars().take_while(|c| word(*c)).collect();
        let block = format!("resource \"conductorone_segment_integration\" \"{name}\"");
        if !name.is_empty() && !text.contains(&block) {
            objects.insert(block);
        }
    }
    for o in objects {
        out.push_str(&format!("{o} {{\n}}\n"));
    }
    out
}

/// Every `terraform`/`hcl` block (identical ones once) passes `terraform
/// validate` under each Terraform from the version it needs, unless marked.
#[test]
fn every_terraform_block_is_valid() {
    let mut seen = BTreeSet::new();
    let blocks: Vec<Block> = all_blocks()
        .into_iter()
        .filter(|b| b.is_terraform() && seen.insert(b.text.clone()))
        .collect();
    assert!(blocks.len() >= 10, "terraform blocks: {}", blocks.len());
    each_terraform(|tf| {
        for b in &blocks {
            if let Mark::Skip(reason) = &b.mark {
                eprintln!("skip  {} ({reason})", b.at());
                continue;
            }
            let (major, minor) = needs(&b.text);
            if !tf.at_least(major, minor) {
                continue;
            }
            let wd = WorkDir::new(tf);
            let query = b.text.contains("list \"");
            let mut support = String::new();
            if !b.text.contains("required_providers") {
                support.push_str(crate::harness::required_providers());
            }
            if !b.text.contains("provider \"conductorone\"") {
                support.push_str("provider \"conductorone\" {}\n");
            }
            support.push_str(&stubs_for(&b.text));
            wd.write("docs_support.tf", &support);
            wd.write(if query { "main.tfquery.hcl" } else { "main.tf" }, &b.text);
            let args: &[&str] = if query {
                &["validate", "-no-color", "-query"]
            } else {
                &["validate", "-no-color"]
            };
            let out = wd.run(args);
            assert_eq!(
                out.code,
                0,
                "{} is not valid under Terraform {}:\n{}\n{}",
                b.at(),
                tf.version,
                b.text,
                out.all()
            );
            eprintln!("valid {}", b.at());
        }
    });
}

/// The resource page's import steps, followed for a connector made by hand
/// ("Segment (env-1)"): the block to write first, then `terraform import`;
/// the next plan is empty.
#[test]
fn the_import_steps_leave_an_empty_plan() {
    let examples = repo_root().join("examples/resources/conductorone_segment_integration");
    let block = std::fs::read_to_string(examples.join("identity/resource.tf")).unwrap();
    let import = std::fs::read_to_string(examples.join("import.sh")).unwrap();
    let command: Vec<&str> = import
        .lines()
        .find(|l| l.starts_with("terraform import"))
        .expect("the import command")
        .split_whitespace()
        .collect();
    let (example_app, example_id) = command[3].split_once('/').unwrap();
    each_terraform(|tf| {
        let sb =
            crate::sandbox::Sandbox::start(&["--c1-apps", "1", "--c1-segment-connectors", "1"]);
        let c = sb.connectors().into_iter().next().expect("a connector");
        assert_eq!(c["displayName"], "Segment (env-1)");
        let (app, id) = (c["appId"].as_str().unwrap(), c["id"].as_str().unwrap());
        let mut wd = WorkDir::new(tf);
        sb.configure(&mut wd);
        let ours = block
            .replace(example_app, app)
            .replace("Segment (production)", "Segment (env-1)");
        wd.config(&format!("provider \"conductorone\" {{}}\n\n{ours}"));
        let target = format!("{app}/{id}");
        let args: Vec<&str> = command[1..3]
            .iter()
            .copied()
            .chain([target.as_str()])
            .collect();
        assert_eq!(command[3], format!("{example_app}/{example_id}"));
        wd.run(&args).success();
        crate::segment_integration::plan_is_empty(&wd);
    });
}
