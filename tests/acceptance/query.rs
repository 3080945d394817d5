//! Adoption at scale under Terraform 1.14+ (the matrix's 1.15.5): the list
//! resource `conductorone_segment_integration` in `terraform query`, and the
//! configuration Terraform generates from it through `GenerateResourceConfig`.

use std::time::Duration;

use crate::harness::{matrix, repo_root, required_providers, Terraform, WorkDir};
use crate::sandbox::Sandbox;

/// The Terraforms that have `terraform query` and actions (1.14+); at least one.
pub fn query_capable() -> Vec<&'static Terraform> {
    let capable: Vec<_> = matrix().iter().filter(|tf| tf.at_least(1, 14)).collect();
    assert!(
        !capable.is_empty(),
        "no Terraform 1.14+ in the matrix for list resources and actions"
    );
    capable
}

fn list_block(config: &str) -> String {
    format!("list \"conductorone_segment_integration\" \"found\" {{\n  provider = conductorone\n  limit    = 1000\n{config}}}\n")
}

/// The shipped example, `list "conductorone_segment_integration" "all"`.
fn example_query() -> String {
    let path = repo_root()
        .join("examples/list-resources/conductorone_segment_integration/list-resource.tfquery.hcl");
    std::fs::read_to_string(path).expect("list resource example")
}

fn provider_only() -> String {
    format!("{}\nprovider \"conductorone\" {{}}\n", required_providers())
}

/// A working directory holding the provider block and one list block.
fn query_dir(tf: &Terraform, sb: &Sandbox, list_config: &str) -> WorkDir {
    let mut wd = WorkDir::new(tf);
    sb.configure(&mut wd);
    wd.write("main.tf", &provider_only());
    wd.write("found.tfquery.hcl", &list_block(list_config));
    wd
}

/// The `list.…` result lines of `terraform query`.
fn results(out: &str) -> Vec<&str> {
    out.lines()
        .filter(|l| l.starts_with("list.conductorone_segment_integration."))
        .collect()
}

const TENANT: &[&str] = &[
    "--c1-apps",
    "500",
    "--c1-segment-connectors",
    "37",
    "--c1-other-connectors",
    "20",
];

/// 500 apps holding 37 Segment connectors and 20 others, 20 ms per request:
/// `terraform query -generate-config-out` lists exactly the 37 and writes an
/// `import` and a `resource` block for each: `fmt`-clean, no secret, no
/// read-only attribute. With the token line filled in as the guide says,
/// the plan is 37 imports and nothing else; apply imports them; the next
/// plan is empty. The query's time is reported against its round-trip floor.
#[test]
fn query_finds_every_segment_connector_and_generates_importable_config() {
    for tf in query_capable() {
        let mut args = TENANT.to_vec();
        args.extend(["--latency-ms", "20"]);
        let sb = Sandbox::start(&args);
        let wd = query_dir(tf, &sb, "");
        std::fs::remove_file(wd.path().join("found.tfquery.hcl")).unwrap();
        wd.write("all.tfquery.hcl", &example_query());
        let out = wd.run(&["query", "-no-color", "-generate-config-out=adopt.tf"]);
        out.success();
        let found = results(&out.stdout);
        assert_eq!(found.len(), 37, "{}", out.all());
        assert!(found
            .iter()
            .all(|l| l.contains("Segment (env-") && l.contains(" in app \"App ")));
        report_timing(tf, &out.elapsed, &sb);

        let adopt = std::fs::read_to_string(wd.path().join("adopt.tf")).expect("adopt.tf");
        check_generated(&wd, &adopt, &sb);
        let filled = adopt.replace(
            "segment_access_token_wo         = null # sensitive",
            "segment_access_token_wo         = var.segment_token",
        );
        assert_ne!(
            filled, adopt,
            "the write-only token line is where the guide says"
        );
        wd.write("adopt.tf", &filled);
        wd.write(
            "variables.tf",
            "variable \"segment_token\" {\n  type      = string\n  sensitive = true\n  ephemeral = true\n}\n",
        );
        let mut wd = wd;
        wd.setenv("TF_VAR_segment_token", sb.var("SEGMENT_ACCESS_TOKEN"));
        let plan = wd.run(&["plan", "-no-color"]);
        plan.success()
            .contains("Plan: 37 to import, 0 to add, 0 to change, 0 to destroy.");
        wd.run(&["apply", "-auto-approve", "-no-color"])
            .success()
            .contains("37 imported, 0 added, 0 changed, 0 destroyed");
        let again = wd.run(&["plan", "-detailed-exitcode", "-no-color"]);
        assert_eq!(
            again.code,
            0,
            "the plan after adoption is not empty:\n{}",
            again.all()
        );
        assert!(!again.all().contains(sb.var("SEGMENT_ACCESS_TOKEN")));
    }
}

