//! What ConductorOne's setup guide asks, checked at plan as warnings: owners
//! holding the Connector Administrator or Super Administrator role, and the
//! Segment app an identity provider already made.

use serde_json::Value;

use crate::ci::operations;
use crate::harness::{each_terraform, required_providers, Output, WorkDir};
use crate::sandbox::Sandbox;

/// A configuration of one integration with `body` (the token comes from an
/// ephemeral variable, so that it is never in Terraform's output).
fn main_tf(body: &str) -> String {
    format!(
        "{}\nprovider \"conductorone\" {{}}\n\nvariable \"token\" {{\n  type      = string\n  sensitive = true\n  ephemeral = true\n}}\n\nresource \"conductorone_segment_integration\" \"seg\" {{\n{body}\n  segment_access_token_wo         = var.token\n  segment_access_token_wo_version = 1\n}}\n",
        required_providers()
    )
}

fn workdir(sb: &Sandbox, tf: &crate::harness::Terraform) -> WorkDir {
    let mut wd = WorkDir::new(tf);
    sb.configure(&mut wd);
    wd.setenv("TF_VAR_token", sb.var("SEGMENT_ACCESS_TOKEN"));
    wd
}

/// The diagnostics of a `-json` run with `severity` about a resource (not
/// Terraform's own, such as the one on development overrides).
fn diagnostics(out: &Output, severity: &str) -> Vec<Value> {
    out.stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["type"] == "diagnostic" && m["diagnostic"]["severity"] == severity)
        .filter(|m| m["diagnostic"]["address"].is_string())
        .map(|m| m["diagnostic"].clone())
        .collect()
}

/// `terraform plan -json` of `main`: it succeeds; its warnings.
fn plan_warnings(wd: &WorkDir, main: &str) -> Vec<Value> {
    wd.write("main.tf", main);
    let out = wd.run(&["plan", "-json", "-no-color", "-out=tfplan"]);
    out.success();
    assert!(diagnostics(&out, "error").is_empty(), "{}", out.all());
    diagnostics(&out, "warning")
}

/// A configuration whose owners are the sandbox's admin (Connector
/// Administrator) and its member (no role).
fn admin_and_member(sb: &Sandbox) -> String {
    let admin = sb.var("CONDUCTORONE_SANDBOX_ADMIN_USER_ID");
    main_tf(&format!(
        "  user_ids = [\"{admin}\", \"{}\"]",
        sb.member_id()
    ))
}

fn line_of(main: &str, needle: &str) -> usize {
    main.lines().position(|l| l.contains(needle)).unwrap() + 1
}

/// An owner who holds no role: the plan succeeds with one warning on the
/// `user_ids` line naming the user and the missing role. An owner holding
/// Connector Administrator: none.
#[test]
fn an_owner_without_an_administrator_role_is_warned_about() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&[]);
        let wd = workdir(&sb, tf);
        let (admin, member) = (sb.var("CONDUCTORONE_SANDBOX_ADMIN_USER_ID"), sb.member_id());
        let main = admin_and_member(&sb);
        let warnings = plan_warnings(&wd, &main);
        assert_eq!(warnings.len(), 1, "{warnings:#?}");
        let w = &warnings[0];
        let summary = w["summary"].as_str().unwrap();
        assert!(
            summary.starts_with(&format!("user_ids: owner \"{member}\" (member@sandbox.example.com) lacks the Connector Administrator role; grant it (or Super Administrator) in ConductorOne")),
            "{w:#}"
        );
        assert!(!summary.contains(admin), "{w:#}");
        assert!(w["detail"]
            .as_str()
            .unwrap()
            .contains("holds no ConductorOne role"));
        assert_eq!(
            w["range"]["start"]["line"],
            line_of(&main, "user_ids"),
            "{w:#}"
        );

        let main = main_tf(&format!("  user_ids = [\"{admin}\"]"));
        let warnings = plan_warnings(&wd, &main);
        assert!(warnings.is_empty(), "{warnings:#?}");
    });
}

/// ConductorOne's roles unreadable (403 on `GET /api/v1/iam/roles`): one
/// warning, however many owners, and the plan goes on.
#[test]
fn unreadable_roles_give_one_warning_and_the_plan_goes_on() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&[]);
        let wd = workdir(&sb, tf);
        sb.fault(&serde_json::json!({
            "method": "GET", "path": "/api/v1/iam/roles", "status": 403, "count": 100
        }));
        let warnings = plan_warnings(&wd, &admin_and_member(&sb));
        assert_eq!(warnings.len(), 1, "{warnings:#?}");
        let w = &warnings[0];
        assert_eq!(
            w["summary"],
            "user_ids: cannot read ConductorOne's roles, so the owners' roles were not checked"
        );
        assert!(w["detail"].as_str().unwrap().contains("HTTP 403"), "{w:#}");
        let show = wd.run(&["show", "-no-color", "tfplan"]);
        show.success()
            .contains("1 to add, 0 to change, 0 to destroy");
        sb.clear_faults();
    });
}

