//! The acceptance harness: real Terraform binaries driving the provider built
//! by cargo, in the manner of HashiCorp's terraform-plugin-testing.
//!
//! The Terraform matrix is the `terraform` on PATH (when present), those
//! `make test` installs under `.tools/` (1.6.6, 1.10.5, 1.15.5), and
//! `TF_ACC_TERRAFORM_PATH` (which adds a binary, or replaces the one of the
//! same version). No Terraform at all fails every acceptance test; so does a
//! missing version listed in `TF_ACC_REQUIRE` (CI requires all four).
//! [`each_terraform`] runs a test under every Terraform of 1.11 and later
//! (write-only attributes, which most tests use); [`each_terraform_from`]
//! under every one from an older version on (the core subset).

#![allow(dead_code)]

use std::io::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The provider binary cargo built for these tests.
pub fn provider_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-conductorone"))
}

/// The sandbox binary cargo built beside the provider (`cargo test
/// --workspace`, as `make test` runs, builds it).
pub fn sandbox_binary() -> PathBuf {
    let bin = provider_binary().with_file_name("conductorone-sandbox");
    assert!(
        bin.is_file(),
        "{} is missing: run the tests with `cargo test --workspace` (make test), which builds it",
        bin.display()
    );
    bin
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[derive(Clone, Debug)]
pub struct Terraform {
    pub path: PathBuf,
    pub version: String,
}

impl Terraform {
    /// The version's numbers, for ordering.
    pub fn numbers(&self) -> Vec<u32> {
        self.version
            .split('.')
            .map(|p| p.parse::<u32>().unwrap_or(0))
            .collect()
    }

    /// True when this Terraform is at least `major.minor`.
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        let n = self.numbers();
        let (ma, mi) = (
            n.first().copied().unwrap_or(0),
            n.get(1).copied().unwrap_or(0),
        );
        (ma, mi) >= (major, minor)
    }
}

fn detect_version(path: &Path) -> Option<String> {
    let out = Command::new(path)
        .args(["version", "-json"])
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .ok()?;
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    j.get("terraform_version")?.as_str().map(str::to_string)
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|c| c.is_file())
    })
}

/// Every Terraform the acceptance tests run against. Panics, loudly, when
/// there is none or a required version is missing.
pub fn matrix() -> &'static [Terraform] {
    static MATRIX: OnceLock<Result<Vec<Terraform>, String>> = OnceLock::new();
    let m = MATRIX.get_or_init(|| {
        let mut found: Vec<Terraform> = Vec::new();
        let mut add = |path: PathBuf, replace: bool| {
            let Some(version) = detect_version(&path) else { return Err(format!("{} does not run as terraform", path.display())) };
            if let Some(existing) = found.iter_mut().find(|t| t.version == version) {
                if replace {
                    *existing = Terraform { path, version };
                }
            } else {
                found.push(Terraform { path, version });
            }
            Ok(())
        };
        if let Some(p) = find_on_path("terraform") {
            add(p, false)?;
        }
        let tools = std::fs::read_dir(repo_root().join(".tools")).into_iter().flatten();
        let mut local: Vec<PathBuf> = tools
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("terraform-"))
            .map(|e| e.path().join("terraform"))
            .filter(|p| p.is_file())
            .collect();
        local.sort();
        for p in local {
            add(p, false)?;
        }
        if let Some(extra) = std::env::var_os("TF_ACC_TERRAFORM_PATH").filter(|v| !v.is_empty()) {
            add(PathBuf::from(extra), true)?;
        }
        if found.is_empty() {
            return Err("no Terraform found: put terraform on PATH, run `make test` (which installs Terraform 1.6.6, \
                        1.10.5 and 1.15.5 under .tools/), or set TF_ACC_TERRAFORM_PATH"
                .to_string());
        }
        if let Ok(required) = std::env::var("TF_ACC_REQUIRE") {
            for v in required.split(',').map(str::trim).filter(|v| !v.is_empty()) {
                if !found.iter().any(|t| t.version == v) {
                    let have: Vec<&str> = found.iter().map(|t| t.version.as_str()).collect();
                    return Err(format!("TF_ACC_REQUIRE wants Terraform {v}, but the matrix has only {have:?}"));
                }
            }
        }
        found.sort_by_key(|t| t.numbers());
        Ok(found)
    });
    match m {
        Ok(v) => v,
        Err(e) => panic!("acceptance tests cannot run: {e}"),
    }
}

/// Runs `test` once per Terraform of the matrix from 1.11 on (write-only
/// attributes); all versions run even if one fails, and the failure names
/// the versions that failed.
pub fn each_terraform(test: impl Fn(&Terraform)) {
    each_terraform_from(1, 11, test);
}

