//! `conductorone_segment_integration` under real Terraform against the
//! sandbox in strict mode: create, update, drift, import, failures, secrets.

use serde_json::{json, Value};

use crate::harness::{each_terraform, Terraform, WorkDir};
use crate::sandbox::{block_on, Sandbox};

const ADDR: &str = "conductorone_segment_integration.seg";

/// The resource `seg`'s values in the state (`terraform show -json`).
pub fn state_values(wd: &WorkDir) -> Value {
    resource_values(wd, ADDR)
}

/// The values in the state of the resource at `addr` (`terraform show
/// -json`), null when there is none.
pub fn resource_values(wd: &WorkDir, addr: &str) -> Value {
    let out = wd.run(&["show", "-json"]);
    out.success();
    let v: Value = serde_json::from_str(&out.stdout).expect("show JSON");
    v["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["address"] == addr))
        .map(|r| r["values"].clone())
        .unwrap_or(Value::Null)
}

fn apply(wd: &WorkDir) {
    wd.run(&["apply", "-auto-approve", "-no-color"]).success();
}

/// `plan -detailed-exitcode` exits 0: nothing to do.
#[track_caller]
pub fn plan_is_empty(wd: &WorkDir) {
    let out = wd.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(out.code, 0, "the plan is not empty:\n{}", out.all());
}

fn resource(body: &str) -> String {
    format!("provider \"conductorone\" {{}}\n\nresource \"conductorone_segment_integration\" \"seg\" {{\n{body}\n}}\n")
}

fn new_app(sb: &Sandbox, name: &str) -> String {
    let c1 = sb.c1();
    block_on(async move { c1.create_app(name, "").await.expect("create app").id })
}

fn connector_of(sb: &Sandbox, id: &str) -> Value {
    sb.connectors()
        .into_iter()
        .find(|c| c["id"] == id)
        .unwrap_or(Value::Null)
}

fn member_id(sb: &Sandbox) -> String {
    sb.member_id()
}

fn lifecycle(tf: &Terraform, sb: &Sandbox, app_id: Option<&str>) {
    let admin = sb.var("CONDUCTORONE_SANDBOX_ADMIN_USER_ID");
    let member = member_id(sb);
    let token = sb.var("SEGMENT_ACCESS_TOKEN");
    let app_line = app_id.map_or(String::new(), |a| format!("  app_id = \"{a}\"\n"));
    let mut wd = WorkDir::new(tf);
    sb.configure(&mut wd);
    wd.setenv("TF_VAR_token", token);
    let config = |name: &str, owners: &str, version: u32| {
        format!(
            "variable \"token\" {{\n  type      = string\n  sensitive = true\n  ephemeral = true\n}}\n\n{}",
            resource(&format!(
                "{app_line}  display_name = \"{name}\"\n  user_ids = [{owners}]\n  segment_access_token_wo = var.token\n  segment_access_token_wo_version = {version}"
            ))
        )
    };
    wd.config(&config("Segment (acc)", &format!("\"{admin}\""), 1));
    apply(&wd);
    let st = state_values(&wd);
    let id = st["id"].as_str().expect("id").to_string();
    assert_eq!(st["managed_app"], json!(app_id.is_none()));
    assert_eq!(st["segment_workspace_slug"], "sandbox-workspace");
    assert_eq!(st["segment_access_token_wo"], Value::Null);
    let c = connector_of(sb, &id);
    assert_eq!(c["displayName"], "Segment (acc)");
    assert_eq!(c["userIds"], json!([admin]));
    assert_eq!(c["catalogId"], "2YuQMfugzij8vRI4FGkYNcMxgOe");
    if let Some(a) = app_id {
        assert_eq!(c["appId"], a);
    } else {
        let app = st["app_id"].as_str().unwrap();
        assert!(sb
            .apps()
            .iter()
            .any(|x| x["id"] == app && x["displayName"] == "Segment"));
    }
    plan_is_empty(&wd);

    // Name, owners and token in one apply: all take effect.
    let before = c["updatedAt"].clone();
    wd.config(&config(
        "Segment (renamed)",
        &format!("\"{member}\", \"{admin}\""),
        2,
    ));
    let out = wd.run(&["plan", "-no-color"]);
    out.success()
        .contains("1 to change")
        .contains("segment_access_token_wo_version = 1 -> 2");
    apply(&wd);
    let c = connector_of(sb, &id);
    assert_eq!(c["displayName"], "Segment (renamed)");
    assert_eq!(
        c["status"]["status"], "SYNC_STATUS_RUNNING",
        "the new token starts a sync"
    );
    let mut owners: Vec<String> = serde_json::from_value(c["userIds"].clone()).unwrap();
    owners.sort();
    let mut want = vec![admin.to_string(), member.clone()];
    want.sort();
    assert_eq!(owners, want);
    assert_ne!(c["updatedAt"], before);
    let updates: Vec<Value> = sb
        .requests()
        .into_iter()
        .filter(|r| {
            r["method"] == "POST"
                && r["path"]
                    == format!(
                        "/api/v1/apps/{}/connectors/{id}",
                        c["appId"].as_str().unwrap()
                    )
        })
        .collect();
    assert!(!updates.is_empty(), "the update was not sent");
    assert_eq!(
        state_values(&wd)["id"],
        id.as_str(),
        "the id is kept across updates"
    );
    plan_is_empty(&wd);

    let used_app = state_values(&wd)["app_id"].as_str().unwrap().to_string();
    wd.run(&["destroy", "-auto-approve", "-no-color"]).success();
    assert!(
        connector_of(sb, &id).is_null(),
        "the connector is left after destroy"
    );
    let app_left = sb.apps().iter().any(|x| x["id"] == used_app.as_str());
    match app_id {
        Some(_) => assert!(app_left, "a given app is not ours to delete"),
        None => assert!(!app_left, "the managed app is left after destroy"),
    }
}

#[test]
fn create_update_destroy_with_and_without_app_id() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&["--sync-delay", "60000"]);
        lifecycle(tf, &sb, None);
        let app = new_app(&sb, "Segment (given)");
        lifecycle(tf, &sb, Some(&app));
        assert!(sb.connectors().is_empty());
    });
}

