//! The ConductorOne + Segment sandbox, started for acceptance tests in strict
//! mode (requests checked against the vendors' specs in ../shared/specs).

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;

use crate::harness::{repo_root, WorkDir};

pub fn spec_dir() -> PathBuf {
    let dir = repo_root().join("../shared/specs");
    assert!(
        dir.is_dir(),
        "the vendors' specs are not at {} (../shared beside the repository)",
        dir.display()
    );
    dir
}

/// A sandbox running in this test process, on its own thread and runtime,
/// stopped when dropped.
pub struct Sandbox {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    process: Option<std::process::Child>,
    pub env: HashMap<String, String>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(mut p) = self.process.take() {
            let _ = p.kill();
            let _ = p.wait();
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Sandbox {
    pub fn start(args: &[&str]) -> Sandbox {
        use clap::Parser as _;
        let spec = spec_dir();
        let mut argv = vec![
            "conductorone-sandbox".to_string(),
            "--strict".into(),
            "--spec-dir".into(),
        ];
        argv.push(spec.to_str().expect("utf-8 path").to_string());
        argv.extend(args.iter().map(|a| a.to_string()));
        let config = conductorone_sandbox::Config::try_parse_from(argv).expect("sandbox arguments");
        let sb = conductorone_sandbox::Sandbox::new(config).expect("sandbox");
        let (env_tx, env_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = conductorone_sandbox::listen(&sb)
                    .await
                    .expect("sandbox listens");
                let _ = env_tx.send(sb.env_lines());
                let _ = conductorone_sandbox::serve(sb, listener, async {
                    let _ = stop_rx.await;
                })
                .await;
            });
        });
        let env = parse_env(&env_rx.recv().expect("sandbox started"));
        Sandbox {
            stop: Some(stop_tx),
            thread: Some(thread),
            process: None,
            env,
        }
    }

    /// A sandbox binary run as users run it (`cmd`, which must write its
    /// env lines to `env_file`), stopped when dropped.
    pub fn spawn(mut cmd: std::process::Command, env_file: &std::path::Path) -> Sandbox {
        let mut child = cmd
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the sandbox {cmd:?}: {e}"));
        let started = std::time::Instant::now();
        while !env_file.exists() {
            if let Some(status) = child.try_wait().expect("wait") {
                panic!("the sandbox {cmd:?} exited: {status}");
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(120),
                "the sandbox {cmd:?} wrote no {} in 120 s",
                env_file.display()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let env = parse_env(&std::fs::read_to_string(env_file).expect("env file"));
        Sandbox {
            stop: None,
            thread: None,
            process: Some(child),
            env,
        }
    }

    /// A variable of the sandbox's environment; a key it does not write is
    /// a test bug (it could point the provider at the real services).
    pub fn var(&self, k: &str) -> &str {
        self.env
            .get(k)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("the sandbox writes no {k}"))
    }

    /// The ID of the sandbox's enabled user who holds no role.
    pub fn member_id(&self) -> String {
        self.state()["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == "member@sandbox.example.com")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub fn url(&self) -> &str {
        self.var("CONDUCTORONE_SERVER_URL")
    }

    /// examples/quickstart in `wd`, pointed at the sandbox: its token and
    /// the admin as owner in the quickstart's variables.
    pub fn write_quickstart(&self, wd: &mut WorkDir) {
        self.configure(wd);
        wd.setenv(
            "TF_VAR_segment_access_token",
            self.var("SEGMENT_ACCESS_TOKEN"),
        );
        let owners = format!("[\"{}\"]", self.var("CONDUCTORONE_SANDBOX_ADMIN_USER_ID"));
        wd.setenv("TF_VAR_owner_ids", &owners);
        let main =
            std::fs::read_to_string(repo_root().join("examples/quickstart/main.tf")).unwrap();
        wd.write("main.tf", &main);
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
        self.post("/__sandbox/faults", fault, 201);
    }

    /// POSTs `body` to a sandbox control, expecting `status`.
    fn post(&self, path: &str, body: &serde_json::Value, status: u16) {
        let url = format!("{}{path}", self.url());
        let body = body.clone();
        block_on(async move {
            let r = reqwest::Client::new()
                .post(&url)
                .json(&body)
                .send()
                .await
                .expect("POST");
            let got = r.status();
            let why = r.text().await.unwrap_or_default();
            assert_eq!(got, status, "POST {url} {body} refused: {why}");
        });
    }
}

impl Sandbox {
    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.delete("/__sandbox/requests");
    }

    /// Makes Segment refuse `token` (`POST /__sandbox/segment/revoke`).
    pub fn revoke_segment_token(&self, token: &str) {
        let body = serde_json::json!({ "token": token });
        self.post("/__sandbox/segment/revoke", &body, 200);
    }

    /// Waits until the connector's sync has ended (not RUNNING, not yet to
    /// start); returns the connector.
    pub fn sync_ended(&self, id: &str) -> serde_json::Value {
        let mut found = serde_json::Value::Null;
        crate::harness::wait_until(
            "the sync to end",
            std::time::Duration::from_secs(30),
            || {
                found = self
                    .connectors()
                    .into_iter()
                    .find(|c| c["id"] == id)
                    .unwrap_or_default();
                let st = found["status"]["status"].as_str().unwrap_or("");
                !matches!(st, "SYNC_STATUS_RUNNING" | "SYNC_STATUS_UNSPECIFIED" | "")
            },
        );
        found
    }

    /// Drops every fault not yet used up.
    pub fn clear_faults(&self) {
        self.delete("/__sandbox/faults");
    }

    fn delete(&self, path: &str) {
        let url = format!("{}{path}", self.url());
        block_on(async move {
            let r = reqwest::Client::new()
                .delete(&url)
                .send()
                .await
                .expect("DELETE");
            assert!(r.status().is_success(), "DELETE {url}: {}", r.status());
        });
    }

    /// A ConductorOne client with the sandbox's credentials, for doing by
    /// hand what users do outside Terraform.
    pub fn c1(&self) -> terraform_provider_conductorone::conductorone::C1Client {
        use terraform_provider_conductorone::conductorone::Credentials;
        use terraform_provider_conductorone::http::Transport;
        use terraform_provider_conductorone::secret::Secret;
        let auth = Credentials::ClientCredentials {
            server_url: url::Url::parse(self.url()).expect("sandbox URL"),
            client_id: self.var("CONDUCTORONE_CLIENT_ID").to_string(),
            client_secret: Secret::new(self.var("CONDUCTORONE_CLIENT_SECRET").to_string()),
        };
        terraform_provider_conductorone::conductorone::C1Client::new(
            Transport::new().unwrap(),
            &auth,
        )
        .expect("client")
    }

    /// The sandbox's connectors.
    pub fn connectors(&self) -> Vec<serde_json::Value> {
        self.state()["connectors"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The sandbox's apps.
    pub fn apps(&self) -> Vec<serde_json::Value> {
        self.state()["apps"].as_array().cloned().unwrap_or_default()
    }
}

/// The sandbox's `KEY=value` env lines.
fn parse_env(lines: &str) -> HashMap<String, String> {
    lines
        .lines()
        .filter_map(|l| {
            l.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

pub fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}
