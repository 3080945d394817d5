//! The release: .goreleaser.yml names what the Terraform registry requires,
//! and this platform's archive, built by scripts/package.sh as goreleaser
//! would, installs from a filesystem mirror the way users get providers.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;
use serde_yaml_ng::Value;

use crate::harness::{each_terraform, provider_binary, repo_root, sandbox_binary, WorkDir};
use crate::sandbox::Sandbox;

const NAME: &str = "terraform-provider-conductorone";

fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v:?}"))
}

#[test]
fn goreleaser_config_names_what_the_registry_requires() {
    let text = std::fs::read_to_string(repo_root().join(".goreleaser.yml")).unwrap();
    let g: Value = serde_yaml_ng::from_str(&text).unwrap();
    assert_eq!(g["version"], Value::from(2));
    assert_eq!(s(&g["project_name"]), NAME);
    let build = &g["builds"][0];
    assert_eq!(s(&build["builder"]), "rust");
    assert_eq!(s(&build["command"]), "zigbuild");
    assert_eq!(s(&build["binary"]), "{{ .ProjectName }}_v{{ .Version }}");
    let flags: Vec<&str> = build["flags"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(s)
        .collect();
    assert!(
        flags.contains(&"--release") && flags.contains(&"--locked"),
        "{flags:?}"
    );
    assert!(
        flags.contains(&"--bin=terraform-provider-conductorone"),
        "{flags:?}"
    );
    let targets: Vec<&str> = build["targets"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(s)
        .collect();
    // The Terraform Registry's recommended platforms; Linux static (musl).
    for (os, arch) in [
        ("linux-musl", "x86_64"),
        ("linux-musl", "aarch64"),
        ("linux-musleabihf", "arm-"),
        ("apple-darwin", "x86_64"),
        ("apple-darwin", "aarch64"),
        ("windows", "x86_64"),
    ] {
        assert!(
            targets
                .iter()
                .any(|t| t.starts_with(arch) && t.contains(os)),
            "no {arch} {os} target in {targets:?}"
        );
    }
    // The sandbox: built for the same targets, archived beside the provider
    // (goreleaser's checksum covers every archive, so it is signed too).
    let sandbox = &g["builds"][1];
    assert_eq!(s(&sandbox["id"]), "sandbox");
    assert_eq!(s(&sandbox["binary"]), "conductorone-sandbox");
    assert_eq!(sandbox["targets"], build["targets"]);
    let sandbox_archive = &g["archives"][1];
    assert_eq!(sandbox_archive["ids"][0], Value::from("sandbox"));
    assert_eq!(
        s(&sandbox_archive["name_template"]),
        "conductorone-sandbox_{{ .Version }}_{{ .Os }}_{{ .Arch }}"
    );
    assert!(
        g["checksum"]["ids"].is_null(),
        "the checksum covers every archive"
    );
    let archive = &g["archives"][0];
    assert_eq!(archive["formats"][0], Value::from("zip"));
    assert_eq!(
        s(&archive["name_template"]),
        "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}"
    );
    let checksum = &g["checksum"];
    assert_eq!(
        s(&checksum["name_template"]),
        "{{ .ProjectName }}_{{ .Version }}_SHA256SUMS"
    );
    assert_eq!(s(&checksum["algorithm"]), "sha256");
    for extra in [&checksum["extra_files"][0], &g["release"]["extra_files"][0]] {
        assert_eq!(s(&extra["glob"]), "terraform-registry-manifest.json");
        assert_eq!(
            s(&extra["name_template"]),
            "{{ .ProjectName }}_{{ .Version }}_manifest.json"
        );
    }
    let sign = &g["signs"][0];
    assert_eq!(s(&sign["artifacts"]), "checksum");
    let args: Vec<&str> = sign["args"].as_sequence().unwrap().iter().map(s).collect();
    assert!(
        args.contains(&"--detach-sign") && args.contains(&"{{ .Env.GPG_FINGERPRINT }}"),
        "{args:?}"
    );
    let manifest: Json = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("terraform-registry-manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["version"], 1);
    assert_eq!(
        manifest["metadata"]["protocol_versions"],
        serde_json::json!(["6.0"])
    );
}

fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// Terraform's `h1:` package hash: base64 of the SHA-256 of the lines
/// "<sha256 hex>  <name>\n" of the archive's files, sorted by name.
fn h1_of_zip(zip: &Path) -> String {
    use base64::Engine as _;
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile, hashlib\nz = zipfile.ZipFile(sys.argv[1])\nfor n in sorted(z.namelist()):\n    print(hashlib.sha256(z.read(n)).hexdigest() + '  ' + n)",
        ])
        .arg(zip)
        .output()
        .expect("python3");
    let listing = String::from_utf8_lossy(&out.stdout).into_owned();
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, listing.as_bytes());
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
    )
}