#[test]
fn import_by_id_and_by_block_matches_what_was_created() {
    // Syncs that outlast the test, so that states taken at different times compare.
    each_terraform(|tf| {
        let sb = Sandbox::start(&["--sync-delay", "600000"]);
        let admin = sb.var("CONDUCTORONE_SANDBOX_ADMIN_USER_ID").to_string();
        let app = new_app(&sb, "Segment (import)");
        let body = format!(
            "  app_id = \"{app}\"\n  user_ids = [\"{admin}\"]\n  segment_access_token_wo = \"{}\"",
            sb.var("SEGMENT_ACCESS_TOKEN")
        );
        let mut created = WorkDir::new(tf);
        sb.configure(&mut created);
        created.config(&resource(&body));
        apply(&created);
        let want = state_values(&created);
        let id = want["id"].as_str().unwrap().to_string();

        // terraform import ADDR APP_ID/CONNECTOR_ID
        let mut imported = WorkDir::new(tf);
        sb.configure(&mut imported);
        imported.config(&resource(&body));
        imported
            .run(&["import", "-no-color", ADDR, &format!("{app}/{id}")])
            .success()
            .contains("Import successful");
        let got = state_values(&imported);
        assert_eq!(got, want, "imported state differs from the created one");
        plan_is_empty(&imported);
        // With a version, the only change is that version.
        imported.config(&resource(&format!(
            "{body}\n  segment_access_token_wo_version = 1"
        )));
        let out = imported.run(&["plan", "-no-color", "-out=tfplan"]);
        out.success().contains("1 to change");
        let show = imported.run(&["show", "-json", "tfplan"]);
        let plan: Value = serde_json::from_str(&show.stdout).unwrap();
        let change = &plan["resource_changes"][0]["change"];
        let (before, after) = (
            change["before"].as_object().unwrap(),
            change["after"].as_object().unwrap(),
        );
        let differing: Vec<&String> = after
            .keys()
            .filter(|k| before.get(*k) != after.get(*k))
            .collect();
        assert_eq!(differing, ["segment_access_token_wo_version"], "{change}");
        let unknown: Vec<&String> = change["after_unknown"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, v)| **v == Value::Bool(true))
            .map(|(k, _)| k)
            .collect();
        assert!(unknown.is_empty(), "planned unknown: {unknown:?}");

        // import {} block with -generate-config-out.
        let by_block = WorkDir::new(tf);
        let mut by_block = by_block;
        sb.configure(&mut by_block);
        by_block.config(&format!(
            "provider \"conductorone\" {{}}\n\nimport {{\n  to = {ADDR}\n  id = \"{app}/{id}\"\n}}\n"
        ));
        by_block
            .run(&["plan", "-no-color", "-generate-config-out=generated.tf"])
            .success()
            .contains("1 to import");
        let generated = std::fs::read_to_string(by_block.path().join("generated.tf")).unwrap();
        // Terraform names the import ID it generated from; the app is an argument.
        assert!(
            generated.contains(&format!("from \"{app}/{id}\"")),
            "the generated config names the imported connector {id}:\n{generated}"
        );
        assert!(
            generated.contains("app_id") && generated.contains(&app),
            "{generated}"
        );
        apply(&by_block);
        let got = state_values(&by_block);
        assert_eq!(
            got, want,
            "block-imported state differs from the created one"
        );
        plan_is_empty(&by_block);

        // A connector of another catalog is refused, by name.
        let c1 = sb.c1();
        let other = block_on({
            let app = app.clone();
            async move {
                c1.create_connector(
                    &terraform_provider_conductorone::conductorone::NewConnector {
                        app_id: &app,
                        catalog_id: "2HErg7BRmNdHgX8sTCWVq4E1fyh",
                        display_name: "Baton",
                        description: "",
                        user_ids: &[],
                        secret: None,
                    },
                )
                .await
                .expect("create")
                .id
            }
        });
        let mut wrong = WorkDir::new(tf);
        sb.configure(&mut wrong);
        wrong.config(&resource(&body));
        wrong
            .run(&["import", "-no-color", ADDR, &format!("{app}/{other}")])
            .failure()
            .contains("not a Segment connector")
            .contains("2HErg7BRmNdHgX8sTCWVq4E1fyh");
        wrong
            .run(&["import", "-no-color", ADDR, "just-one-id"])
            .failure()
            .contains("APP_ID/CONNECTOR_ID");
        created.run(&["destroy", "-auto-approve"]).success();
        let c1 = sb.c1();
        block_on(async move { c1.delete_connector(&app, &other).await.unwrap() });
    });
}

