//! Crash-safe creates under real Terraform: for each create step and each way
//! of losing its answer after the sandbox carried it out, the next apply ends
//! with exactly one app and one connector and an empty plan.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::harness::{each_terraform, signal_group, wait_until, Terraform, WorkDir};
use crate::sandbox::{block_on, Sandbox};

#[derive(Clone, Copy, Debug)]
enum Step {
    App,
    /// The made app's marker comes to name the app itself.
    Own,
    /// `CreateDelegated`, the name carrying the marker.
    Connector,
    /// The made app's marker comes to name the connector.
    Bind,
    /// `Update` with the token (`updateMask: "config"`).
    Token,
    /// `UpdateDelegated`: the real name and the owners; the marker goes.
    Owners,
}

#[derive(Clone, Copy, Debug)]
enum Loss {
    /// The answer comes after the provider's request timeout.
    Hang,
    /// The connection is reset instead of answering.
    Reset,
    /// 503 after the work is done.
    ServerError,
    /// Terraform and its provider are killed (SIGKILL) while the request is
    /// in flight.
    Kill,
    /// Ctrl-C (SIGINT to the process group) while the request is in flight.
    Interrupt,
}

const LOSSES: [Loss; 5] = [
    Loss::Hang,
    Loss::Reset,
    Loss::ServerError,
    Loss::Kill,
    Loss::Interrupt,
];

/// The provider's request timeout in these tests, in seconds.
const TIMEOUT_SECS: u64 = 2;

fn fault(step: Step, loss: Loss) -> Value {
    let (path, skip) = match step {
        Step::App => ("/api/v1/apps", 0),
        Step::Connector => ("/api/v1/apps/*/connectors", 0),
        // The first POST to the app names it in its marker, the next (under
        // it) is the connector's create; the third records the connector
        // in the app's marker.
        Step::Own => ("/api/v1/apps/*", 0),
        Step::Bind => ("/api/v1/apps/*", 2),
        // The first POST under a connector sends the token; the next sets
        // the name and owners.
        Step::Token => ("/api/v1/apps/*/connectors/*", 0),
        Step::Owners => ("/api/v1/apps/*/connectors/*", 1),
    };
    let mut f = json!({ "method": "POST", "path": path, "skip": skip, "commit": true });
    match loss {
        Loss::Hang => f["hang_ms"] = json!(TIMEOUT_SECS * 1000 + 1500),
        Loss::Reset => f["reset"] = json!(true),
        Loss::ServerError => f["status"] = json!(503),
        Loss::Kill | Loss::Interrupt => f["hang_ms"] = json!(120_000),
    }
    f
}

/// The step's work is visible in the sandbox.
fn committed(sb: &Sandbox, step: Step, apps_before: usize, name: &str) -> bool {
    match step {
        Step::App => sb.apps().len() > apps_before,
        Step::Connector => !sb.connectors().is_empty(),
        Step::Token => sb.connectors().iter().any(|c| !c["config"].is_null()),
        Step::Own => sb
            .apps()
            .iter()
            .any(|a| a["description"].as_str().unwrap_or("").contains(" o=")),
        Step::Bind => sb
            .apps()
            .iter()
            .any(|a| a["description"].as_str().unwrap_or("").contains(" c=")),
        Step::Owners => sb.connectors().iter().any(|c| c["displayName"] == name),
    }
}

fn run_case(tf: &Terraform, step: Step, loss: Loss, given_app: bool) {
    let sb = Sandbox::start(&[]);
    let app_id = given_app.then(|| {
        let c1 = sb.c1();
        block_on(async move { c1.create_app("Given", "").await.expect("app").id })
    });
    let name = format!("Segment ({step:?} {loss:?})");
    let mut wd = WorkDir::new(tf);
    sb.configure(&mut wd);
    wd.setenv("CONDUCTORONE_REQUEST_TIMEOUT", &TIMEOUT_SECS.to_string());
    let app_line = app_id
        .as_deref()
        .map_or(String::new(), |id| format!("  app_id = \"{id}\"\n"));
    wd.config(&format!(
        "provider \"conductorone\" {{}}\n\nresource \"conductorone_segment_integration\" \"seg\" {{\n{app_line}  display_name = \"{name}\"\n  segment_access_token_wo = \"{}\"\n}}\n",
        sb.var("SEGMENT_ACCESS_TOKEN")
    ));
    let apps_before = sb.apps().len();
    sb.fault(&fault(step, loss));
    let first = lose_an_answer(&wd, &sb, step, loss, apps_before, &name);

    sb.clear_faults();
    let second = wd.run(&["apply", "-auto-approve", "-no-color"]);
    second.success();
    let (apps, connectors) = (sb.apps().len(), sb.connectors().len());
    assert_eq!(
        (apps, connectors),
        (1, 1),
        "apps and connectors after the next apply\nfirst apply:\n{first}\nsecond apply:\n{}",
        second.all()
    );
    let c = &sb.connectors()[0];
    assert_eq!(c["displayName"], name.as_str());
    assert!(
        !c["description"]
            .as_str()
            .unwrap_or("")
            .contains("terraform-pending")
            && !sb.apps()[0]["description"]
                .as_str()
                .unwrap_or("")
                .contains("terraform-pending"),
        "markers are cleared once the create completes: {:?}",
        sb.apps()
    );
    if matches!(loss, Loss::Kill) {
        second.contains("that an interrupted apply made");
    }
    let plan = wd.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(plan.code, 0, "the plan is not empty:\n{}", plan.all());
    wd.run(&["destroy", "-auto-approve", "-no-color"]).success();
    assert!(sb.connectors().is_empty(), "a connector is left");
    assert_eq!(sb.apps().len(), usize::from(given_app), "apps left");
}

