//! The provider on every platform Terraform runs on: the quickstart's
//! lifecycle (apply, an empty plan, import matching what was made, destroy,
//! nothing left) under real Terraform, over go-plugin's TCP transport (the
//! one Windows uses) on every run, and with the packaged binaries of other
//! platforms (static Linux; arm64 and ARM under qemu-user; Windows under
//! Wine, over TCP) when scripts/cross-acceptance.sh has built them.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::harness::{each_terraform, Terraform, WorkDir};
use crate::sandbox::Sandbox;

const ADDR: &str = "conductorone_segment_integration.segment";

/// The quickstart resource's values in the state.
fn quickstart_state(wd: &WorkDir) -> Value {
    crate::segment_integration::resource_values(wd, ADDR)
}

#[track_caller]
fn plan_is_empty(wd: &WorkDir, when: &str) {
    let out = wd.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(out.code, 0, "{when}: the plan is not empty:\n{}", out.all());
}

/// examples/quickstart against `sb`, as terraform-plugin-testing runs a
/// test case: apply; an empty plan; `state rm` and `terraform import`,
/// matching what was made but for the token's version (which no import can
/// know) and the app, which an import adopts and never owns; apply that
/// version (the token is sent again); an empty plan; destroy; the connector
/// gone, the adopted app left.
pub fn quickstart_lifecycle(wd: &mut WorkDir, sb: &Sandbox) {
    let app_ids = || -> Vec<Value> { sb.apps().iter().map(|a| a["id"].clone()).collect() };
    let mut apps = app_ids();
    sb.write_quickstart(wd);
    wd.run(&["apply", "-auto-approve", "-no-color"])
        .success()
        .contains("segment_slug = \"sandbox-workspace\"");
    plan_is_empty(wd, "after the apply");
    let made = quickstart_state(wd);
    let id = format!(
        "{}/{}",
        made["app_id"].as_str().unwrap(),
        made["id"].as_str().unwrap()
    );

    wd.run(&["state", "rm", "-no-color", ADDR]).success();
    wd.run(&["import", "-no-color", ADDR, &id])
        .success()
        .contains("Import successful");
    let mut imported = quickstart_state(wd);
    assert_eq!(made["managed_app"], true);
    for (key, after_import) in [
        ("segment_access_token_wo_version", Value::Null),
        ("managed_app", Value::Bool(false)),
        ("app_display_name", Value::Null),
    ] {
        assert_eq!(imported[key], after_import, "{key} after the import");
        imported[key] = made[key].clone();
    }
    assert_eq!(
        imported, made,
        "the imported state differs from the one made"
    );
    wd.run(&["apply", "-auto-approve", "-no-color"])
        .success()
        .contains("1 changed");
    plan_is_empty(wd, "after the import");

    wd.run(&["destroy", "-auto-approve", "-no-color"]).success();
    let state = sb.state();
    assert_eq!(state["connectors"], Value::Array(vec![]), "connectors left");
    apps.push(made["app_id"].clone());
    assert_eq!(app_ids(), apps, "the adopted app, and only it, is left");
}

/// Where the provider served Terraform, from a `TF_LOG=debug` log (the
/// provider's "plugin server started" line, after which Terraform ran every
/// call through it): (network, address) of every start.
fn plugin_addresses(log: &str) -> Vec<(String, String)> {
    log.lines()
        .filter(|l| l.contains("plugin server started:"))
        .filter_map(|l| {
            let field = |k: &str| {
                let rest = &l[l.find(&format!("{k}="))? + k.len() + 1..];
                Some(rest.split_whitespace().next()?.to_string())
            };
            Some((field("network")?, field("address")?))
        })
        .collect()
}

/// Logs Terraform's and the provider's debug output to a file in `wd`;
/// returns its path.
fn log_plugin_addresses(wd: &mut WorkDir) -> PathBuf {
    let log = wd.path().join("terraform-debug.log");
    wd.setenv("TF_LOG", "debug")
        .setenv("TF_LOG_PATH", log.to_str().unwrap());
    log
}

/// Every start of the provider was served over `network`; TCP on 127.0.0.1
/// in the range Terraform gives (go-plugin's default 10000..=25000).
#[track_caller]
fn served_over(log: &Path, network: &str) {
    let text = std::fs::read_to_string(log).expect("Terraform's debug log");
    let seen = plugin_addresses(&text);
    let about: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("plugin"))
        .take(30)
        .collect();
    assert!(
        seen.len() >= 5,
        "the provider's starts: {seen:?} in\n{}",
        about.join("\n")
    );
    for (net, address) in &seen {
        assert_eq!(net, network, "{seen:?}");
        if network == "tcp" {
            let a: std::net::SocketAddr = address.parse().expect("host:port");
            assert_eq!(a.ip(), std::net::Ipv4Addr::LOCALHOST, "{address}");
            assert!(
                (10000..=25000).contains(&a.port()),
                "port outside Terraform's range: {address}"
            );
        }
    }
}