fn delete_connector(sb: &Sandbox, wd: &WorkDir) {
    let st = state_values(wd);
    let (app, id) = (
        st["app_id"].as_str().unwrap().to_string(),
        st["id"].as_str().unwrap().to_string(),
    );
    let c1 = sb.c1();
    block_on(async move { c1.delete_connector(&app, &id).await.unwrap() });
}

/// Destroys, and checks that no connector is left and that the resource's
/// own app (one of `apps` before) is gone.
fn destroy_drops_the_connector_and_own_app(sb: &Sandbox, wd: &WorkDir, apps: usize) {
    wd.run(&["destroy", "-auto-approve"]).success();
    assert!(sb.connectors().is_empty(), "connectors left");
    assert_eq!(sb.apps().len(), apps - 1, "the managed app is left");
}

fn plan_shows(wd: &WorkDir, what: &str) {
    let out = wd.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(out.code, 2, "{}", out.all());
    out.contains(what);
}

#[test]
fn out_of_band_deletion_plans_a_new_connector() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&[]);
        let token = sb.var("SEGMENT_ACCESS_TOKEN");
        // In a given app: the connector is planned for creation again.
        let app = new_app(&sb, "Segment (given)");
        let mut given = WorkDir::new(tf);
        sb.configure(&mut given);
        given.config(&resource(&format!(
            "  app_id = \"{app}\"\n  segment_access_token = \"{token}\""
        )));
        apply(&given);
        delete_connector(&sb, &given);
        plan_shows(&given, "will be created");
        apply(&given);
        assert_eq!(sb.connectors().len(), 1);
        plan_is_empty(&given);
        // Destroying what is already gone succeeds.
        delete_connector(&sb, &given);
        given
            .run(&["destroy", "-auto-approve", "-refresh=false"])
            .success();
        assert!(sb.connectors().is_empty());

        // In the resource's own app: the connector is made again in that app
        // (no second app, no orphan).
        let mut wd = WorkDir::new(tf);
        sb.configure(&mut wd);
        wd.config(&resource(&format!("  segment_access_token = \"{token}\"")));
        apply(&wd);
        let app = state_values(&wd)["app_id"].clone();
        let apps = sb.apps().len();
        delete_connector(&sb, &wd);
        plan_shows(&wd, "1 to change");
        apply(&wd);
        assert_eq!(sb.connectors().len(), 1);
        assert_eq!(sb.apps().len(), apps, "a second app was made");
        assert_eq!(state_values(&wd)["app_id"], app);
        plan_is_empty(&wd);
        // The app deleted (which deletes its connector): both are made again.
        let app = app.as_str().unwrap().to_string();
        let c1 = sb.c1();
        block_on(async move { c1.delete_app(&app).await.unwrap() });
        plan_shows(&wd, "will be created");
        apply(&wd);
        assert_eq!(sb.connectors().len(), 1);
        assert_eq!(sb.apps().len(), apps);
        plan_is_empty(&wd);
        destroy_drops_the_connector_and_own_app(&sb, &wd, apps);
    });
}