/// The generated file: `terraform fmt -check` clean, 37 import blocks by
/// identity, no secret, no read-only attribute, no default-valued one.
fn check_generated(wd: &WorkDir, adopt: &str, sb: &Sandbox) {
    wd.run(&["fmt", "-check", "-no-color", "adopt.tf"])
        .success();
    assert_eq!(adopt.matches("import {").count(), 37, "{adopt}");
    assert_eq!(adopt.matches("identity = {").count(), 37);
    assert_eq!(
        adopt
            .matches("resource \"conductorone_segment_integration\"")
            .count(),
        37
    );
    assert!(
        !adopt.contains(sb.var("SEGMENT_ACCESS_TOKEN")),
        "a token in {adopt}"
    );
    for read_only in [
        " id ",
        "managed_app",
        "created_at",
        "segment_workspace_id",
        "segment_workspace_slug",
        "app_display_name",
    ] {
        assert!(
            !adopt.contains(read_only),
            "{read_only:?} generated:\n{adopt}"
        );
    }
    assert!(
        !adopt.contains("display_name = \"Segment\"\n"),
        "a default generated"
    );
}

/// Prints the query's wall time against its floor: 5 pages of 100 apps plus
/// 500 apps' connector lists, 16 at a time, at 20 ms each; and the same
/// query's time with no latency (Terraform's own cost).
fn report_timing(tf: &Terraform, took: &Duration, latency: &Sandbox) {
    let floor_ms = 20 * (5 + 500_u64.div_ceil(16));
    let sb = Sandbox::start(TENANT);
    let wd = query_dir(tf, &sb, "");
    let base = wd.run(&["query", "-no-color"]);
    base.success();
    let requests = latency.requests().len();
    eprintln!(
        "terraform {}: query of 500 apps at 20 ms: {} ms wall; round-trip floor {floor_ms} ms \
         (5 app pages + 500/16 rounds); the same query at 0 ms: {} ms; {requests} requests",
        tf.version,
        took.as_millis(),
        base.elapsed.as_millis()
    );
    assert!(
        took.as_millis() < u128::from(floor_ms) + base.elapsed.as_millis() + 1500,
        "the query is far above its floor"
    );
}