/// Runs `test` once per Terraform of the matrix at least `major.minor`.
pub fn each_terraform_from(major: u32, minor: u32, test: impl Fn(&Terraform)) {
    let mut failed = Vec::new();
    for tf in matrix().iter().filter(|t| t.at_least(major, minor)) {
        eprintln!("--- terraform {} ({})", tf.version, tf.path.display());
        if catch_unwind(AssertUnwindSafe(|| test(tf))).is_err() {
            failed.push(tf.version.clone());
        }
    }
    assert!(failed.is_empty(), "failed under Terraform {failed:?}");
}

/// Points `wd` at a wrapper of the provider that records each start in the
/// file it returns (one line per provider process).
pub fn count_provider_starts(wd: &WorkDir) -> PathBuf {
    let bin = provider_binary();
    let wrap_dir = wd.path().join("wrapped");
    std::fs::create_dir_all(&wrap_dir).expect("wrapper dir");
    let count_file = wd.path().join("starts");
    let wrapper = wrap_dir.join("terraform-provider-conductorone");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho start >> '{}'\nexec '{}' \"$@\"\n",
            count_file.display(),
            bin.display()
        ),
    )
    .expect("write wrapper");
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod wrapper");
    wd.use_provider_dir(&wrap_dir);
    count_file
}

/// Sends `signal` (`INT`, `KILL`) to the process group `child` leads.
pub fn signal_group(child: &std::process::Child, signal: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{signal}"), "--", &format!("-{}", child.id())])
        .status()
        .expect("kill")
        .success();
    assert!(ok, "kill -{signal} of group {}", child.id());
}