#[test]
fn bad_tokens_and_unknown_owners_fail_the_plan() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&[]);
        let mut wd = WorkDir::new(tf);
        sb.configure(&mut wd);
        for (var, says) in [
            ("SEGMENT_REVOKED_TOKEN", "has been revoked"),
            ("SEGMENT_MEMBER_TOKEN", "Workspace Owner"),
        ] {
            let token = sb.var(var);
            // Through a variable: Terraform quotes the configuration's source
            // line in diagnostics, and a literal token would be in it.
            wd.setenv("TF_VAR_token", token);
            wd.config(&format!(
                "variable \"token\" {{\n  type      = string\n  sensitive = true\n}}\n\n{}",
                resource("  segment_access_token_wo = var.token")
            ));
            let out = wd.run(&["plan", "-no-color"]);
            out.failure()
                .contains("segment_access_token_wo")
                .contains(says);
            assert!(!out.all().contains(token), "the token is in the output");
        }
        let admin = sb.var("CONDUCTORONE_SANDBOX_ADMIN_USER_ID");
        wd.config(&resource(&format!(
            "  user_ids = [\"{admin}\", \"no-such-user\"]\n  segment_access_token_wo = \"{}\"",
            sb.var("SEGMENT_ACCESS_TOKEN")
        )));
        wd.run(&["plan", "-no-color"])
            .failure()
            .contains(
                "user_ids: \"no-such-user\" is not a ConductorOne user; use an existing user's ID",
            )
            .contains("user_ids element \"no-such-user\"");
        let disabled = sb.state()["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["status"] == "DISABLED")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        wd.config(&resource(&format!("  user_ids = [\"{disabled}\"]")));
        wd.run(&["apply", "-auto-approve", "-no-color"])
            .failure()
            .contains("has status DISABLED");
        assert!(
            sb.connectors().is_empty() && sb.apps().is_empty(),
            "something was created"
        );
    });
}

#[test]
fn a_failure_at_each_step_of_create_converges_without_orphans() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&[]);
        let steps = [
            (
                "token check",
                json!({"method": "GET", "path": "/segment/roles", "status": 400, "skip": 1}),
            ),
            (
                "app",
                json!({"method": "POST", "path": "/api/v1/apps", "status": 400}),
            ),
            (
                "connector",
                json!({"method": "POST", "path": "/api/v1/apps/*/connectors", "status": 400}),
            ),
            (
                "token",
                json!({"method": "POST", "path": "/api/v1/apps/*/connectors/*", "status": 400}),
            ),
            (
                "owners",
                json!({"method": "POST", "path": "/api/v1/apps/*/connectors/*", "status": 400, "skip": 1}),
            ),
        ];
        for (step, fault) in &steps {
            let mut wd = WorkDir::new(tf);
            sb.configure(&mut wd);
            wd.config(&resource(&format!(
                "  display_name = \"Segment ({step})\"\n  segment_access_token_wo = \"{}\"",
                sb.var("SEGMENT_ACCESS_TOKEN")
            )));
            sb.fault(fault);
            wd.run(&["apply", "-auto-approve", "-no-color"])
                .failure()
                .contains("fault injected by the sandbox (400)");
            apply(&wd);
            let st = state_values(&wd);
            assert_eq!(
                sb.connectors().len(),
                1,
                "after a failure at the {step} step"
            );
            assert_eq!(sb.apps().len(), 1, "after a failure at the {step} step");
            assert_eq!(
                connector_of(&sb, st["id"].as_str().unwrap())["displayName"],
                format!("Segment ({step})")
            );
            plan_is_empty(&wd);
            wd.run(&["destroy", "-auto-approve"]).success();
            assert!(
                sb.connectors().is_empty() && sb.apps().is_empty(),
                "left after {step}"
            );
        }
    });
}

