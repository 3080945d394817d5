//! The sandbox doubts us: where the public record is silent, it behaves by
//! default as the strictest server the record allows, and offers the other
//! plausible behaviours as flags. Each test here runs the provider, under
//! real Terraform, against one of them.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::harness::{each_terraform, trap, Output, Terraform, WorkDir};
use crate::sandbox::Sandbox;
use crate::segment_integration::{plan_is_empty, state_values};

const ADDR: &str = "conductorone_segment_integration.seg";

/// The resource with a write-only token from `var.token`, and `body`.
fn config(body: &str) -> String {
    format!(
        "provider \"conductorone\" {{}}\n\nvariable \"token\" {{\n  type      = string\n  sensitive = true\n  ephemeral = true\n}}\n\n\
         resource \"conductorone_segment_integration\" \"seg\" {{\n  segment_access_token_wo = var.token\n{body}}}\n"
    )
}

fn workdir(tf: &Terraform, sb: &Sandbox) -> WorkDir {
    let mut wd = WorkDir::new(tf);
    sb.configure(&mut wd);
    wd.setenv("TF_VAR_token", sb.var("SEGMENT_ACCESS_TOKEN"));
    wd
}

fn connector(sb: &Sandbox, id: &str) -> Value {
    let found = sb.connectors().into_iter().find(|c| c["id"] == id);
    found.unwrap_or(Value::Null)
}

/// Every write the sandbox saw to a connector: `Update` (`.../{id}`) and
/// `UpdateDelegated` (`.../{id}/delegated`) after `CreateDelegated`
/// (`.../connectors`), each answered 200: a strict sandbox answers any
/// other update form 400.
#[track_caller]
fn only_the_proven_forms(sb: &Sandbox) {
    for r in sb.requests() {
        let path = r["path"].as_str().unwrap_or("");
        assert_ne!(r["status"], 400, "refused: {r}");
        if r["method"] != "POST" || !path.contains("/connectors") {
            continue;
        }
        let tail: Vec<&str> = path
            .split("/connectors")
            .nth(1)
            .unwrap_or("")
            .split('/')
            .collect();
        let proven = matches!(tail.as_slice(), [""] | ["", _] | ["", _, "delegated"]);
        assert!(proven, "not a proven form: POST {path}");
    }
}

/// Create (in its own app, or in one given by `app_id`), rename the
/// connector (and its own app), change the owners, rotate the token, import
/// by ID into a fresh state, and destroy, each ending in an empty plan:
/// against the strict sandbox and one that silently ignores other update
/// paths.
#[test]
fn the_lifecycle_uses_only_the_proven_update_forms() {
    each_terraform(|tf| {
        for mode in ["official", "ignore-others"] {
            for given in [false, true] {
                lifecycle(tf, mode, given);
            }
        }
    });
}

