//! `/__sandbox` controls, the env file, latency and --state-file.

mod common;

use std::time::{Duration, Instant};

use common::start;
use serde_json::{json, Value};

#[test]
fn help_documents_every_flag() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_conductorone-sandbox"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--listen",
        "--env-file",
        "--seed",
        "--token-ttl",
        "--sync-delay",
        "--segment-groups",
        "--segment-roles",
        "--segment-users",
        "--segment-rate-limit",
        "--segment-owner-tokens",
        "--latency-ms",
        "--latency-jitter-ms",
        "--state-file",
        "--c1-apps",
        "--c1-segment-connectors",
        "--c1-other-connectors",
        "--c1-idp-segment-app",
        "--c1-update-masks",
        "--c1-catalog-token-field",
        "--c1-connector-default-name",
        "--c1-introspect-no-user",
        "--c1-app-update-masks",
        "--segment-member-reads-roles",
        "--segment-429-body-only",
        "--segment-redirect-to",
        "--segment-no-groups-plan",
    ] {
        let lines: Vec<&str> = help.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.trim_start().starts_with(flag))
            .unwrap_or_else(|| panic!("{flag} missing:\n{help}"));
        // clap puts the description beside the flag, or on the next line.
        let described = format!("{} {}", lines[at], lines.get(at + 1).unwrap_or(&""));
        assert!(
            described.len() > flag.len() + 40,
            "{flag} has a description: {described}"
        );
    }
}

#[tokio::test]
async fn env_file_holds_every_variable() {
    let dir = tempfile_dir();
    let path = dir.join("sandbox.env");
    let sb = start(&["--env-file", path.to_str().unwrap()]);
    let text = std::fs::read_to_string(&path).unwrap();
    for k in [
        "CONDUCTORONE_SERVER_URL",
        "CONDUCTORONE_CLIENT_ID",
        "CONDUCTORONE_CLIENT_SECRET",
        "CONDUCTORONE_READONLY_CLIENT_ID",
        "CONDUCTORONE_READONLY_CLIENT_SECRET",
        "SEGMENT_API_URL",
        "SEGMENT_ACCESS_TOKEN",
        "SEGMENT_MEMBER_TOKEN",
        "SEGMENT_REVOKED_TOKEN",
        "CONDUCTORONE_SANDBOX_ADMIN_USER_ID",
        "CONDUCTORONE_SANDBOX_MEMBER_USER_ID",
        "CONDUCTORONE_SANDBOX_DISABLED_USER_ID",
        "CONDUCTORONE_SANDBOX_WFE_CLIENT_ID",
    ] {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("{k}=")))
            .unwrap_or_else(|| panic!("{k} missing"));
        assert_eq!(line, format!("{k}={}", sb.var(k)));
    }
    assert!(sb
        .var("CONDUCTORONE_CLIENT_SECRET")
        .starts_with("secret-token:conductorone.com:v1:"));
    assert!(sb.var("SEGMENT_API_URL").ends_with("/segment"));
    let _ = std::fs::remove_dir_all(dir);
}

/// A fresh directory of this test's own (tests run in parallel).
fn tempfile_dir() -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("sbx-{}-{}-{n}", std::process::id(), common::now()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[tokio::test]
async fn request_log_redacts_every_secret() {
    let sb = start(&[]);
    let t = sb.token_with_secret().await;
    let owner = sb.var("SEGMENT_ACCESS_TOKEN").to_string();
    // A careless client putting secrets in the query string.
    let _ = sb
        .http
        .get(sb.segment(&format!("/roles?token={owner}&at={t}")))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    let _ = sb.c1("GET", "/api/v1/apps", &t, None).await;
    let log = sb.requests().await;
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains(&owner) && !text.contains(&t), "{text}");
    assert!(text.contains("REDACTED"));
    let entry = log
        .iter()
        .find(|e| e["path"].as_str().unwrap().starts_with("/segment/roles"))
        .unwrap();
    assert_eq!(entry["method"], "GET");
    assert_eq!(
        entry["status"], 400,
        "strict mode refuses the unknown query parameters"
    );
    assert!(log
        .iter()
        .any(|e| e["path"] == "/auth/v1/token" && e["status"] == 200));
}