/// The first apply, during which the step's answer is lost; returns its output.
fn lose_an_answer(
    wd: &WorkDir,
    sb: &Sandbox,
    step: Step,
    loss: Loss,
    apps_before: usize,
    name: &str,
) -> String {
    match loss {
        Loss::Hang | Loss::Reset | Loss::ServerError => {
            // The provider finds what its own lost call made, or retries an
            // idempotent one: the apply succeeds, with nothing made twice.
            let out = wd.run(&["apply", "-auto-approve", "-no-color"]);
            out.success();
            assert_eq!(sb.connectors().len(), 1, "{}", out.all());
            out.all()
        }
        Loss::Kill | Loss::Interrupt => {
            let mut child = wd.spawn(&["apply", "-auto-approve", "-no-color"], "first");
            wait_until(
                "the step to be carried out",
                Duration::from_secs(60),
                || committed(sb, step, apps_before, name),
            );
            let signal = if matches!(loss, Loss::Kill) {
                "KILL"
            } else {
                "INT"
            };
            let sent = Instant::now();
            signal_group(&child, signal);
            let status = child.wait().expect("wait");
            let took = sent.elapsed();
            let log = wd.log("first");
            if matches!(loss, Loss::Interrupt) {
                eprintln!("Ctrl-C during the {step:?} step: Terraform exited in {took:?}");
                assert!(
                    took < Duration::from_secs(2),
                    "Terraform took {took:?} to stop after Ctrl-C:\n{log}"
                );
                assert!(!status.success(), "an interrupted apply fails:\n{log}");
            }
            log
        }
    }
}

/// Runs every case of `cases` under `tf`, a few at a time; names those that failed.
fn run_cases(tf: &Terraform, cases: &[(Step, Loss, bool)]) {
    let failed = std::sync::Mutex::new(Vec::new());
    for chunk in cases.chunks(5) {
        std::thread::scope(|s| {
            for &(step, loss, given) in chunk {
                let failed = &failed;
                s.spawn(move || {
                    let r = std::panic::catch_unwind(|| run_case(tf, step, loss, given));
                    if r.is_err() {
                        failed
                            .lock()
                            .unwrap()
                            .push(format!("{step:?}/{loss:?}/given_app={given}"));
                    }
                });
            }
        });
    }
    let failed = failed.into_inner().unwrap();
    assert!(failed.is_empty(), "cases that failed: {failed:?}");
}

#[test]
fn a_lost_answer_at_each_create_step_leaves_one_app_and_one_connector() {
    let mut cases = Vec::new();
    for loss in LOSSES {
        for step in [
            Step::App,
            Step::Own,
            Step::Connector,
            Step::Bind,
            Step::Token,
            Step::Owners,
        ] {
            cases.push((step, loss, false));
        }
        // With app_id given, setting the name and owners is the create's
        // last call: an answer lost there is recovered in the same run, but
        // Terraform killed after it leaves a complete connector that no run
        // adopts (the resource page's "Limits"), as a kill after the
        // managed app's last call does.
        for step in [Step::Connector, Step::Token, Step::Owners] {
            let last = matches!(step, Step::Owners);
            if !(last && matches!(loss, Loss::Kill | Loss::Interrupt)) {
                cases.push((step, loss, true));
            }
        }
    }
    each_terraform(|tf| run_cases(tf, &cases));
}

/// What an interrupted create left pending and the user then imports is
/// tracked: its markers go, and a later create of the same configuration
/// makes its own objects instead of adopting the imported ones.
#[test]
fn an_imported_pending_connector_is_never_adopted_again() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&[]);
        let token = sb.var("SEGMENT_ACCESS_TOKEN").to_string();
        let managed = format!(
            "provider \"conductorone\" {{}}\n\nresource \"conductorone_segment_integration\" \"seg\" {{\n  segment_access_token_wo = \"{token}\"\n}}\n"
        );
        let mut first = WorkDir::new(tf);
        sb.configure(&mut first);
        first.config(&managed);
        sb.fault(&fault(Step::Owners, Loss::Kill));
        lose_an_answer(&first, &sb, Step::Owners, Loss::Kill, 0, "Segment");
        sb.clear_faults();
        let (app, conn) = (sb.apps()[0]["id"].clone(), sb.connectors()[0]["id"].clone());
        let (app, conn) = (app.as_str().unwrap(), conn.as_str().unwrap());
        assert!(sb.apps()[0]["description"]
            .as_str()
            .unwrap()
            .contains("terraform-pending"));

        let mut imported = WorkDir::new(tf);
        sb.configure(&mut imported);
        imported.config(&format!(
            "provider \"conductorone\" {{}}\n\nresource \"conductorone_segment_integration\" \"seg\" {{\n  app_id = \"{app}\"\n  segment_access_token_wo = \"{token}\"\n}}\n"
        ));
        imported
            .run(&[
                "import",
                "-no-color",
                "conductorone_segment_integration.seg",
                &format!("{app}/{conn}"),
            ])
            .success();
        let marked = |v: &Value| {
            v["description"]
                .as_str()
                .unwrap_or("")
                .contains("terraform-pending")
        };
        assert!(!sb.apps().iter().any(marked) && !sb.connectors().iter().any(marked));

        let mut again = WorkDir::new(tf);
        sb.configure(&mut again);
        again.config(&managed);
        let out = again.run(&["apply", "-auto-approve", "-no-color"]);
        out.success();
        assert!(!out.all().contains("left pending"), "{}", out.all());
        assert_eq!((sb.apps().len(), sb.connectors().len()), (2, 2));
        again.run(&["destroy", "-auto-approve"]).success();
        imported.run(&["destroy", "-auto-approve"]).success();
        assert!(sb.connectors().is_empty());
    });
}