fn lifecycle(tf: &Terraform, mode: &str, given: bool) {
    let sb = Sandbox::start(&["--c1-update-masks", mode, "--sync-delay", "200"]);
    let (admin, member) = (
        sb.var("CONDUCTORONE_SANDBOX_ADMIN_USER_ID").to_string(),
        sb.member_id(),
    );
    let given_app = given.then(|| {
        let c1 = sb.c1();
        crate::sandbox::block_on(async move { c1.create_app("Given", "").await.expect("app").id })
    });
    let wd = workdir(tf, &sb);
    let body = |name: &str, app: &str, owners: &str, version: u32| {
        let app = match &given_app {
            Some(id) => format!("  app_id = \"{id}\"\n"),
            None => format!("  app_display_name = \"{app}\"\n"),
        };
        format!("{app}  display_name = \"{name}\"\n  user_ids = [{owners}]\n  segment_access_token_wo_version = {version}\n")
    };
    wd.config(&config(&body(
        "Segment",
        "Segment",
        &format!("\"{admin}\""),
        1,
    )));
    wd.run(&["apply", "-auto-approve", "-no-color"]).success();
    let id = state_values(&wd)["id"].as_str().unwrap().to_string();
    assert_eq!(connector(&sb, &id)["displayName"], "Segment");
    plan_is_empty(&wd);
    let owners = format!("\"{admin}\", \"{member}\"");
    wd.config(&config(&body("Segment prod", "Segment apps", &owners, 2)));
    wd.run(&["apply", "-auto-approve", "-no-color"]).success();
    let c = connector(&sb, &id);
    assert_eq!(c["displayName"], "Segment prod", "{mode}");
    assert_eq!(c["userIds"].as_array().map(Vec::len), Some(2), "{mode}");
    let app_id = state_values(&wd)["app_id"].as_str().unwrap().to_string();
    let app = sb
        .apps()
        .into_iter()
        .find(|a| a["id"] == app_id.as_str())
        .unwrap();
    let app_name = if given { "Given" } else { "Segment apps" };
    assert_eq!(app["displayName"], app_name, "{mode}");
    assert!(!app["description"]
        .as_str()
        .unwrap()
        .contains("terraform-pending"));
    assert_eq!(state_values(&wd)["segment_access_token_wo_version"], 2);
    plan_is_empty(&wd);

    let imported = workdir(tf, &sb);
    imported.config(&config(&format!(
        "  app_id = \"{app_id}\"\n  display_name = \"Segment prod\"\n  user_ids = [{owners}]\n  segment_access_token_wo_version = 2\n"
    )));
    imported
        .run(&["import", "-no-color", ADDR, &format!("{app_id}/{id}")])
        .success();
    assert_eq!(state_values(&imported)["id"], id.as_str());
    let plan = imported.run(&["plan", "-detailed-exitcode", "-no-color"]);
    // The imported state holds no token version: the plan sends the token
    // once, and changes nothing else.
    assert_eq!(plan.code, 2, "{}", plan.all());
    plan.contains("+ segment_access_token_wo_version = 2");
    imported
        .run(&["apply", "-auto-approve", "-no-color"])
        .success();
    plan_is_empty(&imported);
    only_the_proven_forms(&sb);
    imported.run(&["state", "rm", ADDR]).success();
    wd.run(&["destroy", "-auto-approve", "-no-color"]).success();
    assert!(sb.connectors().is_empty(), "{mode}: a connector is left");
    assert_eq!(sb.apps().len(), usize::from(given), "{mode}: apps left");
}

/// Whichever key the catalog names for the token, the connector's config
/// holds it there, and ConductorOne's sync of Segment ends DONE.
#[test]
fn the_token_goes_where_the_catalog_says() {
    each_terraform(|tf| {
        for field in ["token", "segment_access_token"] {
            let sb = Sandbox::start(&["--c1-catalog-token-field", field, "--sync-delay", "200"]);
            let wd = workdir(tf, &sb);
            wd.config(&config(""));
            wd.run(&["apply", "-auto-approve", "-no-color"]).success();
            let id = state_values(&wd)["id"].as_str().unwrap().to_string();
            assert_eq!(connector(&sb, &id)["configKeys"], json!([field]));
            crate::harness::wait_until("the sync to end", Duration::from_secs(20), || {
                connector(&sb, &id)["status"]["status"] != "SYNC_STATUS_RUNNING"
            });
            assert_eq!(connector(&sb, &id)["status"]["status"], "SYNC_STATUS_DONE");
            wd.run(&["destroy", "-auto-approve", "-no-color"]).success();
        }
    });
}

/// Credentials that introspection names no user for: a create without
/// `user_ids` succeeds, leaving the owners to ConductorOne (here none), the
/// plan warns, and the next plan is empty.
#[test]
fn a_caller_that_is_no_user_leaves_the_owners_to_conductorone() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&["--c1-introspect-no-user"]);
        let wd = workdir(tf, &sb);
        wd.config(&config(""));
        let plan = wd.run(&["plan", "-no-color"]);
        plan.success()
            .contains("user_ids: not set, and these credentials are no ConductorOne user");
        wd.run(&["apply", "-auto-approve", "-no-color"]).success();
        let id = state_values(&wd)["id"].as_str().unwrap().to_string();
        assert_eq!(connector(&sb, &id)["userIds"], json!([]));
        assert_eq!(state_values(&wd)["user_ids"], json!([]));
        plan_is_empty(&wd);
        wd.run(&["destroy", "-auto-approve", "-no-color"]).success();
    });
}