/// The planned changes of `tfplan`, as `terraform show -json` gives them.
fn planned(wd: &WorkDir) -> Value {
    let out = wd.run(&["show", "-json", "tfplan"]);
    out.success();
    let plan: Value = serde_json::from_str(&out.stdout).unwrap();
    plan["resource_changes"].clone()
}

/// A tenant holding the Segment app an identity provider made: a
/// configuration without `app_id` plans with a warning naming that app, its
/// ID and the `app_id` line; the plan is the same as without that app. With
/// `app_id` set to it, no warning, and the connector lands in it.
#[test]
fn the_identity_providers_segment_app_is_pointed_out() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&["--c1-idp-segment-app"]);
        let wd = workdir(&sb, tf);
        let idp = sb.apps()[0]["id"].as_str().unwrap().to_string();
        let main = main_tf("  display_name = \"Segment\"");
        let warnings = plan_warnings(&wd, &main);
        assert_eq!(warnings.len(), 1, "{warnings:#?}");
        let w = &warnings[0];
        assert_eq!(
            w["summary"].as_str().unwrap(),
            format!("app_id: ConductorOne already has a Segment app, \"Segment\" ({idp}); set app_id = \"{idp}\" to add the connector to it")
        );
        let detail = w["detail"].as_str().unwrap();
        assert!(detail.contains(&format!("app_id = \"{idp}\"")), "{detail}");
        assert!(detail.contains("identity provider"), "{detail}");
        assert_eq!(
            w["address"], "conductorone_segment_integration.seg",
            "{w:#}"
        );
        let with_hint = planned(&wd);

        let c1 = sb.c1();
        let gone = idp.clone();
        crate::sandbox::block_on(async move { c1.delete_app(&gone).await.unwrap() });
        assert!(plan_warnings(&wd, &main).is_empty());
        assert_eq!(planned(&wd), with_hint, "the warning changed the plan");

        let sb = Sandbox::start(&["--c1-idp-segment-app"]);
        let wd = workdir(&sb, tf);
        let idp = sb.apps()[0]["id"].as_str().unwrap().to_string();
        let main = main_tf(&format!("  app_id = \"{idp}\""));
        assert!(plan_warnings(&wd, &main).is_empty());
        wd.run(&["apply", "-auto-approve", "-no-color", "tfplan"])
            .success();
        let connectors = sb.connectors();
        assert_eq!(connectors.len(), 1);
        assert_eq!(connectors[0]["appId"], idp.as_str());
        assert_eq!(sb.apps().len(), 1, "no second app");
    });
}

/// After apply, a no-change plan makes no request with `-refresh=false`,
/// and a refreshing one reads neither roles, users nor the app search; an
/// owner change reads the roles once.
#[test]
fn the_checks_run_only_when_owners_or_the_app_are_set() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&["--c1-idp-segment-app"]);
        let wd = workdir(&sb, tf);
        let member = sb.member_id();
        let main = main_tf(&format!("  user_ids = [\"{member}\"]"));
        let before = sb.requests().len();
        let warnings = plan_warnings(&wd, &main);
        assert_eq!(warnings.len(), 2, "{warnings:#?}");
        let ops = operations(&sb, before);
        assert!(ops.contains("GET /api/v1/iam/roles"), "{ops:#?}");
        assert!(ops.contains("POST /api/v1/search/apps"), "{ops:#?}");
        wd.run(&["apply", "-auto-approve", "-no-color", "tfplan"])
            .success();

        let before = sb.requests().len();
        let plan = wd.run(&["plan", "-refresh=false", "-detailed-exitcode", "-no-color"]);
        assert_eq!(plan.code, 0, "{}", plan.all());
        for w in ["lacks the", "already has a Segment app", "roles"] {
            assert!(!plan.all().contains(w), "{}", plan.all());
        }
        let log = sb.requests();
        assert_eq!(log.len(), before, "requests: {:#?}", &log[before..]);

        let plan = wd.run(&["plan", "-detailed-exitcode", "-no-color"]);
        assert_eq!(plan.code, 0, "{}", plan.all());
        let ops = operations(&sb, before);
        for op in [
            "GET /api/v1/iam/roles",
            "POST /api/v1/search/apps",
            "GET /api/v1/users/{id}",
        ] {
            assert!(!ops.contains(op), "{op} in a no-change plan: {ops:#?}");
        }

        let admin = sb.var("CONDUCTORONE_SANDBOX_ADMIN_USER_ID");
        let main = main_tf(&format!("  user_ids = [\"{member}\", \"{admin}\"]"));
        let before = sb.requests().len();
        let warnings = plan_warnings(&wd, &main);
        assert_eq!(warnings.len(), 1, "only the member's role: {warnings:#?}");
        let roles = sb.requests()[before..]
            .iter()
            .filter(|r| r["path"].as_str().unwrap().starts_with("/api/v1/iam/roles"))
            .count();
        assert_eq!(roles, 1, "roles read once per plan");
        assert!(!operations(&sb, before).contains("POST /api/v1/search/apps"));
    });
}