/// Runs scripts/package.sh on the binary under test.
pub fn package(out: &Path, mirror: &Path) -> PathBuf {
    package_with(out, mirror, &[])
}

fn package_with(out: &Path, mirror: &Path, env: &[(&str, &str)]) -> PathBuf {
    let mut cmd = Command::new("bash");
    cmd.arg(repo_root().join("scripts/package.sh"))
        .env("BINARY", provider_binary())
        .env("SANDBOX_BINARY", sandbox_binary())
        .env("OUT", out)
        .env("MIRROR", mirror)
        .env_remove("GPG_FINGERPRINT");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let run = cmd.output().expect("package.sh");
    assert!(
        run.status.success(),
        "package.sh failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&run.stdout).trim())
}

#[test]
fn the_packaged_archive_installs_from_a_filesystem_mirror() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&[]);
        let dist = tempfile::tempdir().unwrap();
        let mirror = tempfile::tempdir().unwrap();
        let zip = package(dist.path(), mirror.path());
        let v = version();
        let (os, arch) = (
            std::env::consts::OS,
            if cfg!(target_arch = "aarch64") {
                "arm64"
            } else {
                "amd64"
            },
        );
        assert_eq!(
            zip.file_name().unwrap().to_str().unwrap(),
            format!("{NAME}_{v}_{os}_{arch}.zip")
        );
        let listing = Command::new("python3")
            .args([
                "-c",
                "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))",
            ])
            .arg(&zip)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&listing.stdout).trim(),
            format!("{NAME}_v{v}")
        );
        let sums =
            std::fs::read_to_string(dist.path().join(format!("{NAME}_{v}_SHA256SUMS"))).unwrap();
        let zip_sum = sha256(&zip);
        let manifest = dist.path().join(format!("{NAME}_{v}_manifest.json"));
        assert!(
            sums.contains(&format!("{zip_sum}  {NAME}_{v}_{os}_{arch}.zip")),
            "{sums}"
        );
        assert!(
            sums.contains(&format!("{}  {NAME}_{v}_manifest.json", sha256(&manifest))),
            "{sums}"
        );
        let mut wd = WorkDir::new(tf);
        use_mirror(&wd, mirror.path());
        sb.configure(&mut wd);
        wd.write(
            "main.tf",
            &format!(
                "terraform {{\n  required_providers {{\n    conductorone = {{\n      source  = \"seed/conductorone\"\n      version = \"{v}\"\n    }}\n  }}\n}}\n\nprovider \"conductorone\" {{}}\n\ndata \"conductorone_segment_workspace\" \"this\" {{}}\n\noutput \"slug\" {{\n  value = data.conductorone_segment_workspace.this.slug\n}}\n"
            ),
        );
        wd.run(&["init", "-no-color"])
            .success()
            .contains(&format!("Installed seed/conductorone v{v}"));
        let lock = std::fs::read_to_string(wd.path().join(".terraform.lock.hcl")).unwrap();
        assert!(lock.contains(&format!("version     = \"{v}\"")), "{lock}");
        // A mirror install records the h1 hash: Go's dirhash of the
        // archive's contents (zh hashes come only from a registry's signed
        // checksums).
        assert!(
            lock.contains(&format!("\"{}\"", h1_of_zip(&zip))),
            "the lock file lacks the archive's hash:\n{lock}"
        );
        wd.run(&["plan", "-no-color"])
            .success()
            .contains("sandbox-workspace");
    });
}

