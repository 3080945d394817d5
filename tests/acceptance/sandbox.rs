//! The ConductorOne + Segment sandbox, started for acceptance tests in strict
//! mode (requests checked against the vendors' specs in ../shared/specs).

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use crate::harness::{provider_binary, repo_root, WorkDir};

/// The sandbox binary beside the provider's, built if `cargo test` did not.
pub fn sandbox_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let bin = provider_binary().with_file_name("conductorone-sandbox");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args([
                "build",
                "-p",
                "conductorone-sandbox",
                "--bin",
                "conductorone-sandbox",
            ])
            .current_dir(repo_root())
            .status()
            .expect("run cargo build for the sandbox");
        assert!(status.success(), "building the sandbox failed");
        assert!(bin.is_file(), "no sandbox binary at {}", bin.display());
        bin
    })
    .clone()
}

pub fn spec_dir() -> PathBuf {
    let dir = repo_root().join("../shared/specs");
    assert!(
        dir.is_dir(),
        "the vendors' specs are not at {} (../shared beside the repository)",
        dir.display()
    );
    dir
}

pub struct Sandbox {
    child: Child,
    pub env: HashMap<String, String>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sandbox {
    pub fn start(args: &[&str]) -> Sandbox {
        let mut child = Command::new(sandbox_binary())
            .args(["--strict", "--spec-dir"])
            .arg(spec_dir())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the sandbox");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut env = HashMap::new();
        while env.len() < 8 {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap_or(0) == 0 {
                panic!("the sandbox exited early");
            }
            if let Some((k, v)) = line.trim().split_once('=') {
                env.insert(k.to_string(), v.to_string());
            }
        }
        std::thread::spawn(move || {
            let mut sink = String::new();
            while out.read_line(&mut sink).unwrap_or(0) > 0 {
                sink.clear();
            }
        });
        Sandbox { child, env }
    }

    pub fn var(&self, k: &str) -> &str {
        self.env.get(k).map_or("", String::as_str)
    }

    pub fn url(&self) -> &str {
        self.var("CONDUCTORONE_SERVER_URL")
    }

    /// Points a working directory's Terraform at the sandbox (owner token).
    pub fn configure(&self, wd: &mut WorkDir) {
        for k in [
            "CONDUCTORONE_SERVER_URL",
            "CONDUCTORONE_CLIENT_ID",
            "CONDUCTORONE_CLIENT_SECRET",
            "SEGMENT_API_URL",
            "SEGMENT_ACCESS_TOKEN",
        ] {
            wd.setenv(k, self.var(k));
        }
    }

    fn get(&self, path: &str) -> serde_json::Value {
        let url = format!("{}{path}", self.url());
        block_on(async move {
            let r = reqwest::get(&url).await.expect("GET");
            assert!(r.status().is_success(), "GET {url}: {}", r.status());
            r.json().await.expect("JSON")
        })
    }

    pub fn state(&self) -> serde_json::Value {
        self.get("/__sandbox/state?segment=full")
    }

    pub fn requests(&self) -> Vec<serde_json::Value> {
        self.get("/__sandbox/requests")["requests"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub fn fault(&self, fault: &serde_json::Value) {
        let url = format!("{}/__sandbox/faults", self.url());
        let body = fault.clone();
        block_on(async move {
            let r = reqwest::Client::new()
                .post(&url)
                .json(&body)
                .send()
                .await
                .expect("POST");
            assert_eq!(r.status(), 201, "fault refused");
        });
    }
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}