/// Waits until `cond` holds, polling every 20 ms, for at most `limit`.
pub fn wait_until(what: &str, limit: std::time::Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < limit, "waited {limit:?} for {what}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The output of one Terraform command.
#[derive(Debug)]
pub struct Output {
    pub args: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Output {
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
    #[track_caller]
    pub fn success(&self) -> &Self {
        assert_eq!(
            self.code,
            0,
            "terraform {:?} failed:\n{}",
            self.args,
            self.all()
        );
        self
    }
    #[track_caller]
    pub fn failure(&self) -> &Self {
        assert_ne!(
            self.code,
            0,
            "terraform {:?} should have failed:\n{}",
            self.args,
            self.all()
        );
        self
    }
    /// Asserts the output contains `needle`, ignoring how Terraform wrapped lines.
    #[track_caller]
    pub fn contains(&self, needle: &str) -> &Self {
        assert!(
            squash(&self.all()).contains(&squash(needle)),
            "output of terraform {:?} lacks {needle:?}:\n{}",
            self.args,
            self.all()
        );
        self
    }
}

/// Collapses every run of whitespace to one space.
pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A Terraform working directory with a CLI config whose `dev_overrides`
/// point `seed/conductorone` at the provider under test.
pub struct WorkDir {
    pub dir: tempfile::TempDir,
    pub tf: Terraform,
    cli_config: PathBuf,
    env: Vec<(String, String)>,
}

/// Variables that must not leak from the developer's shell into a test.
pub const SCRUBBED_ENV: &[&str] = &[
    "TF_CLI_CONFIG_FILE",
    "TF_LOG",
    "TF_LOG_PROVIDER",
    "TF_LOG_CORE",
    "TF_LOG_PATH",
    "TF_REATTACH_PROVIDERS",
    "TF_CLI_ARGS",
    "TF_WORKSPACE",
    "TF_DATA_DIR",
    "CONDUCTORONE_SERVER_URL",
    "CONDUCTORONE_CLIENT_ID",
    "CONDUCTORONE_CLIENT_SECRET",
    "CONDUCTORONE_ACCESS_TOKEN",
    "CONDUCTORONE_OIDC_TOKEN",
    "TFC_WORKLOAD_IDENTITY_TOKEN",
    "TFC_WORKLOAD_IDENTITY_TOKEN_CONDUCTORONE",
    "TFC_WORKLOAD_IDENTITY_TOKEN_C1",
    "SEGMENT_API_URL",
    "SEGMENT_ACCESS_TOKEN",
];

impl WorkDir {
    pub fn new(tf: &Terraform) -> WorkDir {
        let dir = tempfile::Builder::new()
            .prefix("tfacc")
            .tempdir()
            .expect("temp dir");
        let cli_config = dir.path().join(".terraformrc");
        let provider_dir = provider_binary()
            .parent()
            .expect("binary dir")
            .to_path_buf();
        std::fs::write(
            &cli_config,
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"seed/conductorone\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
                provider_dir.display()
            ),
        )
        .expect("write CLI config");
        WorkDir {
            dir,
            tf: tf.clone(),
            cli_config,
            env: Vec::new(),
        }
    }

    /// A working directory with a plain CLI config (no overrides), for
    /// reattach and install tests.
    pub fn without_overrides(tf: &Terraform) -> WorkDir {
        let wd = WorkDir::new(tf);
        std::fs::write(&wd.cli_config, "").expect("write CLI config");
        wd
    }

    /// Replaces the CLI configuration.
    pub fn set_cli_config(&self, text: &str) {
        std::fs::write(&self.cli_config, text).expect("write CLI config");
    }

    /// Points `dev_overrides` at another directory holding a
    /// `terraform-provider-conductorone` (such as a wrapper).
    pub fn use_provider_dir(&self, dir: &Path) {
        std::fs::write(
            &self.cli_config,
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"seed/conductorone\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
                dir.display()
            ),
        )
        .expect("write CLI config");
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn setenv(&mut self, k: &str, v: &str) -> &mut Self {
        self.env.push((k.to_string(), v.to_string()));
        self
    }

    /// Writes `main.tf` with the provider requirement and `body`.
    pub fn config(&self, body: &str) -> &Self {
        self.write("main.tf", &format!("{}\n{body}", required_providers()));
        self
    }

    pub fn write(&self, name: &str, content: &str) {
        std::fs::write(self.dir.path().join(name), content).expect("write file");
    }

    /// Terraform with `args`, in this directory, with its environment.
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.tf.path);
        cmd.args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        for k in SCRUBBED_ENV {
            cmd.env_remove(k);
        }
        cmd.env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Starts Terraform in a process group of its own (so that a signal can
    /// reach it and its provider, as a terminal's or a CI runner's does);
    /// its output goes to `<name>.log` in the directory.
    pub fn spawn(&self, args: &[&str], name: &str) -> std::process::Child {
        use std::os::unix::process::CommandExt as _;
        let log = std::fs::File::create(self.dir.path().join(format!("{name}.log"))).expect("log");
        let err = log.try_clone().expect("log");
        self.command(args)
            .stdout(log)
            .stderr(err)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.tf.path.display()))
    }

    /// What a spawned Terraform wrote.
    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("{name}.log"))).unwrap_or_default()
    }

    /// A bash script in this directory, with the same environment as
    /// `run`, this Terraform first on PATH, and `path` before it.
    pub fn shell(&self, script: &str, path: &[&Path]) -> Output {
        let terraform = self.command(&[]);
        let tf_dir = self.tf.path.parent().expect("terraform's directory");
        let mut dirs: Vec<PathBuf> = path.iter().map(|p| p.to_path_buf()).collect();
        dirs.push(tf_dir.to_path_buf());
        dirs.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        let mut bash = Command::new("bash");
        bash.args(["-eo", "pipefail", "-c", script])
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        for (k, v) in terraform.get_envs() {
            match v {
                Some(v) => bash.env(k, v),
                None => bash.env_remove(k),
            };
        }
        bash.env("PATH", std::env::join_paths(dirs).expect("PATH"));
        self.output_of(bash, &["bash", script])
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let cmd = self.command(args);
        self.output_of(cmd, args)
    }

    fn output_of(&self, mut cmd: Command, args: &[&str]) -> Output {
        let start = Instant::now();
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.tf.path.display()));
        let o = Output {
            args: args.iter().map(|a| a.to_string()).collect(),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            elapsed: start.elapsed(),
        };
        if std::env::var_os("TF_ACC_VERBOSE").is_some() {
            let _ = writeln!(
                std::io::stderr(),
                "$ terraform {}\n{}",
                args.join(" "),
                o.all()
            );
        }
        o
    }
}

pub fn required_providers() -> &'static str {
    "terraform {\n  required_providers {\n    conductorone = {\n      source = \"seed/conductorone\"\n    }\n  }\n}\n"
}

/// A listener on 127.0.0.2 (loopback, another host) that counts the
/// connections made to it and answers none: where a redirect points, to
/// prove that nothing went there.
pub fn trap() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.2:0").expect("bind 127.0.0.2");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let hits = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(conn);
        }
    });
    (url, hits)
}

/// The provider's peak memory in a run with `TF_LOG_PROVIDER=debug` (the
/// largest `max_rss_kib` of its processes' exit lines), in KiB.
#[track_caller]
pub fn provider_peak_kib(out: &Output) -> u64 {
    let rss: Vec<u64> = out
        .stderr
        .lines()
        .filter(|l| l.contains("plugin process exiting"))
        .filter_map(|l| l.split("max_rss_kib=").nth(1))
        .filter_map(|v| v.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
        .collect();
    assert!(!rss.is_empty(), "no exit line:\n{}", out.stderr);
    rss.iter().max().copied().unwrap_or(0)
}