#[test]
fn the_checksums_get_a_detached_signature() {
    // A throwaway key in a throwaway keyring, as the release job imports one.
    let home = tempfile::Builder::new().prefix("gpg").tempdir().unwrap();
    let gnupg = home.path().to_str().unwrap();
    let gen = Command::new("gpg")
        .env("GNUPGHOME", gnupg)
        .args([
            "--batch",
            "--passphrase",
            "",
            "--quick-gen-key",
            "Release Test <release@example.com>",
            "ed25519",
            "sign",
            "never",
        ])
        .output()
        .expect("gpg (needed to sign releases)");
    assert!(
        gen.status.success(),
        "{}",
        String::from_utf8_lossy(&gen.stderr)
    );
    let keys = Command::new("gpg")
        .env("GNUPGHOME", gnupg)
        .args(["--list-keys", "--with-colons"])
        .output()
        .unwrap();
    let fpr = String::from_utf8_lossy(&keys.stdout)
        .lines()
        .find(|l| l.starts_with("fpr:"))
        .and_then(|l| l.split(':').nth(9))
        .expect("fingerprint")
        .to_string();
    let dist = tempfile::tempdir().unwrap();
    let mirror = tempfile::tempdir().unwrap();
    package_with(
        dist.path(),
        mirror.path(),
        &[("GPG_FINGERPRINT", &fpr), ("GNUPGHOME", gnupg)],
    );
    let sums = dist.path().join(format!("{NAME}_{}_SHA256SUMS", version()));
    let sig = dist
        .path()
        .join(format!("{NAME}_{}_SHA256SUMS.sig", version()));
    assert!(sig.is_file(), "no signature");
    let verify = Command::new("gpg")
        .env("GNUPGHOME", gnupg)
        .arg("--verify")
        .args([&sig, &sums])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
}

/// The sandbox's archive, as scripts/package.sh builds it (and goreleaser for
/// every target), is in the checksums; unpacked, it starts, signals
/// readiness with its env file, and serves the quickstart's plan.
#[test]
fn the_packaged_sandbox_serves_the_quickstart_plan() {
    let dist = tempfile::tempdir().unwrap();
    let mirror = tempfile::tempdir().unwrap();
    package(dist.path(), mirror.path());
    let v = version();
    let zip = std::fs::read_dir(dist.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with(&format!("conductorone-sandbox_{v}_"))
        })
        .expect("a sandbox archive");
    let name = zip.file_name().unwrap().to_str().unwrap().to_string();
    let sums = std::fs::read_to_string(dist.path().join(format!("{NAME}_{v}_SHA256SUMS"))).unwrap();
    assert!(
        sums.contains(&format!("{}  {name}", sha256(&zip))),
        "{sums}"
    );
    let install = tempfile::tempdir().unwrap();
    let unzip = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])",
        ])
        .arg(&zip)
        .arg(install.path())
        .status()
        .unwrap();
    assert!(unzip.success());
    let bin = install.path().join("conductorone-sandbox");
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let env_file = install.path().join("sandbox.env");
    let mut child = Command::new(&bin)
        .arg("--env-file")
        .arg(&env_file)
        .current_dir(install.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    crate::harness::wait_until("the env file", std::time::Duration::from_secs(20), || {
        env_file.exists()
    });
    let env: Vec<(String, String)> = std::fs::read_to_string(&env_file)
        .unwrap()
        .lines()
        .filter_map(|l| {
            l.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect();
    let var = |k: &str| {
        env.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    each_terraform(|tf| {
        let mut wd = WorkDir::new(tf);
        for (k, v) in &env {
            wd.setenv(k, v);
        }
        wd.setenv("TF_VAR_segment_access_token", &var("SEGMENT_ACCESS_TOKEN"));
        let main =
            std::fs::read_to_string(repo_root().join("examples/quickstart/main.tf")).unwrap();
        wd.write("main.tf", &main);
        wd.run(&["plan", "-no-color"])
            .success()
            .contains("Plan: 1 to add, 0 to change, 0 to destroy.");
    });
    child.kill().unwrap();
    let _ = child.wait();
}

/// Points `wd`'s Terraform at a filesystem mirror holding the provider (as
/// `package` with `MIRROR` fills it), the way users install providers.
pub fn use_mirror(wd: &WorkDir, mirror: &Path) {
    wd.set_cli_config(&format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/seed/conductorone\"]\n  }}\n}}\n",
        mirror.display()
    ));
}
