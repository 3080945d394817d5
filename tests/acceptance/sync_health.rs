//! What the write-only token hides, the plan shows: the refresh warns about
//! a failed sync (a refused token: the version to bump) and a paused
//! connector; `conductorone_segment_sync_status` reads the health as values;
//! a token of another workspace shows as a planned workspace change; and
//! nothing in the state moves on its own.

use serde_json::Value;

use crate::harness::{each_terraform_from, repo_root, Output, Terraform, WorkDir};
use crate::sandbox::{block_on, Sandbox};
use crate::segment_integration::state_values;

/// The integration (token from `TF_VAR_token`: write-only at `version` from
/// Terraform 1.11, else the sensitive attribute), the sync status data
/// source, and every attribute in an output.
fn config(tf: &Terraform, version: u32) -> String {
    let (ephemeral, token) = match tf.at_least(1, 11) {
        true => (
            "\n  ephemeral = true",
            format!(
                "segment_access_token_wo         = var.token\n  segment_access_token_wo_version = {version}"
            ),
        ),
        false => ("", "segment_access_token = var.token".to_string()),
    };
    format!(
        r#"provider "conductorone" {{}}

variable "token" {{
  type      = string
  sensitive = true{ephemeral}
}}

resource "conductorone_segment_integration" "seg" {{
  {token}
}}

data "conductorone_segment_sync_status" "seg" {{
  app_id       = conductorone_segment_integration.seg.app_id
  connector_id = conductorone_segment_integration.seg.id
}}

output "all" {{
  value     = conductorone_segment_integration.seg
  sensitive = true
}}
"#
    )
}

/// The attribute a refused token's warning points at, by Terraform.
fn token_attribute(tf: &Terraform) -> &'static str {
    match tf.at_least(1, 11) {
        true => "segment_access_token_wo_version",
        false => "segment_access_token",
    }
}

/// The warnings in Terraform's output, but the development overrides'.
fn warnings(out: &Output) -> usize {
    let all = out.all();
    all.matches("Warning: ").count()
        - all
            .matches("Warning: Provider development overrides")
            .count()
}

/// A plan saved and shown: its exit code, output, and the sync status data
/// source's values as read during the plan.
fn plan_with_status(wd: &WorkDir) -> (Output, Value) {
    let out = wd.run(&["plan", "-detailed-exitcode", "-no-color", "-out=p.tfplan"]);
    let show = wd.run(&["show", "-json", "p.tfplan"]);
    show.success();
    let v: Value = serde_json::from_str(&show.stdout).expect("plan JSON");
    let status = v["prior_state"]["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|r| {
            r.iter()
                .find(|r| r["address"] == "data.conductorone_segment_sync_status.seg")
        })
        .map(|r| r["values"].clone())
        .unwrap_or(Value::Null);
    (out, status)
}

fn applied(tf: &Terraform, sb: &Sandbox) -> (WorkDir, String, String) {
    let mut wd = WorkDir::new(tf);
    sb.configure(&mut wd);
    wd.setenv("TF_VAR_token", sb.var("SEGMENT_ACCESS_TOKEN"));
    wd.config(&config(tf, 1));
    wd.run(&["apply", "-auto-approve", "-no-color"]).success();
    let st = state_values(&wd);
    let id = st["id"].as_str().expect("id").to_string();
    let app = st["app_id"].as_str().expect("app_id").to_string();
    (wd, app, id)
}

/// Acceptance 1 and 5: a revoked token's failed sync is one warning naming
/// the version to bump, and the data source's `last_error`; rotated to a
/// working token, both clear. Every plan exits 0, also right after the
/// apply and after the sync ended, with every attribute in an output.
#[test]
fn a_refused_token_warns_and_a_rotation_clears_it() {
    each_terraform_from(1, 6, |tf| {
        let sb = Sandbox::start(&["--sync-delay", "300", "--segment-owner-tokens", "2"]);
        let (mut wd, app, id) = applied(tf, &sb);
        let (out, _) = plan_with_status(&wd);
        assert_eq!(out.code, 0, "right after the apply:\n{}", out.all());
        sb.sync_ended(&id);
        let (out, status) = plan_with_status(&wd);
        assert_eq!(out.code, 0, "after the sync ended:\n{}", out.all());
        assert_eq!(warnings(&out), 0, "{}", out.all());
        assert_eq!(status["status"], "SYNC_STATUS_DONE");
        assert_eq!(status["last_error"], Value::Null);
        assert_eq!(status["paused"], false);

        let owner = sb.var("SEGMENT_ACCESS_TOKEN").to_string();
        sb.revoke_segment_token(&owner);
        let c1 = sb.c1();
        block_on(c1.force_sync(&app, &id)).expect("force sync");
        let c = sb.sync_ended(&id);
        assert_eq!(c["status"]["status"], "SYNC_STATUS_ERROR");
        let (out, status) = plan_with_status(&wd);
        assert_eq!(
            out.code,
            0,
            "warnings never change the exit code:\n{}",
            out.all()
        );
        assert_eq!(warnings(&out), 1, "{}", out.all());
        out.contains("Segment sync failed")
            .contains(token_attribute(tf))
            .contains("401 Unauthorized");
        assert!(!out.all().contains(&owner), "the token in the plan output");
        let last_error = status["last_error"].as_str().expect("last_error");
        assert_eq!(last_error, c["status"]["lastError"].as_str().unwrap());
        assert!(last_error.contains("failed to validate credentials"));
        assert_eq!(status["status"], "SYNC_STATUS_ERROR");

        wd.setenv("TF_VAR_token", sb.var("SEGMENT_ACCESS_TOKEN_2"));
        wd.config(&config(tf, 2));
        wd.run(&["apply", "-auto-approve", "-no-color"]).success();
        sb.sync_ended(&id);
        let (out, status) = plan_with_status(&wd);
        assert_eq!(out.code, 0, "{}", out.all());
        assert_eq!(warnings(&out), 0, "{}", out.all());
        assert_eq!(status["status"], "SYNC_STATUS_DONE");
        assert_eq!(status["last_error"], Value::Null);
        wd.run(&["destroy", "-auto-approve", "-no-color"]).success();
    });
}

