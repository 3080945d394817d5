//! Every Terraform our users run, 1.6 to 1.15: the core of the provider
//! under each (the token kept, sensitive, in the state), a clear error where
//! a feature needs a newer one, and the move to the write-only token.

use serde_json::Value;

use crate::harness::{each_terraform_from, matrix, Output, Terraform, WorkDir};
use crate::sandbox::{block_on, Sandbox};
use crate::segment_integration::{plan_is_empty, state_values};

const ADDR: &str = "conductorone_segment_integration.seg";

fn variable(name: &str) -> String {
    format!("variable \"{name}\" {{\n  type      = string\n  sensitive = true\n}}\n\n")
}

/// The resource with `body`, its token in `var.token`.
fn config(body: &str) -> String {
    format!(
        "provider \"conductorone\" {{}}\n\n{}resource \"conductorone_segment_integration\" \"seg\" {{\n{body}}}\n",
        variable("token")
    )
}

fn workdir(tf: &Terraform, sb: &Sandbox, token: &str) -> WorkDir {
    let mut wd = WorkDir::new(tf);
    sb.configure(&mut wd);
    wd.setenv("TF_VAR_token", token);
    wd
}

#[track_caller]
fn apply(wd: &WorkDir) -> Output {
    let out = wd.run(&["apply", "-auto-approve", "-no-color"]);
    out.success();
    out
}

fn connector(sb: &Sandbox, id: &str) -> Value {
    let found = sb.connectors().into_iter().find(|c| c["id"] == id);
    found.unwrap_or(Value::Null)
}

/// Writes to ConductorOne in the sandbox's log (reads, the token request,
/// searches and the catalog's schema apart).
fn writes(sb: &Sandbox) -> Vec<Value> {
    let read = |r: &Value| {
        let p = r["path"].as_str().unwrap_or("");
        r["method"] == "GET"
            || p == "/auth/v1/token"
            || p == "/api/v1/connectorcatalog"
            || p.starts_with("/api/v1/search/")
    };
    sb.requests().into_iter().filter(|r| !read(r)).collect()
}

/// Before Terraform 1.11, the write-only token is one error on its line at
/// validation, naming Terraform 1.11 and `segment_access_token`; nothing is
/// planned, nothing written, and no word of a bug.
#[test]
fn the_write_only_token_needs_terraform_1_11() {
    let older: Vec<&Terraform> = matrix().iter().filter(|t| !t.at_least(1, 11)).collect();
    assert!(
        !older.is_empty(),
        "no Terraform older than 1.11 in the matrix"
    );
    for tf in older {
        eprintln!("--- terraform {}", tf.version);
        let sb = Sandbox::start(&[]);
        let wd = workdir(tf, &sb, sb.var("SEGMENT_ACCESS_TOKEN"));
        let main = config("  segment_access_token_wo = var.token\n");
        wd.config(&main);
        let line = crate::harness::required_providers().lines().count()
            + main
                .lines()
                .position(|l| l.contains("segment_access_token_wo"))
                .unwrap()
            + 2;
        for cmd in ["validate", "plan"] {
            let out = wd.run(&[cmd, "-json"]);
            out.failure();
            // `validate -json` is one JSON document; `plan -json` a line each.
            let docs: Vec<Value> = match serde_json::from_str::<Value>(&out.stdout) {
                Ok(whole) => vec![whole],
                Err(_) => out
                    .stdout
                    .lines()
                    .filter_map(|l| serde_json::from_str(l).ok())
                    .collect(),
            };
            let errors: Vec<Value> = docs
                .into_iter()
                .flat_map(|j| match j["valid"].is_boolean() {
                    true => j["diagnostics"].as_array().cloned().unwrap_or_default(),
                    false => vec![j["diagnostic"].clone()],
                })
                .filter(|d| d["severity"] == "error")
                .collect();
            assert_eq!(errors.len(), 1, "{cmd} under {}: {errors:#?}", tf.version);
            let e = &errors[0];
            let summary = e["summary"].as_str().unwrap_or("");
            let detail = e["detail"].as_str().unwrap_or("");
            assert!(
                summary.contains("segment_access_token_wo") && summary.contains("Terraform 1.11"),
                "{summary}"
            );
            assert!(detail.contains("segment_access_token instead"), "{detail}");
            assert_eq!(e["range"]["start"]["line"], line, "{e}");
            let words = out.all().to_lowercase();
            let bug = words
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w == "bug");
            assert!(!bug, "{}", out.all());
        }
        assert!(writes(&sb).is_empty(), "{:?}", writes(&sb));
    }
}