#[tokio::test]
async fn faults_fail_or_hang_the_next_matching_requests() {
    let sb = start(&[]);
    let owner = sb.var("SEGMENT_ACCESS_TOKEN").to_string();
    sb.fault(json!({ "method": "GET", "path": "/segment/groups*", "count": 2, "status": 429, "retry_after": 1 })).await;
    for _ in 0..2 {
        let (s, h, body) = sb.seg_get("/groups", &owner).await;
        assert_eq!(s, 429);
        assert_eq!(h["retry-after"], "1");
        assert!(body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("fault injected"));
    }
    let (s, _, _) = sb.seg_get("/groups", &owner).await;
    assert_eq!(s, 200, "only the next two");

    let t = sb.token_with_secret().await;
    sb.fault(json!({ "path": "/api/v1/apps", "status": 503 }))
        .await;
    let (s, body) = sb.c1("GET", "/api/v1/apps", &t, None).await;
    assert_eq!((s, body["code"].as_i64()), (503, Some(14)));

    sb.fault(json!({ "method": "GET", "path": "/segment/roles", "hang_ms": 400 }))
        .await;
    let start_t = Instant::now();
    let (s, _, _) = sb.seg_get("/roles", &owner).await;
    assert_eq!(s, 200);
    assert!(start_t.elapsed() >= Duration::from_millis(400));

    let r = sb
        .http
        .post(format!("{}/__sandbox/faults", sb.base()))
        .json(&json!({ "path": "/x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "a fault needs a status or a hang");
}

/// Faults that carry a request out and then lose its answer: replaced by a
/// status, reset, or hung; each leaves the app made.
#[tokio::test]
async fn committed_faults_act_then_lose_the_answer() {
    let sb = start(&[]);
    let t = sb.token_with_secret().await;
    let apps = |v: &Value| v["apps"].as_array().map_or(0, Vec::len);
    let before = apps(&sb.state().await);

    sb.fault(json!({ "method": "POST", "path": "/api/v1/apps", "status": 503, "commit": true }))
        .await;
    let (s, body) = sb
        .c1(
            "POST",
            "/api/v1/apps",
            &t,
            Some(json!({ "displayName": "a" })),
        )
        .await;
    assert_eq!(s, 503);
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("fault injected by the sandbox (503)"));
    assert_eq!(
        apps(&sb.state().await),
        before + 1,
        "made, though the answer said 503"
    );

    sb.fault(json!({ "method": "POST", "path": "/api/v1/apps", "reset": true, "commit": true }))
        .await;
    let r = sb
        .http
        .post(format!("{}/api/v1/apps", sb.base()))
        .bearer_auth(&t)
        .json(&json!({ "displayName": "b" }))
        .send()
        .await;
    let lost = match r {
        Err(_) => true,
        Ok(resp) => resp.bytes().await.is_err(),
    };
    assert!(lost, "the connection is reset before a whole answer");
    assert_eq!(apps(&sb.state().await), before + 2, "made, though reset");

    sb.fault(json!({ "method": "POST", "path": "/api/v1/apps", "hang_ms": 2000, "commit": true }))
        .await;
    let quick = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let r = quick
        .post(format!("{}/api/v1/apps", sb.base()))
        .bearer_auth(&t)
        .json(&json!({ "displayName": "c" }))
        .send()
        .await;
    assert!(
        r.is_err_and(|e| e.is_timeout()),
        "the client gives up first"
    );
    assert_eq!(apps(&sb.state().await), before + 3, "made before the hang");

    sb.fault(json!({ "method": "POST", "path": "/api/v1/apps", "reset": true }))
        .await;
    let r = sb
        .http
        .post(format!("{}/api/v1/apps", sb.base()))
        .bearer_auth(&t)
        .json(&json!({ "displayName": "d" }))
        .send()
        .await;
    assert!(r.is_err() || r.unwrap().bytes().await.is_err());
    assert_eq!(
        apps(&sb.state().await),
        before + 3,
        "a reset without commit makes nothing"
    );

    sb.fault(json!({ "path": "/api/v1/apps", "status": 500, "count": 5 }))
        .await;
    let cleared = sb
        .http
        .delete(format!("{}/__sandbox/faults", sb.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.json::<Value>().await.unwrap()["cleared"], 1);
    let (s, _) = sb.c1("GET", "/api/v1/apps", &t, None).await;
    assert_eq!(s, 200, "cleared faults no longer fire");
}

#[tokio::test]
async fn latency_applies_to_api_requests_only() {
    let sb = start(&["--latency-ms", "150"]);
    let owner = sb.var("SEGMENT_ACCESS_TOKEN").to_string();
    let t0 = Instant::now();
    let (s, _, _) = sb.seg_get("/", &owner).await;
    assert_eq!(s, 200);
    assert!(t0.elapsed() >= Duration::from_millis(150));
    let t0 = Instant::now();
    let _ = sb.state().await;
    assert!(
        t0.elapsed() < Duration::from_millis(150),
        "controls are not delayed"
    );
}

#[tokio::test]
async fn state_file_survives_a_restart() {
    let dir = tempfile_dir();
    let path = dir.join("state.json");
    let p = path.to_str().unwrap();
    let (app_id, token, secret) = {
        let sb = start(&["--state-file", p]);
        let t = sb.token_with_secret().await;
        let (_, body) = sb
            .c1(
                "POST",
                "/api/v1/apps",
                &t,
                Some(json!({ "displayName": "Kept" })),
            )
            .await;
        (
            body["app"]["id"].as_str().unwrap().to_string(),
            t,
            sb.var("CONDUCTORONE_CLIENT_SECRET").to_string(),
        )
    };
    let sb = start(&["--state-file", p]);
    assert_eq!(
        sb.var("CONDUCTORONE_CLIENT_SECRET"),
        secret,
        "credentials persist"
    );
    let (s, body) = sb
        .c1("GET", &format!("/api/v1/apps/{app_id}"), &token, None)
        .await;
    assert_eq!(s, 200, "apps and tokens persist: {body}");
    assert_eq!(body["app"]["displayName"], "Kept");
    drop(sb);
    let _ = std::fs::remove_dir_all(dir);
}

/// A fault with a rate fails about that share of matching requests, until
/// cleared; a fault with a body answers it as a proxy would, echoing the
/// bearer token where asked.
#[tokio::test]
async fn random_faults_and_plain_bodies() {
    let sb = start(&[]);
    let t = sb.token_with_secret().await;
    sb.fault(json!({ "method": "GET", "path": "/api/v1/users", "status": 503, "rate": 0.25 }))
        .await;
    let mut failed = 0;
    for _ in 0..400 {
        let (s, _) = sb.c1("GET", "/api/v1/users", &t, None).await;
        assert!(s == 200 || s == 503, "{s}");
        failed += usize::from(s == 503);
    }
    assert!(
        (50..150).contains(&failed),
        "{failed} of 400 failed at rate 0.25"
    );
    sb.clear_faults().await;
    let (s, _) = sb.c1("GET", "/api/v1/users", &t, None).await;
    assert_eq!(s, 200);

    sb.fault(json!({ "path": "/api/v1/apps", "status": 502, "body": "<html>bad gateway {bearer}</html>" }))
        .await;
    let r = sb
        .http
        .get(format!("{}/api/v1/apps", sb.base()))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 502);
    assert_eq!(r.headers()["content-type"], "text/html");
    assert_eq!(
        r.text().await.unwrap(),
        format!("<html>bad gateway {t}</html>")
    );

    let r = sb
        .http
        .post(format!("{}/__sandbox/faults", sb.base()))
        .json(&json!({ "path": "/x", "status": 500, "rate": 2.0 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "a rate is a probability");
}

/// The env file is the readiness signal: the moment it exists it is whole
/// and the sandbox answers, with no retry or sleep (checked over 5 starts,
/// each polled every millisecond).
#[tokio::test]
async fn the_env_file_appears_only_once_the_sandbox_answers() {
    let http = reqwest::Client::new();
    for i in 0..5 {
        let dir = tempfile_dir();
        let path = dir.join(format!("ready-{i}.env"));
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_conductorone-sandbox"))
            .args(["--env-file", path.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while !path.exists() {
            assert!(started.elapsed() < Duration::from_secs(20), "no env file");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("CONDUCTORONE_SANDBOX_WFE_CLIENT_ID="),
            "whole: {text}"
        );
        let url = text
            .lines()
            .find_map(|l| l.strip_prefix("CONDUCTORONE_SERVER_URL="))
            .unwrap();
        let r = http.get(format!("{url}/__sandbox/state")).send().await;
        assert!(r.is_ok_and(|r| r.status() == 200), "not answering yet");
        child.kill().unwrap();
        let _ = child.wait();
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// The env and state files hold credentials and may live in a shared 1777
/// folder: under umask 022 they are 0600, and names planted there by another
/// user (the old predictable temporary names, as files or as links to a file
/// of the victim's, and a link at the target itself) change nothing of theirs.
#[cfg(unix)]
#[tokio::test]
async fn env_and_state_files_are_private_and_ignore_planted_names() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let dir = tempfile_dir();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let victim = dir.join("victim");
    std::fs::write(&victim, "the victim's own\n").unwrap();
    let env = dir.join("sandbox.env");
    let state = dir.join("sandbox.json");
    for planted in [
        "sandbox.partial",
        "sandbox.tmp",
        ".sandbox.env.tmp",
        ".sandbox.json.tmp",
    ] {
        symlink(&victim, dir.join(planted)).unwrap();
    }
    symlink(&victim, &env).unwrap();
    let mut cmd = std::process::Command::new("sh");
    cmd.args(["-c", "umask 022; exec \"$@\"", "sh"])
        .arg(env!("CARGO_BIN_EXE_conductorone-sandbox"));
    let sb = common::start_with(
        cmd,
        &[
            "--env-file",
            env.to_str().unwrap(),
            "--state-file",
            state.to_str().unwrap(),
        ],
    );
    let t = sb.token_with_secret().await;
    let (status, _) = sb
        .c1(
            "POST",
            "/api/v1/apps",
            &t,
            Some(json!({ "displayName": "Saved" })),
        )
        .await;
    assert_eq!(status, 200);
    for (path, holds) in [(&env, "CONDUCTORONE_CLIENT_SECRET="), (&state, "Saved")] {
        let meta = std::fs::symlink_metadata(path).unwrap();
        assert!(
            meta.file_type().is_file(),
            "{} is a file, not the planted link",
            path.display()
        );
        assert_eq!(
            meta.permissions().mode() & 0o777,
            0o600,
            "{}",
            path.display()
        );
        assert!(std::fs::read_to_string(path).unwrap().contains(holds));
    }
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "the victim's own\n"
    );
    for planted in [
        "sandbox.partial",
        "sandbox.tmp",
        ".sandbox.env.tmp",
        ".sandbox.json.tmp",
    ] {
        assert!(std::fs::symlink_metadata(dir.join(planted))
            .unwrap()
            .file_type()
            .is_symlink());
    }
    drop(sb);
    let _ = std::fs::remove_dir_all(dir);
}