#[test]
fn the_write_only_token_is_nowhere() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&[]);
        let token = sb.var("SEGMENT_ACCESS_TOKEN").to_string();
        let secret = sb.var("CONDUCTORONE_CLIENT_SECRET").to_string();
        let mut wd = WorkDir::new(tf);
        sb.configure(&mut wd);
        wd.setenv("TF_VAR_token", &token);
        wd.config(&format!(
            "variable \"token\" {{\n  type      = string\n  sensitive = true\n  ephemeral = true\n}}\n\n{}",
            resource("  segment_access_token_wo = var.token\n  segment_access_token_wo_version = 1")
        ));
        let plan = wd.run(&["plan", "-no-color", "-out=tfplan"]);
        plan.success();
        wd.setenv("TF_LOG", "trace");
        let applied = wd.run(&["apply", "-auto-approve", "-no-color", "tfplan"]);
        applied.success();
        assert!(applied.stderr.len() > 10_000, "TF_LOG=trace gave no log");
        let shown = wd.run(&["show", "-json", "tfplan"]);
        let state = std::fs::read(wd.path().join("terraform.tfstate")).unwrap();
        let plan_file = std::fs::read(wd.path().join("tfplan")).unwrap();
        for (what, text) in [
            ("plan output", plan.all()),
            ("trace apply output", applied.all()),
            ("plan JSON", shown.all()),
            ("state file", String::from_utf8_lossy(&state).into_owned()),
            (
                "plan file",
                String::from_utf8_lossy(&plan_file).into_owned(),
            ),
        ] {
            for s in [token.as_str(), secret.as_str(), "c1sbx_"] {
                assert!(
                    !text.contains(s),
                    "a secret ({}…) is in the {what}",
                    &s[..6]
                );
            }
        }
        assert!(!String::from_utf8_lossy(&state).contains("segment_access_token_wo\": \""));
        wd.run(&["destroy", "-auto-approve"]).success();
    });
}

#[test]
fn fifty_resources_share_one_token_per_provider_process() {
    let sb = Sandbox::start(&[]);
    let tf = crate::harness::matrix()
        .iter()
        .find(|t| t.at_least(1, 11))
        .expect("a Terraform from 1.11")
        .clone();
    let mut wd = WorkDir::new(&tf);
    sb.configure(&mut wd);
    let count_file = crate::harness::count_provider_starts(&wd);
    wd.config(&resource_count(50, sb.var("SEGMENT_ACCESS_TOKEN")));
    let token_requests = |sb: &Sandbox| {
        sb.requests()
            .iter()
            .filter(|r| r["path"] == "/auth/v1/token")
            .count()
    };
    let before = token_requests(&sb);
    wd.run(&["apply", "-auto-approve", "-parallelism=10", "-no-color"])
        .success();
    let processes = std::fs::read_to_string(&count_file)
        .unwrap()
        .lines()
        .count();
    let tokens = token_requests(&sb) - before;
    eprintln!("50 resources: {processes} provider processes, {tokens} token requests");
    assert_eq!(sb.connectors().len(), 50);
    assert!(
        tokens >= 1 && tokens <= processes,
        "{tokens} token requests for {processes} processes"
    );
    wd.run(&["destroy", "-auto-approve", "-parallelism=10"])
        .success();
    assert!(sb.connectors().is_empty() && sb.apps().is_empty());
}

pub fn resource_count(n: usize, token: &str) -> String {
    format!(
        "provider \"conductorone\" {{}}\n\nresource \"conductorone_segment_integration\" \"seg\" {{\n  count = {n}\n  display_name = \"Segment ${{count.index}}\"\n  segment_access_token = \"{token}\"\n}}\n"
    )
}

fn app_named(sb: &Sandbox, id: &Value) -> Value {
    sb.apps()
        .into_iter()
        .find(|a| &a["id"] == id)
        .map_or(Value::Null, |a| a["displayName"].clone())
}