/// The core of the provider under every Terraform from 1.6: create with the
/// sensitive token (checked at plan), an empty plan, an owner change, a token
/// change, import by ID with the CLI and with an `import` block, drift after
/// an out-of-band delete, and destroy.
#[test]
fn the_core_works_under_every_terraform() {
    each_terraform_from(1, 6, |tf| {
        let sb = Sandbox::start(&["--segment-owner-tokens", "2"]);
        let app = {
            let c1 = sb.c1();
            block_on(async move { c1.create_app("Given", "").await.expect("app").id })
        };
        let admin = sb.var("CONDUCTORONE_SANDBOX_ADMIN_USER_ID").to_string();
        let member = sb.member_id();
        let body = |owners: &str| {
            format!("  app_id = \"{app}\"\n  display_name = \"Segment\"\n  user_ids = [{owners}]\n  segment_access_token = var.token\n")
        };
        let mut wd = workdir(tf, &sb, sb.var("SEGMENT_REVOKED_TOKEN"));
        wd.config(&config(&body(&format!("\"{admin}\""))));
        wd.run(&["plan", "-no-color"])
            .failure()
            .contains("segment_access_token: Segment refused the token");
        wd.setenv("TF_VAR_token", sb.var("SEGMENT_ACCESS_TOKEN"))
            .setenv("TF_LOG_PROVIDER", "debug");
        let out = apply(&wd);
        newer_features_unused(tf, &out);
        let id = state_values(&wd)["id"].as_str().unwrap().to_string();
        assert_eq!(
            connector(&sb, &id)["configKeys"],
            serde_json::json!(["token"])
        );
        plan_is_empty(&wd);

        wd.config(&config(&body(&format!("\"{admin}\", \"{member}\""))));
        apply(&wd);
        assert_eq!(
            connector(&sb, &id)["userIds"].as_array().map(Vec::len),
            Some(2)
        );
        wd.setenv("TF_VAR_token", sb.var("SEGMENT_ACCESS_TOKEN_2"));
        let out = apply(&wd);
        out.contains("1 changed");
        plan_is_empty(&wd);
        assert_eq!(state_values(&wd)["id"], id.as_str());

        let owners = format!("\"{admin}\", \"{member}\"");
        for how in ["cli", "block"] {
            let imported = workdir(tf, &sb, sb.var("SEGMENT_ACCESS_TOKEN_2"));
            let mut main = config(&body(&owners));
            if how == "block" {
                main.push_str(&format!(
                    "\nimport {{\n  to = {ADDR}\n  id = \"{app}/{id}\"\n}}\n"
                ));
            } else {
                imported.config(&main);
                imported
                    .run(&["import", "-no-color", ADDR, &format!("{app}/{id}")])
                    .success();
            }
            imported.config(&main);
            apply(&imported).contains(if how == "block" { "1 imported" } else { "" });
            assert_eq!(state_values(&imported)["id"], id.as_str(), "{how}");
            plan_is_empty(&imported);
            imported.run(&["state", "rm", ADDR]).success();
        }

        // Deleted out of band: the refresh drops it, the plan makes it again.
        let c1 = sb.c1();
        let (a, c) = (app.clone(), id.clone());
        block_on(async move { c1.delete_connector(&a, &c).await.expect("delete") });
        let out = wd.run(&["plan", "-detailed-exitcode", "-no-color"]);
        assert_eq!(out.code, 2, "{}", out.all());
        out.contains("will be created");
        apply(&wd);
        wd.run(&["destroy", "-auto-approve", "-no-color"]).success();
        assert!(sb.connectors().is_empty(), "a connector is left");
        assert_eq!(sb.apps().len(), 1, "the given app stays");
    });
}