/// `app_id` and `display_name_regex` narrow the results; a bad regex and an
/// unknown app fail naming the attribute.
#[test]
fn query_narrows_by_app_and_name() {
    for tf in query_capable() {
        let sb = Sandbox::start(&[
            "--c1-apps",
            "3",
            "--c1-segment-connectors",
            "6",
            "--c1-other-connectors",
            "2",
        ]);
        let all = query_dir(tf, &sb, "").run(&["query", "-no-color"]);
        all.success();
        assert_eq!(results(&all.stdout).len(), 6, "{}", all.all());

        // A marker this provider's key did not make holds nothing.
        let forged = mark_pending(&sb, "Segment (env-4)", false);
        // A connector an interrupted create left pending is not offered.
        let held = mark_pending(&sb, "Segment (env-3)", true);
        let out = query_dir(tf, &sb, "").run(&["query", "-no-color"]);
        out.success()
            .contains("Connector left out: an interrupted apply made it")
            .contains(&held);
        assert_eq!(results(&out.stdout).len(), 5, "{}", out.all());
        assert!(out.stdout.contains(&forged), "{}", out.all());

        let by_name = query_dir(
            tf,
            &sb,
            "  config {\n    display_name_regex = \"env-[12]\\\\)\"\n  }\n",
        );
        let out = by_name.run(&["query", "-no-color"]);
        out.success();
        let names: Vec<_> = results(&out.stdout);
        assert_eq!(names.len(), 2, "{}", out.all());

        let app = sb
            .connectors()
            .iter()
            .find(|c| c["displayName"] == "Segment (env-1)")
            .map(|c| c["appId"].as_str().unwrap().to_string())
            .unwrap();
        let in_app = sb
            .connectors()
            .iter()
            .filter(|c| {
                c["appId"] == app.as_str() && c["catalogId"] == "2YuQMfugzij8vRI4FGkYNcMxgOe"
            })
            .count();
        let by_app = query_dir(
            tf,
            &sb,
            &format!("  config {{\n    app_id = \"{app}\"\n  }}\n"),
        );
        let out = by_app.run(&["query", "-no-color"]);
        out.success();
        assert_eq!(results(&out.stdout).len(), in_app, "{}", out.all());

        let bad = query_dir(
            tf,
            &sb,
            "  config {\n    display_name_regex = \"(unclosed\"\n  }\n",
        );
        // The error points at the attribute's line inside `config` (line 5).
        bad.run(&["query", "-no-color"])
            .failure()
            .contains("on found.tfquery.hcl line 5")
            .contains("display_name_regex = \"(unclosed\"");
        let gone = query_dir(tf, &sb, "  config {\n    app_id = \"no-such-app\"\n  }\n");
        gone.run(&["query", "-no-color"])
            .failure()
            .contains("no-such-app")
            .contains("on found.tfquery.hcl line 5");
    }
}

/// `terraform plan -generate-config-out` for an `import` block without a
/// resource block (Terraform 1.5+; by identity on 1.12+): the generated
/// block is `fmt`-clean, holds no read-only attribute, imports, and the
/// next plan is empty. (Before 1.14 Terraform derives it from the state
/// itself; from 1.14 it asks the provider.)
#[test]
fn plan_generates_config_for_an_import_block() {
    crate::harness::each_terraform(|tf| {
        let sb = Sandbox::start(&["--c1-apps", "2", "--c1-segment-connectors", "1"]);
        let c = sb
            .connectors()
            .into_iter()
            .find(|c| c["catalogId"] == "2YuQMfugzij8vRI4FGkYNcMxgOe")
            .unwrap();
        let (app, id) = (c["appId"].as_str().unwrap(), c["id"].as_str().unwrap());
        let target = if tf.at_least(1, 12) {
            format!("  identity = {{\n    app_id       = \"{app}\"\n    connector_id = \"{id}\"\n  }}\n")
        } else {
            format!("  id = \"{app}/{id}\"\n")
        };
        let mut wd = WorkDir::new(tf);
        sb.configure(&mut wd);
        wd.write(
            "main.tf",
            &format!(
                "{}\nimport {{\n  to = conductorone_segment_integration.adopted\n{target}}}\n",
                provider_only()
            ),
        );
        let out = wd.run(&["plan", "-no-color", "-generate-config-out=generated.tf"]);
        out.success()
            .contains("1 to import, 0 to add, 0 to change, 0 to destroy");
        let generated = std::fs::read_to_string(wd.path().join("generated.tf")).unwrap();
        eprintln!("{generated}");
        wd.run(&["fmt", "-check", "-no-color", "generated.tf"])
            .success();
        assert!(
            generated.contains(&format!("app_id                          = \"{app}\"")),
            "{generated}"
        );
        for read_only in [" id ", "managed_app", "created_at", "segment_workspace_id"] {
            assert!(
                !generated.contains(read_only),
                "{read_only:?} generated:\n{generated}"
            );
        }
        wd.run(&["apply", "-auto-approve", "-no-color"])
            .success()
            .contains("1 imported");
        let again = wd.run(&["plan", "-detailed-exitcode", "-no-color"]);
        assert_eq!(again.code, 0, "{}", again.all());
    });
}