/// Regression: the connector deleted out of band while `app_display_name`
/// changes in the same apply. The connector is made again in the resource's
/// own app, the app is renamed, and the next plan is empty.
#[test]
fn connector_gone_while_its_app_is_renamed() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&[]);
        let token = sb.var("SEGMENT_ACCESS_TOKEN");
        let mut wd = WorkDir::new(tf);
        sb.configure(&mut wd);
        wd.config(&resource(&format!("  segment_access_token = \"{token}\"")));
        apply(&wd);
        let app = state_values(&wd)["app_id"].clone();
        let apps = sb.apps().len();
        delete_connector(&sb, &wd);
        wd.config(&resource(&format!(
            "  app_display_name = \"Segment renamed\"\n  segment_access_token = \"{token}\""
        )));
        apply(&wd);
        let st = state_values(&wd);
        assert_eq!(
            st["app_id"], app,
            "the connector was not made in its own app"
        );
        assert_eq!(st["app_display_name"], "Segment renamed");
        assert_eq!(app_named(&sb, &app), "Segment renamed");
        assert_eq!(sb.connectors().len(), 1);
        assert_eq!(sb.apps().len(), apps, "a second app was made");
        plan_is_empty(&wd);
        destroy_drops_the_connector_and_own_app(&sb, &wd, apps);
    });
}

/// Regression: after a failed update the state holds exactly what took
/// effect, so the next plan shows again what did not.
#[test]
fn a_failed_update_keeps_only_what_took_effect() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&[]);
        let mut wd = WorkDir::new(tf);
        sb.configure(&mut wd);
        wd.setenv("TF_VAR_token", sb.var("SEGMENT_ACCESS_TOKEN"));
        let config = |app_name: &str, name: &str, version: u32| {
            format!(
                "variable \"token\" {{\n  type      = string\n  sensitive = true\n  ephemeral = true\n}}\n\n{}",
                resource(&format!(
                    "  app_display_name = \"{app_name}\"\n  display_name = \"{name}\"\n  segment_access_token_wo = var.token\n  segment_access_token_wo_version = {version}"
                ))
            )
        };
        wd.config(&config("Segment", "Segment", 1));
        apply(&wd);
        let app = state_values(&wd)["app_id"].clone();

        // 1. The token is refused at apply (it passed at plan): nothing is
        //    sent, so the version and the name are still to be applied.
        wd.config(&config("Segment", "Segment two", 2));
        sb.fault(&json!({"method": "GET", "path": "/segment/roles", "status": 401, "skip": 1}));
        wd.run(&["apply", "-auto-approve", "-no-color"])
            .failure()
            .contains("segment_access_token_wo")
            .contains("need a token with the Workspace Owner access level (HTTP 401)");
        let st = state_values(&wd);
        assert_eq!(st["segment_access_token_wo_version"], 1, "{st}");
        assert_eq!(st["display_name"], "Segment", "{st}");
        let out = wd.run(&["plan", "-detailed-exitcode", "-no-color"]);
        assert_eq!(out.code, 2, "{}", out.all());
        out.contains("segment_access_token_wo_version = 1 -> 2")
            .contains("\"Segment\" -> \"Segment two\"");
        apply(&wd);
        plan_is_empty(&wd);

        // 2. The app is renamed, then ConductorOne fails the connector
        //    update (every retry): the rename took effect, the name did not.
        wd.config(&config("Segment app", "Segment three", 2));
        sb.fault(&json!({"method": "POST", "path": "/api/v1/apps/*/connectors/*", "status": 503, "retry_after": 0, "count": 20}));
        wd.run(&["apply", "-auto-approve", "-no-color"])
            .failure()
            .contains("Cannot set the connector's name and owners")
            .contains("fault injected by the sandbox (503)");
        sb.clear_faults();
        let st = state_values(&wd);
        assert_eq!(app_named(&sb, &app), "Segment app");
        assert_eq!(st["app_display_name"], "Segment app", "{st}");
        assert_eq!(st["display_name"], "Segment two", "{st}");
        let out = wd.run(&["plan", "-detailed-exitcode", "-no-color"]);
        assert_eq!(out.code, 2, "{}", out.all());
        out.contains("\"Segment two\" -> \"Segment three\"");
        assert!(
            !out.all().contains("\"Segment\" -> \"Segment app\""),
            "{}",
            out.all()
        );
        apply(&wd);
        plan_is_empty(&wd);
        wd.run(&["destroy", "-auto-approve"]).success();
        assert!(sb.connectors().is_empty() && sb.apps().is_empty());
    });
}