/// The core lifecycle with the provider over go-plugin's TCP transport, as
/// on Windows (`PLUGIN_TRANSPORT=tcp`, with AutoMTLS), under each Terraform
/// from 1.11.
#[test]
fn the_quickstart_lifecycle_over_tcp() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&["--sync-delay", "500"]);
        let mut wd = WorkDir::new(tf);
        wd.setenv("PLUGIN_TRANSPORT", "tcp");
        let log = log_plugin_addresses(&mut wd);
        quickstart_lifecycle(&mut wd, &sb);
        served_over(&log, "tcp");
    });
}

/// How a platform's binaries run here: directly, under qemu-user, or
/// under Wine; and which network go-plugin serves there.
fn runner(platform: &str) -> (Option<&'static str>, &'static str, &'static str) {
    match platform {
        "linux_amd64" => (None, "", "unix"),
        "linux_arm64" => (Some("qemu-aarch64-static"), "", "unix"),
        "linux_arm" => (Some("qemu-arm-static"), "", "unix"),
        "windows_amd64" => (Some("wine"), ".exe", "tcp"),
        other => panic!("no way to run {other} here"),
    }
}

/// Unpacks `zip` into `dir`; returns the one file it holds.
fn unzip(zip: &Path, dir: &Path) -> PathBuf {
    let out = Command::new("python3")
        .args(["-c", "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1]); z.extractall(sys.argv[2]); print(z.namelist()[0])"])
        .arg(zip)
        .arg(dir)
        .output()
        .expect("python3");
    assert!(out.status.success(), "unzip {}: {out:?}", zip.display());
    let bin = dir.join(String::from_utf8_lossy(&out.stdout).trim());
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// A command that runs `bin` the way this platform's binaries run here.
fn command(runner: Option<&str>, bin: &Path) -> Command {
    match runner {
        None => Command::new(bin),
        Some(r) => {
            let mut c = Command::new(r);
            c.arg(bin);
            c
        }
    }
}

/// The packaged provider and sandbox of one platform: the sandbox started
/// from its archive, the provider behind a `dev_overrides` folder whose
/// `terraform-provider-conductorone` execs it (under its runner), and the
/// quickstart's lifecycle under each Terraform from 1.11.
fn platform_lifecycle(dist: &Path, platform: &str) {
    let (runner, exe, network) = runner(platform);
    let version = env!("CARGO_PKG_VERSION");
    let dir = tempfile::tempdir().unwrap();
    let zip = |name: &str| dist.join(format!("{name}_{version}_{platform}.zip"));
    let provider = unzip(&zip("terraform-provider-conductorone"), dir.path());
    assert!(
        provider.to_str().unwrap().ends_with(exe),
        "{}",
        provider.display()
    );
    let sandbox_dir = dir.path().join("sandbox");
    let sandbox = unzip(&zip("conductorone-sandbox"), &sandbox_dir);
    let env_file = sandbox_dir.join("sandbox.env");
    let mut cmd = command(runner, &sandbox);
    cmd.arg("--env-file")
        .arg(&env_file)
        .current_dir(&sandbox_dir);
    let sb = Sandbox::spawn(cmd, &env_file);

    let overrides = dir.path().join("overrides");
    std::fs::create_dir(&overrides).unwrap();
    let wrapper = overrides.join("terraform-provider-conductorone");
    let exec = match runner {
        None => format!("exec '{}' \"$@\"", provider.display()),
        Some(r) => format!("exec {r} '{}' \"$@\"", provider.display()),
    };
    std::fs::write(&wrapper, format!("#!/bin/sh\n{exec}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    each_terraform(|tf: &Terraform| {
        eprintln!("{platform} under Terraform {}", tf.version);
        let mut wd = WorkDir::new(tf);
        wd.use_provider_dir(&overrides);
        let log = log_plugin_addresses(&mut wd);
        quickstart_lifecycle(&mut wd, &sb);
        served_over(&log, network);
    });
}

/// Each platform named in `TF_ACC_PLATFORMS`, from the archives in
/// `TF_ACC_DIST` (`make package` output). scripts/cross-acceptance.sh sets
/// both and installs the runners; run alone, this test fails rather than
/// pass on nothing.
#[test]
#[ignore = "needs every platform's archives and runners: scripts/cross-acceptance.sh runs it"]
fn the_quickstart_lifecycle_with_each_packaged_platform() {
    let dist =
        std::env::var("TF_ACC_DIST").expect("TF_ACC_DIST: the folder of `make package`'s archives");
    let platforms = std::env::var("TF_ACC_PLATFORMS")
        .expect("TF_ACC_PLATFORMS: e.g. linux_amd64,windows_amd64");
    let platforms: Vec<&str> = platforms
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    assert!(!platforms.is_empty(), "TF_ACC_PLATFORMS names no platform");
    for p in platforms {
        platform_lifecycle(Path::new(&dist), p);
    }
}