/// A member token that may list roles (but not users or groups) fails the
/// plan on the token's attribute; the owner token passes with at most four
/// Segment requests per provider process.
#[test]
fn the_token_check_reads_what_the_connector_reads() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&["--segment-member-reads-roles"]);
        let mut wd = workdir(tf, &sb);
        wd.setenv("TF_VAR_token", sb.var("SEGMENT_MEMBER_TOKEN"));
        wd.config(&config(""));
        let out = wd.run(&["plan", "-no-color"]);
        out.failure()
            .contains(
                "segment_access_token_wo: the token cannot read the workspace's users, groups",
            )
            .contains("Workspace Owner");
        wd.setenv("TF_VAR_token", sb.var("SEGMENT_ACCESS_TOKEN"));
        sb.clear_requests();
        wd.run(&["plan", "-no-color"]).success();
        let segment = sb
            .requests()
            .into_iter()
            .filter(|r| r["path"].as_str().unwrap_or("").starts_with("/segment"))
            .count();
        eprintln!("Segment requests for the owner token's plan: {segment}");
        assert!(
            segment <= 4,
            "{segment} Segment requests for one token check"
        );
    });
}

/// Segment's other answers: a 429 with the wait only in its body, a host
/// that redirects elsewhere, a workspace whose plan has no user groups.
#[test]
fn segment_rate_limits_redirects_and_plans() {
    each_terraform(|tf| {
        // A 429 with msBeforeNext 3000 and no header: one wait of 3-5 s.
        let sb = Sandbox::start(&["--segment-429-body-only"]);
        let wd = workdir(tf, &sb);
        wd.config(
            "provider \"conductorone\" {}\n\ndata \"conductorone_segment_workspace\" \"w\" {}\n",
        );
        sb.fault(
            &json!({"method": "GET", "path": "/segment/", "status": 429, "ms_before_next": 3000}),
        );
        let started = Instant::now();
        let out = wd.run(&["plan", "-no-color"]);
        out.success();
        let took = started.elapsed();
        eprintln!("a plan through a body-only 429 (msBeforeNext 3000): {took:?}");
        assert!(
            took >= Duration::from_secs(3) && took < Duration::from_secs(8),
            "{took:?}"
        );
        let reads = sb
            .requests()
            .into_iter()
            .filter(|r| r["path"] == "/segment/")
            .count();
        assert_eq!(reads, 2, "one 429, one wait, one answer");

        // Every Segment request redirected to another host: refused, and
        // the host never hears of the token.
        let (to, hits) = trap();
        let sb = Sandbox::start(&["--segment-redirect-to", &to]);
        let wd = workdir(tf, &sb);
        wd.config(&config(""));
        let out = wd.run(&["plan", "-no-color"]);
        out.failure()
            .contains(&format!("redirecting to {to}"))
            .contains("segment_api_url");
        no_token(&out, &sb);
        assert_eq!(hits.load(Ordering::SeqCst), 0, "the other host was reached");

        // No user groups on this plan: the token still passes.
        let sb = Sandbox::start(&["--segment-no-groups-plan"]);
        let wd = workdir(tf, &sb);
        wd.config(&config(""));
        wd.run(&["plan", "-no-color"])
            .success()
            .contains("1 to add");
    });
}

#[track_caller]
fn no_token(out: &Output, sb: &Sandbox) {
    assert!(
        !out.all().contains(sb.var("SEGMENT_ACCESS_TOKEN")),
        "{}",
        out.all()
    );
}

/// A server that refuses, or silently ignores, an app update with
/// `updateMask` (the form ConductorOne's docs show): the provider falls back
/// to the whole app with no mask (its Terraform provider's form), so the
/// pending markers still come and go and a rename still takes.
#[test]
fn app_updates_fall_back_to_the_whole_app() {
    each_terraform(|tf| {
        for mode in ["refuse", "ignore"] {
            let sb = Sandbox::start(&["--c1-app-update-masks", mode]);
            let wd = workdir(tf, &sb);
            wd.config(&config("  app_display_name = \"Segment\"\n"));
            wd.run(&["apply", "-auto-approve", "-no-color"]).success();
            let app_id = state_values(&wd)["app_id"].as_str().unwrap().to_string();
            let app = || {
                sb.apps()
                    .into_iter()
                    .find(|a| a["id"] == app_id.as_str())
                    .unwrap()
            };
            assert!(
                !app()["description"]
                    .as_str()
                    .unwrap()
                    .contains("terraform-pending"),
                "{mode}"
            );
            wd.config(&config("  app_display_name = \"Segment apps\"\n"));
            wd.run(&["apply", "-auto-approve", "-no-color"]).success();
            assert_eq!(app()["displayName"], "Segment apps", "{mode}");
            plan_is_empty(&wd);
            wd.run(&["destroy", "-auto-approve", "-no-color"]).success();
        }
    });
}