/// `segment_access_token_wo_version` keeps Terraform's arbitrary precision:
/// each value survives apply and an empty re-plan, and a change in its last
/// digit is a change.
#[test]
fn token_versions_are_exact_numbers() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&[]);
        let token = sb.var("SEGMENT_ACCESS_TOKEN").to_string();
        let mut wd = WorkDir::new(tf);
        sb.configure(&mut wd);
        let config = |version: &str| {
            resource(&format!(
                "  segment_access_token_wo = \"{token}\"\n  segment_access_token_wo_version = {version}"
            ))
        };
        let e400 = format!("1{}", "0".repeat(400));
        for (version, stored) in [
            ("0.1", "0.1"),
            ("18446744073709551617", "18446744073709551617"),
            ("1e400", e400.as_str()),
        ] {
            wd.config(&config(version));
            apply(&wd);
            plan_is_empty(&wd);
            let state = std::fs::read_to_string(wd.path().join("terraform.tfstate")).unwrap();
            assert!(
                state.contains(&format!("\"segment_access_token_wo_version\": {stored}")),
                "the state holds {version} exactly"
            );
        }
        wd.config(&config("18446744073709551617"));
        apply(&wd);
        wd.config(&config("18446744073709551616"));
        let out = wd.run(&["plan", "-detailed-exitcode", "-no-color"]);
        assert_eq!(out.code, 2, "the last digit is a change:\n{}", out.all());
        out.contains("18446744073709551617 -> 18446744073709551616");
        wd.config(&config("0.1"));
        apply(&wd);
        wd.config(&config("0.10000000000000001"));
        let out = wd.run(&["plan", "-detailed-exitcode", "-no-color"]);
        assert_eq!(
            out.code,
            2,
            "0.1 and 0.10000000000000001 differ:\n{}",
            out.all()
        );
        wd.run(&["destroy", "-auto-approve"]).success();
        assert!(sb.connectors().is_empty() && sb.apps().is_empty());
    });
}

/// A server that echoes the request's token in a non-JSON error body, placed
/// across the 300-character cut of what a diagnostic shows: no part of the
/// token reaches Terraform's output or logs (scrubbed before the cut), for
/// the Segment token at plan and ConductorOne's access token at apply.
#[test]
fn a_token_across_the_cut_of_an_error_body_is_nowhere() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&[]);
        let token = sb.var("SEGMENT_ACCESS_TOKEN").to_string();
        let echo = |status: u16, method: &str, path: &str| {
            json!({
                "method": method,
                "path": path,
                "status": status,
                "count": 20,
                "body": format!("<html>{}{{bearer}}</html>", "<".repeat(284)),
            })
        };
        let mut wd = WorkDir::new(tf);
        sb.configure(&mut wd);
        wd.setenv("TF_LOG", "trace");
        wd.setenv("TF_VAR_token", &token);
        wd.config(&format!(
            "variable \"token\" {{\n  type      = string\n  sensitive = true\n  ephemeral = true\n}}\n\n{}",
            resource("  segment_access_token_wo = var.token")
        ));
        sb.fault(&echo(400, "GET", "/segment/"));
        let plan = wd.run(&["plan", "-no-color"]);
        plan.failure()
            .contains("cannot check the token against Segment");
        sb.clear_faults();
        sb.fault(&echo(400, "POST", "/api/v1/apps"));
        let apply = wd.run(&["apply", "-auto-approve", "-no-color"]);
        apply
            .failure()
            .contains("Cannot create the ConductorOne app");
        sb.clear_faults();
        for (what, out) in [("plan", &plan), ("apply", &apply)] {
            let text = crate::harness::squash(&out.all());
            assert!(
                text.contains("<<<<REDACTED"),
                "{what}: the token's place is marked"
            );
            for s in [&token[..10], "c1sbx_"] {
                assert!(!text.contains(s), "{what}: part of a token ({s}…) shows");
            }
        }
        assert!(sb.apps().is_empty() && sb.connectors().is_empty());
    });
}