/// Gives the connector named `name` the pending marker of an interrupted
/// create; returns its ID.
fn mark_pending(sb: &Sandbox, name: &str, valid: bool) -> String {
    use terraform_provider_conductorone::conductorone::Credentials;
    use terraform_provider_conductorone::resources::segment_integration::{
        Kind, Marker, MarkerKey,
    };
    let c1 = sb.c1();
    let name = name.to_string();
    // As the provider's own interrupted create marks it (with the key from
    // the sandbox's client secret), or as anyone else could.
    let key = MarkerKey::for_credentials(&Credentials::ClientCredentials {
        server_url: url::Url::parse(sb.url()).unwrap(),
        client_id: sb.var("CONDUCTORONE_CLIENT_ID").to_string(),
        client_secret: terraform_provider_conductorone::secret::Secret::new(
            sb.var("CONDUCTORONE_CLIENT_SECRET").to_string(),
        ),
    });
    let marker = Marker {
        fingerprint: 0x0123_4567_89ab_cdef,
        attempt: 0xfedc_ba98_7654_3210,
        time: 0,
        own: None,
        connector: None,
    };
    let marked = match valid {
        true => marker.add_to(&name, &key, Kind::Connector),
        false => format!("{name} [terraform-pending f=0123456789abcdef a=fedcba9876543210 m=00000000000000000000000000000000]"),
    };
    crate::sandbox::block_on(async move {
        let apps = c1.all_apps().await.unwrap();
        let found = c1
            .connectors_of_catalog("2YuQMfugzij8vRI4FGkYNcMxgOe", Some(apps))
            .await
            .unwrap();
        let (_, c) = found
            .into_iter()
            .find(|(_, c)| c.display_name == name)
            .unwrap();
        // The marker is in the name, as a create puts it there.
        let update =
            terraform_provider_conductorone::conductorone::ConnectorUpdate::NameAndOwners {
                display_name: marked,
                user_ids: c.user_ids.clone(),
            };
        let whole = c1.connector(&c.app_id, &c.id).await.unwrap().unwrap();
        c1.update_connector(&whole, &update).await.unwrap();
        c.id
    })
}

/// A hostile ConductorOne: 100 apps, each with a Segment connector whose
/// `config` is 30 MiB of zeros (which, decoded into a tree, costs some 16
/// times that). `terraform query` ends with the discovery's clear error,
/// and the provider's peak memory stays under 200 MiB.
#[test]
fn query_against_huge_connector_configs_stays_bounded() {
    let zeros = format!("[{}0]", "0,".repeat(15 << 20));
    let connector_page = std::sync::Arc::new(format!(
        "{{\"list\": [{{\"connector\": {{\"id\": \"c1\", \"appId\": \"APP\", \"catalogId\": \"2YuQMfugzij8vRI4FGkYNcMxgOe\", \"displayName\": \"Segment\", \"config\": {{\"zeros\": {zeros}}}}}}}], \"nextPageToken\": \"\"}}"
    ));
    let apps: Vec<String> = (0..100)
        .map(|i| format!("{{\"id\": \"app{i:03}\", \"displayName\": \"App {i}\"}}"))
        .collect();
    let apps_page = format!(
        "{{\"list\": [{}], \"nextPageToken\": \"\"}}",
        apps.join(",")
    );
    let mock = crate::mock_http::serve_fn(move |line, _| {
        let body = if line.contains("/connectors") {
            connector_page.to_string()
        } else if line.starts_with("GET /api/v1/apps") {
            apps_page.clone()
        } else {
            "{}".to_string()
        };
        (200, String::new(), body)
    });
    for tf in query_capable() {
        let mut wd = WorkDir::new(tf);
        wd.setenv("CONDUCTORONE_SERVER_URL", &mock.url)
            .setenv(
                "CONDUCTORONE_ACCESS_TOKEN",
                "access-token-for-a-hostile-server",
            )
            .setenv("TF_LOG_PROVIDER", "debug");
        wd.write("main.tf", &provider_only());
        wd.write("found.tfquery.hcl", &list_block(""));
        let out = wd.run(&["query", "-no-color"]);
        out.failure()
            .contains("stopped the discovery")
            .contains("MiB");
        let peak = crate::harness::provider_peak_kib(&out);
        eprintln!(
            "query against 100 apps with 30 MiB configs: {:?}, provider peak {} MiB",
            out.elapsed,
            peak / 1024
        );
        assert!(peak < 200 * 1024, "provider peak {peak} KiB");
    }
}