/// What Terraform before a feature's version never asks for, the provider
/// never serves: the calls of identity (1.12), `terraform query`, generated
/// config and actions (1.14) are not in its log.
#[track_caller]
fn newer_features_unused(tf: &Terraform, out: &Output) {
    let log = &out.stderr;
    assert!(
        log.contains("ApplyResourceChange"),
        "no provider log: {log}"
    );
    let calls = [
        ((1, 12), "GetResourceIdentitySchemas"),
        ((1, 12), "UpgradeResourceIdentity"),
        ((1, 14), "ListResource"),
        ((1, 14), "GenerateResourceConfig"),
        ((1, 14), "PlanAction"),
        ((1, 14), "InvokeAction"),
    ];
    for ((major, minor), call) in calls {
        if !tf.at_least(major, minor) {
            assert!(
                !log.contains(&format!("{call}:")),
                "{call} under {}",
                tf.version
            );
        }
    }
}

/// The data sources under every Terraform from 1.6.
#[test]
fn the_data_sources_work_under_every_terraform() {
    each_terraform_from(1, 6, |tf| {
        let sb = Sandbox::start(&[]);
        let wd = workdir(tf, &sb, "");
        wd.config(
            "provider \"conductorone\" {}\n\n\
             data \"conductorone_segment_workspace\" \"w\" {}\n\
             data \"conductorone_segment_roles\" \"all\" {}\n\
             data \"conductorone_segment_role\" \"owner\" {\n  name = \"Workspace Owner\"\n}\n\
             data \"conductorone_segment_groups\" \"all\" {}\n\
             data \"conductorone_segment_group\" \"first\" {\n  id = data.conductorone_segment_groups.all.groups[0].id\n}\n\n\
             output \"summary\" {\n  value = \"${data.conductorone_segment_workspace.w.slug} ${length(data.conductorone_segment_roles.all.roles)} ${data.conductorone_segment_role.owner.name} ${length(data.conductorone_segment_groups.all.groups)} ${length(data.conductorone_segment_group.first.invite_emails)}\"\n}\n",
        );
        wd.run(&["plan", "-no-color"])
            .success()
            .contains("summary = \"sandbox-workspace 8 Workspace Owner 25 1\"");
    });
}

/// Upgrading Terraform: a configuration with `segment_access_token`,
/// applied under Terraform 1.10, moves to `segment_access_token_wo` and its
/// version under 1.11 or later in one in-place update that sends the token
/// once and leaves it out of the state, keeping the connector.
#[test]
fn moving_to_the_write_only_token_keeps_the_connector() {
    let old = matrix()
        .iter()
        .find(|t| !t.at_least(1, 11))
        .expect("a Terraform before 1.11");
    let new = matrix()
        .iter()
        .rev()
        .find(|t| t.at_least(1, 11))
        .expect("a Terraform from 1.11");
    let sb = Sandbox::start(&[]);
    let token = sb.var("SEGMENT_ACCESS_TOKEN").to_string();
    let before = workdir(old, &sb, &token);
    before.config(&config("  segment_access_token = var.token\n"));
    apply(&before);
    let id = state_values(&before)["id"].as_str().unwrap().to_string();
    let state = std::fs::read_to_string(before.path().join("terraform.tfstate")).unwrap();
    assert!(
        state.contains(&token),
        "Terraform before 1.11 keeps the token in the state"
    );

    let after = workdir(new, &sb, &token);
    std::fs::copy(
        before.path().join("terraform.tfstate"),
        after.path().join("terraform.tfstate"),
    )
    .unwrap();
    let wo =
        config("  segment_access_token_wo = var.token\n  segment_access_token_wo_version = 1\n")
            .replace(
                "sensitive = true\n}",
                "sensitive = true\n  ephemeral = true\n}",
            );
    after.config(&wo);
    let plan = after.run(&["plan", "-no-color"]);
    plan.success()
        .contains("1 to change, 0 to destroy")
        .contains("segment_access_token_wo_version = 1");
    sb.clear_requests();
    apply(&after);
    let sent: Vec<Value> = writes(&sb);
    assert_eq!(sent.len(), 1, "the token is sent once: {sent:?}");
    assert_eq!(
        state_values(&after)["id"],
        id.as_str(),
        "the same connector"
    );
    let state = std::fs::read_to_string(after.path().join("terraform.tfstate")).unwrap();
    assert!(!state.contains(&token), "the token left the state");
    plan_is_empty(&after);
    after
        .run(&["destroy", "-auto-approve", "-no-color"])
        .success();
    eprintln!("upgraded from Terraform {} to {}", old.version, new.version);
}