/// The resource's state as `terraform show -json` gives it: values and identity.
fn state_entry(wd: &WorkDir) -> Value {
    let out = wd.run(&["show", "-json"]);
    out.success();
    let v: Value = serde_json::from_str(&out.stdout).expect("show JSON");
    v["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["address"] == ADDR))
        .cloned()
        .unwrap_or(Value::Null)
}

/// Resource identity (Terraform 1.12+; the matrix's 1.15.5): a created
/// resource carries `{ app_id, connector_id }`; an `import` block by identity
/// into a fresh state gives the same state and identity as the string
/// import, and the next plan is empty.
#[test]
fn identity_is_stored_and_imports_like_the_string_id() {
    let capable: Vec<_> = crate::harness::matrix()
        .iter()
        .filter(|tf| tf.at_least(1, 12))
        .collect();
    assert!(
        !capable.is_empty(),
        "no Terraform 1.12+ in the matrix for identity"
    );
    for tf in capable {
        let sb = Sandbox::start(&["--sync-delay", "600000"]);
        let app = new_app(&sb, "Segment (identity)");
        let body = format!(
            "  app_id = \"{app}\"\n  segment_access_token_wo = \"{}\"",
            sb.var("SEGMENT_ACCESS_TOKEN")
        );
        let mut created = WorkDir::new(tf);
        sb.configure(&mut created);
        created.config(&resource(&body));
        apply(&created);
        let want = state_entry(&created);
        let id = want["values"]["id"].as_str().unwrap().to_string();
        assert_eq!(
            want["identity"],
            json!({ "app_id": app, "connector_id": id }),
            "{want}"
        );
        // (`terraform state show` prints attributes only; `show -json` and the
        // state file carry the identity.)
        let stored = std::fs::read_to_string(created.path().join("terraform.tfstate")).unwrap();
        assert!(
            stored.contains("\"identity\""),
            "the state file holds the identity"
        );

        let mut by_identity = WorkDir::new(tf);
        sb.configure(&mut by_identity);
        by_identity.config(&format!(
            "{}\nimport {{\n  to = {ADDR}\n  identity = {{\n    app_id       = \"{app}\"\n    connector_id = \"{id}\"\n  }}\n}}\n",
            resource(&body)
        ));
        by_identity
            .run(&["apply", "-auto-approve", "-no-color"])
            .success()
            .contains("1 imported");
        let got = state_entry(&by_identity);
        assert_eq!(got["identity"], want["identity"]);
        assert_eq!(
            got["values"], want["values"],
            "identity import differs from create"
        );

        let mut by_string = WorkDir::new(tf);
        sb.configure(&mut by_string);
        by_string.config(&resource(&body));
        by_string
            .run(&["import", "-no-color", ADDR, &format!("{app}/{id}")])
            .success();
        assert_eq!(
            state_entry(&by_string),
            got,
            "string and identity imports agree"
        );
        plan_is_empty(&by_identity);
        by_identity.run(&["destroy", "-auto-approve"]).success();
        assert!(sb.connectors().is_empty());
    }
}

/// An `app_id` that names no app: the plan fails with one error on the
/// `app_id` line naming the ID, and nothing is made.
#[test]
fn an_unknown_app_id_fails_the_plan_on_its_line() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&[]);
        let mut wd = WorkDir::new(tf);
        sb.configure(&mut wd);
        let main = resource(&format!(
            "  app_id = \"no-such-app\"\n  segment_access_token = \"{}\"",
            sb.var("SEGMENT_ACCESS_TOKEN")
        ));
        wd.config(&main);
        let line = crate::harness::required_providers().lines().count()
            + main
                .lines()
                .position(|l| l.contains("no-such-app"))
                .unwrap()
            + 2;
        let out = wd.run(&["plan", "-json"]);
        out.failure();
        let errors: Vec<Value> = out
            .stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|j| j["type"] == "diagnostic" && j["diagnostic"]["severity"] == "error")
            .map(|j| j["diagnostic"].clone())
            .collect();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(errors[0]["summary"]
            .as_str()
            .unwrap()
            .contains("ConductorOne has no app \"no-such-app\""));
        assert_eq!(errors[0]["range"]["start"]["line"], line);
        let words = out.all().to_lowercase();
        assert!(!words.contains("pending"), "{}", out.all());
        assert!(sb.connectors().is_empty() && sb.apps().is_empty());
    });
}
