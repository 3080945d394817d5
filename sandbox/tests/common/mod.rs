//! Starts the sandbox binary for a test and talks to it.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use base64::Engine as _;
use serde_json::{json, Value};

pub struct Sandbox {
    child: Child,
    pub env: HashMap<String, String>,
    pub http: reqwest::Client,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The vendors' specs, beside the repository as in CI.
pub fn spec_dir() -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/specs"));
    assert!(
        dir.join("conductorone-openapi.yaml").is_file() && dir.join("segment-public-api-openapi.v36.json").is_file(),
        "the vendors' OpenAPI specs are not at {} (../shared/specs beside the repository); the sandbox tests need them",
        dir.display()
    );
    dir
}

/// Starts the sandbox in strict mode (every request checked against the specs).
pub fn start(args: &[&str]) -> Sandbox {
    start_with(
        Command::new(env!("CARGO_BIN_EXE_conductorone-sandbox")),
        args,
    )
}

/// [`start`] through `cmd`: the sandbox binary, or a wrapper that ends in it.
pub fn start_with(mut cmd: Command, args: &[&str]) -> Sandbox {
    let specs = spec_dir();
    let mut child = cmd
        .args([
            "--strict",
            "--spec-dir",
            specs.to_str().expect("utf-8 path"),
        ])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start sandbox");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut env = HashMap::new();
    // The environment lines end with the workload federation client's.
    while !env.contains_key("CONDUCTORONE_SANDBOX_WFE_CLIENT_ID") {
        let mut line = String::new();
        if out.read_line(&mut line).expect("read") == 0 {
            panic!("sandbox exited early; got {env:?}");
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
    Sandbox {
        child,
        env,
        http: reqwest::Client::new(),
    }
}

impl Sandbox {
    pub fn var(&self, k: &str) -> &str {
        self.env.get(k).unwrap_or_else(|| panic!("no {k}"))
    }

    pub fn base(&self) -> &str {
        self.var("CONDUCTORONE_SERVER_URL")
    }

    pub fn segment(&self, path: &str) -> String {
        format!("{}{path}", self.var("SEGMENT_API_URL"))
    }

    /// GET a Segment path with a token; returns status, headers and JSON.
    pub async fn seg_get(
        &self,
        path: &str,
        token: &str,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let r = self
            .http
            .get(self.segment(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let body = r.json::<Value>().await.unwrap_or(Value::Null);
        (status, headers, body)
    }

    pub async fn token_with_secret(&self) -> String {
        self.token_of("CONDUCTORONE_CLIENT_ID", "CONDUCTORONE_CLIENT_SECRET")
            .await
    }

    /// An access token of the sandbox's read-only client.
    pub async fn readonly_token(&self) -> String {
        self.token_of(
            "CONDUCTORONE_READONLY_CLIENT_ID",
            "CONDUCTORONE_READONLY_CLIENT_SECRET",
        )
        .await
    }

    async fn token_of(&self, id: &str, secret: &str) -> String {
        let r = self
            .http
            .post(format!("{}/auth/v1/token", self.base()))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.var(id)),
                ("client_secret", self.var(secret)),
            ])
            .send()
            .await
            .expect("token");
        assert_eq!(r.status(), 200);
        r.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Calls the ConductorOne API; returns status and JSON.
    pub async fn c1(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.base());
        let mut req = match method {
            "GET" => self.http.get(url),
            "POST" => self.http.post(url),
            "DELETE" => self.http.delete(url),
            other => panic!("method {other}"),
        };
        req = req.bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.expect("request");
        let status = r.status().as_u16();
        (status, r.json::<Value>().await.unwrap_or(Value::Null))
    }

    /// Calls the ConductorOne API with an empty JSON object as the body (its
    /// operations that take no arguments: delete, force sync, pause, resume).
    pub async fn c1_empty(&self, method: &str, path: &str, token: &str) -> (u16, Value) {
        self.c1(method, path, token, Some(json!({}))).await
    }

    pub async fn state(&self) -> Value {
        self.http
            .get(format!("{}/__sandbox/state", self.base()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn requests(&self) -> Vec<Value> {
        let v: Value = self
            .http
            .get(format!("{}/__sandbox/requests", self.base()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["requests"].as_array().cloned().unwrap_or_default()
    }

    pub async fn fault(&self, f: Value) {
        let r = self
            .http
            .post(format!("{}/__sandbox/faults", self.base()))
            .json(&f)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "fault accepted");
    }

    pub async fn clear_faults(&self) {
        let r = self
            .http
            .delete(format!("{}/__sandbox/faults", self.base()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "faults cleared");
    }
}

/// The Ed25519 key of a `secret-token:conductorone.com:v1:` client secret.
pub fn key_of_secret(secret: &str) -> aws_lc_rs::signature::Ed25519KeyPair {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let jwk = secret
        .strip_prefix("secret-token:conductorone.com:v1:")
        .expect("secret format");
    let jwk: Value = serde_json::from_slice(&b64.decode(jwk).expect("b64")).expect("jwk json");
    let d = b64.decode(jwk["d"].as_str().unwrap()).unwrap();
    let x = b64.decode(jwk["x"].as_str().unwrap()).unwrap();
    aws_lc_rs::signature::Ed25519KeyPair::from_seed_and_public_key(&d, &x).expect("key")
}

/// A compact EdDSA JWS with the given claims.
pub fn jwt(key: &aws_lc_rs::signature::Ed25519KeyPair, claims: &Value) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = b64.encode(json!({"alg": "EdDSA", "typ": "JWT", "nonce": "abc"}).to_string());
    let payload = b64.encode(claims.to_string());
    let input = format!("{header}.{payload}");
    let sig = key.sign(input.as_bytes());
    format!("{input}.{}", b64.encode(sig.as_ref()))
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Polls `check` every 20 ms until it gives a value; fails after 10 s
/// naming `what`. For waits on the sandbox's clock (syncs, token expiry).
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = std::time::Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "waited 10 s for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