/// Acceptance 3: a token of another workspace shows as a planned change of
/// the workspace, with a warning naming both; another token of the same
/// workspace changes nothing but the version.
#[test]
fn a_token_of_another_workspace_shows_in_the_plan() {
    each_terraform_from(1, 6, |tf| {
        let sb = Sandbox::start(&["--segment-owner-tokens", "2"]);
        let (mut wd, _, _) = applied(tf, &sb);
        wd.setenv("TF_VAR_token", sb.var("SEGMENT_OTHER_WORKSPACE_TOKEN"));
        wd.config(&config(tf, 2));
        let out = wd.run(&["plan", "-no-color"]);
        out.success()
            .contains("segment_workspace_slug = \"sandbox-workspace\" -> \"staging-workspace\"")
            .contains("segment_workspace_id")
            .contains("the new token belongs to Segment workspace staging-workspace")
            .contains("not sandbox-workspace");
        assert_eq!(warnings(&out), 1, "{}", out.all());

        wd.setenv("TF_VAR_token", sb.var("SEGMENT_ACCESS_TOKEN_2"));
        let out = wd.run(&["plan", "-no-color"]);
        out.success().contains("1 to change");
        assert!(!out.all().contains("segment_workspace"), "{}", out.all());
        assert_eq!(warnings(&out), 0, "{}", out.all());
    });
}

/// Acceptance 4: a paused connector warns; resumed, it does not. Both ways
/// ConductorOne may show a pause.
#[test]
fn a_paused_connector_warns_until_resumed() {
    each_terraform_from(1, 6, |tf| {
        for mode in ["sync-disabled-at", "status"] {
            let sb = Sandbox::start(&["--sync-delay", "200", "--c1-paused-as", mode]);
            let (wd, app, id) = applied(tf, &sb);
            sb.sync_ended(&id);
            let c1 = sb.c1();
            block_on(c1.pause_sync(&app, &id)).expect("pause");
            let (out, status) = plan_with_status(&wd);
            assert_eq!(out.code, 0, "{mode}: {}", out.all());
            assert_eq!(warnings(&out), 1, "{mode}: {}", out.all());
            out.contains("paused in ConductorOne").contains(&app);
            assert_eq!(status["paused"], true, "{mode}");
            block_on(c1.resume_sync(&app, &id)).expect("resume");
            sb.sync_ended(&id);
            let (out, status) = plan_with_status(&wd);
            assert_eq!(out.code, 0, "{mode}: {}", out.all());
            assert_eq!(warnings(&out), 0, "{mode}: {}", out.all());
            assert_eq!(status["paused"], false, "{mode}");
        }
    });
}

/// Acceptance 2: the data source page's two examples, as shipped: the
/// `check` one warns on a failed sync and is silent when healthy; the
/// `postcondition` one fails the plan on a failed sync and passes when
/// healthy.
#[test]
fn the_check_and_postcondition_examples() {
    each_terraform_from(1, 6, |tf| {
        let sb = Sandbox::start(&["--sync-delay", "200"]);
        let (_, app, id) = applied(tf, &sb);
        sb.sync_ended(&id);
        let dir = repo_root().join("examples/data-sources/conductorone_segment_sync_status");
        let example = |sub: &str| {
            let mut wd = WorkDir::new(tf);
            sb.configure(&mut wd);
            let file = dir.join(sub).join("data-source.tf");
            let text = std::fs::read_to_string(file).unwrap();
            wd.config(&format!("provider \"conductorone\" {{}}\n\n{text}"));
            wd
        };
        let (check, post) = (example(""), example("postcondition"));
        let vars = [
            "plan",
            "-detailed-exitcode",
            "-no-color",
            &format!("-var=app_id={app}"),
            &format!("-var=connector_id={id}"),
        ]
        .map(|s| s.to_string());
        let plan = |wd: &WorkDir| wd.run(&vars.iter().map(String::as_str).collect::<Vec<_>>());
        let out = plan(&check);
        assert_eq!((out.code, warnings(&out)), (0, 0), "{}", out.all());
        let out = plan(&post);
        assert_eq!(out.code, 0, "{}", out.all());

        sb.revoke_segment_token(sb.var("SEGMENT_ACCESS_TOKEN"));
        block_on(sb.c1().force_sync(&app, &id)).expect("force sync");
        sb.sync_ended(&id);
        let out = plan(&check);
        assert_eq!(out.code, 0, "{}", out.all());
        assert_eq!(warnings(&out), 1, "{}", out.all());
        out.contains("ConductorOne's last Segment sync failed")
            .contains("401 Unauthorized");
        let out = plan(&post);
        assert_eq!(out.code, 1, "{}", out.all());
        out.contains("ConductorOne's last Segment sync failed");
    });
}
