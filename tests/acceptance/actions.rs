//! The action `conductorone_segment_sync` under Terraform 1.14+ (the
//! matrix's 1.15.5), against the sandbox: invoked on its own and from a
//! resource's `action_trigger` after a token rotation; a sync longer than
//! the timeout, and a deleted connector, fail with clear diagnostics.

use crate::harness::{repo_root, Terraform, WorkDir};
use crate::query::query_capable;
use crate::sandbox::{block_on, Sandbox};

fn config(app: &str, version: u32, timeout: &str) -> String {
    format!(
        r#"provider "conductorone" {{}}

variable "segment_token" {{
  type      = string
  sensitive = true
  ephemeral = true
}}

resource "conductorone_segment_integration" "seg" {{
  app_id                          = "{app}"
  segment_access_token_wo         = var.segment_token
  segment_access_token_wo_version = {version}

  lifecycle {{
    action_trigger {{
      events  = [after_create, after_update]
      actions = [action.conductorone_segment_sync.sync]
    }}
  }}
}}

action "conductorone_segment_sync" "sync" {{
  config {{
    app_id       = conductorone_segment_integration.seg.app_id
    connector_id = conductorone_segment_integration.seg.id
    timeout      = "{timeout}"
  }}
}}
"#
    )
}

fn workdir(tf: &Terraform, sb: &Sandbox, app: &str, version: u32, timeout: &str) -> WorkDir {
    let mut wd = WorkDir::new(tf);
    sb.configure(&mut wd);
    wd.setenv("TF_VAR_segment_token", sb.var("SEGMENT_ACCESS_TOKEN"));
    wd.config(&config(app, version, timeout));
    wd
}

fn new_app(sb: &Sandbox) -> String {
    let c1 = sb.c1();
    block_on(async move {
        c1.create_app("Segment (actions)", "")
            .await
            .expect("app")
            .id
    })
}

/// How many sync requests a request log holds.
fn force_syncs(log: &[serde_json::Value]) -> usize {
    let is_sync = |r: &&serde_json::Value| {
        r["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("/force_sync"))
    };
    log.iter().filter(is_sync).count()
}

const INVOKE: &[&str] = &[
    "apply",
    "-auto-approve",
    "-no-color",
    "-invoke=action.conductorone_segment_sync.sync",
];

/// The shipped example (`examples/actions/conductorone_segment_sync`):
/// the create and a token rotation each trigger a sync that is followed to
/// its end; invoking the action alone does the same.
#[test]
fn sync_runs_after_create_after_a_token_rotation_and_on_request() {
    let example = repo_root().join("examples/actions/conductorone_segment_sync/action.tf");
    let example = std::fs::read_to_string(example).expect("action example");
    for tf in query_capable() {
        let sb = Sandbox::start(&["--sync-delay", "1200"]);
        let mut wd = WorkDir::new(tf);
        sb.configure(&mut wd);
        wd.setenv("TF_VAR_segment_token", sb.var("SEGMENT_ACCESS_TOKEN"));
        wd.config(&format!("provider \"conductorone\" {{}}\n\n{example}"));
        let out = wd.run(&["apply", "-auto-approve", "-no-color"]);
        out.success()
            .contains("Action started: action.conductorone_segment_sync.segment (triggered by conductorone_segment_integration.segment)")
            .contains("Sync requested for connector")
            .contains("Sync finished: SYNC_STATUS_DONE");

        wd.setenv("TF_VAR_segment_token_version", "2");
        let out = wd.run(&["apply", "-auto-approve", "-no-color"]);
        out.success()
            .contains("1 changed")
            .contains("Sync requested for connector")
            .contains("Sync finished: SYNC_STATUS_DONE");

        let out = wd.run(&[
            "apply",
            "-auto-approve",
            "-no-color",
            "-invoke=action.conductorone_segment_sync.segment",
        ]);
        eprintln!("{}", out.all());
        out.success()
            .contains("(triggered by CLI): Sync requested for connector")
            .contains("Sync status: SYNC_STATUS_RUNNING")
            .contains("Sync finished: SYNC_STATUS_DONE");
        assert!(!out.all().contains(sb.var("SEGMENT_ACCESS_TOKEN")));
        let syncs = force_syncs(&sb.requests());
        assert_eq!(syncs, 3, "one sync per create, rotation and invocation");
        wd.run(&["destroy", "-auto-approve", "-no-color"]).success();
    }
}

/// A sync longer than the timeout fails with the timeout diagnostic and the
/// last status; with the connector deleted, the action fails naming it.
#[test]
fn sync_fails_on_timeout_and_on_a_deleted_connector() {
    for tf in query_capable() {
        let sb = Sandbox::start(&["--sync-delay", "600000"]);
        let app = new_app(&sb);
        let wd = workdir(tf, &sb, &app, 1, "2s");
        let out = wd.run(&["apply", "-auto-approve", "-no-color"]);
        eprintln!("{}", out.all());
        out.failure()
            .contains("Sync requested for connector")
            .contains("Connector sync did not finish within 2s")
            .contains("last status SYNC_STATUS_RUNNING")
            .contains("timeout");
        // The connector exists (the create succeeded before the action ran).
        let id = sb.connectors()[0]["id"].as_str().unwrap().to_string();
        block_on({
            let c1 = sb.c1();
            let app = app.clone();
            let id = id.clone();
            async move { c1.delete_connector(&app, &id).await.expect("delete") }
        });
        // An action block naming the deleted connector by its IDs.
        let mut direct = WorkDir::new(tf);
        sb.configure(&mut direct);
        direct.config(&format!(
            "provider \"conductorone\" {{}}\n\naction \"conductorone_segment_sync\" \"sync\" {{\n  config {{\n    app_id       = \"{app}\"\n    connector_id = \"{id}\"\n  }}\n}}\n"
        ));
        let out = direct.run(INVOKE);
        eprintln!("{}", out.all());
        out.failure()
            .contains("Connector not found")
            .contains(&format!("no connector {id} in app {app}"));
    }
}

/// A revoked token: the invoked sync fails with ConductorOne's message and the
/// next plan warns (exit code 0); a paused connector is refused at once.
#[test]
fn a_revoked_token_fails_the_sync_and_a_paused_connector_is_refused() {
    for tf in query_capable() {
        let sb = Sandbox::start(&["--sync-delay", "300"]);
        let app = new_app(&sb);
        let wd = workdir(tf, &sb, &app, 1, "1m");
        wd.run(&["apply", "-auto-approve", "-no-color"])
            .success()
            .contains("Sync finished: SYNC_STATUS_DONE");
        sb.revoke_segment_token(sb.var("SEGMENT_ACCESS_TOKEN"));
        let out = wd.run(INVOKE);
        out.failure()
            .contains("Connector sync failed")
            .contains("401 Unauthorized");
        let out = wd.run(&["plan", "-detailed-exitcode", "-no-color"]);
        assert_eq!(out.code, 0, "{}", out.all());
        out.contains("Segment sync failed")
            .contains("segment_access_token_wo_version");

        let id = sb.connectors()[0]["id"].as_str().unwrap().to_string();
        block_on(sb.c1().pause_sync(&app, &id)).expect("pause");
        let before = sb.requests().len();
        let out = wd.run(INVOKE);
        out.failure().contains("The connector is paused");
        let forced = force_syncs(&sb.requests()[before..]);
        assert_eq!(forced, 0, "no sync requested for a paused connector");
    }
}
