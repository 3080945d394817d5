//! Hostile servers and hostile tenants, under real Terraform: redirects that
//! would carry a secret away, markers planted to be adopted, a token echoed
//! broken across lines, numbers that once crashed the provider, a pager that
//! never ends, and addresses that name one host but mean another.

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{json, Value};

use crate::harness::{each_terraform, trap, Output, WorkDir};
use crate::mock_http::serve_fn;
use crate::sandbox::{block_on, Sandbox};

/// What no Terraform output may ever say: a crashed or hung provider.
#[track_caller]
fn no_crash(out: &Output) {
    let all = out.all();
    for bad in [
        "Plugin did not respond",
        "panicked",
        "This is a bug in the provider",
    ] {
        assert!(!all.contains(bad), "{bad:?} in:\n{all}");
    }
}

const INTEGRATION: &str = "resource \"conductorone_segment_integration\" \"seg\" {\n  segment_access_token_wo = var.token\n  segment_access_token_wo_version = 1\n}\n\nvariable \"token\" {\n  type      = string\n  sensitive = true\n  ephemeral = true\n}\n";

/// A 307 to another host on the connector update that carries the Segment
/// token in its body, and on the token request (the client assertion): the
/// apply fails naming the host, and the host hears nothing.
#[test]
fn redirects_never_carry_secrets_away() {
    each_terraform(|tf| {
        for path in ["/api/v1/apps/*/connectors/*", "/auth/v1/token"] {
            let sb = Sandbox::start(&[]);
            let (to, hits) = trap();
            let mut wd = WorkDir::new(tf);
            sb.configure(&mut wd);
            wd.setenv("TF_VAR_token", sb.var("SEGMENT_ACCESS_TOKEN"));
            wd.config(&format!("provider \"conductorone\" {{}}\n\n{INTEGRATION}"));
            sb.fault(
                &json!({"method": "POST", "path": path, "status": 307, "count": 1000,
                "headers": {"location": format!("{to}/steal")}}),
            );
            let out = wd.run(&["apply", "-auto-approve", "-no-color"]);
            out.failure()
                .contains(&format!("HTTP 307 redirecting to {to}"))
                .contains("Nothing was sent there");
            no_crash(&out);
            assert_eq!(
                hits.load(Ordering::SeqCst),
                0,
                "{path}: the target was reached"
            );
            assert!(!out.all().contains(sb.var("SEGMENT_ACCESS_TOKEN")));
            wd.run(&["destroy", "-auto-approve", "-no-color"]).success();
            assert!(
                sb.connectors().is_empty() && sb.apps().is_empty(),
                "{path}: left behind"
            );
        }
    });
}

/// FNV-1a as the provider names a configuration (anyone can compute it).
fn fingerprint(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// A marker as someone without the provider's key can write it: the right
/// fingerprint, and a made-up MAC (or none, as markers were before they
/// were authenticated).
fn forged(parts: &[&str], with_mac: bool) -> String {
    let f = fingerprint(parts);
    match with_mac {
        true => format!(
            "[terraform-pending f={f:016x} a=0000000000000001 m={}]",
            "0".repeat(32)
        ),
        false => format!("[terraform-pending f={f:016x} a=0000000000000001]"),
    }
}

/// Plants, as another user of the tenant would: an app (unless `in_app`
/// is given) and a Segment connector in it, each described by `marker`
/// (the app only when it is planted). Returns their IDs.
fn plant(sb: &Sandbox, in_app: Option<&str>, marker: &str) -> (String, String) {
    let c1 = sb.c1();
    let (m, given) = (marker.to_string(), in_app.map(str::to_string));
    block_on(async move {
        let app = match given {
            Some(id) => id,
            None => c1.create_app("Segment", &m).await.expect("app").id,
        };
        // A create puts the connector's marker in its name.
        let name = format!("Segment {m}");
        let new = terraform_provider_conductorone::conductorone::NewConnector {
            app_id: &app,
            catalog_id: "2YuQMfugzij8vRI4FGkYNcMxgOe",
            display_name: &name,
            description: "",
            user_ids: &[],
            secret: None,
        };
        let c = c1.create_connector(&new).await.expect("connector");
        (app, c.id)
    })
}

/// A genuine marker of the default configuration, as the provider with the
/// sandbox's credentials writes it, copied by someone who can read the
/// tenant's apps: from an app it names (`own`), or one written long before
/// (`age_secs`) the object it is planted on.
fn copied(sb: &Sandbox, parts: &[&str], own: Option<&str>, age_secs: u64) -> String {
    use terraform_provider_conductorone::conductorone::Credentials;
    use terraform_provider_conductorone::resources::segment_integration::{
        Kind, Marker, MarkerKey,
    };
    let key = MarkerKey::for_credentials(&Credentials::ClientCredentials {
        server_url: url::Url::parse(sb.url()).unwrap(),
        client_id: sb.var("CONDUCTORONE_CLIENT_ID").to_string(),
        client_secret: terraform_provider_conductorone::secret::Secret::new(
            sb.var("CONDUCTORONE_CLIENT_SECRET").to_string(),
        ),
    });
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let marker = Marker {
        fingerprint: fingerprint(parts),
        attempt: 0x5eed_0000_0000_0001,
        time: now - age_secs,
        own: None,
        connector: None,
    };
    let marker = match own {
        Some(id) => marker.owning(id),
        None => marker,
    };
    marker.add_to("", &key, Kind::App)
}

/// The markers planted: forged (a made-up MAC, or none), or genuine and
/// copied (naming the app it was on, or stale on the object it is planted on).
#[derive(Clone, Copy, Debug)]
enum Planted {
    Forged,
    Unauthenticated,
    CopiedFromItsApp,
    CopiedStale,
}

/// Objects planted with markers of the default configuration, or of one
/// naming an existing app: forged ones, and genuine ones copied from where
/// an apply wrote them. The apply makes its own, says what it ignored,
/// and sends nothing to them (the planted connector never gets the token).
#[test]
fn planted_markers_are_never_adopted() {
    let managed = [
        "conductorone_segment_integration",
        "managed",
        "Segment",
        "Segment",
    ];
    let cases = [
        (false, Planted::Forged),
        (false, Planted::Unauthenticated),
        (true, Planted::Forged),
        (false, Planted::CopiedFromItsApp),
        (false, Planted::CopiedStale),
    ];
    each_terraform(|tf| {
        for (given, planted_marker) in cases {
            let sb = Sandbox::start(&[]);
            let given_app = given.then(|| {
                let c1 = sb.c1();
                block_on(async move { c1.create_app("Given", "").await.expect("app").id })
            });
            let marker = |parts: &[&str]| match planted_marker {
                Planted::Forged => forged(parts, true),
                Planted::Unauthenticated => forged(parts, false),
                Planted::CopiedFromItsApp => {
                    copied(&sb, parts, Some("2GenuineAppOfTheMarker0000"), 0)
                }
                Planted::CopiedStale => copied(&sb, parts, None, 86_400),
            };
            let (app, planted) = match &given_app {
                Some(id) => {
                    let parts = ["conductorone_segment_integration", "given", id, "Segment"];
                    plant(&sb, Some(id), &marker(&parts))
                }
                None => plant(&sb, None, &marker(&managed)),
            };
            let mut wd = WorkDir::new(tf);
            sb.configure(&mut wd);
            wd.setenv("TF_VAR_token", sb.var("SEGMENT_ACCESS_TOKEN"));
            let app_line = given_app
                .as_ref()
                .map_or(String::new(), |id| format!("  app_id = \"{id}\"\n"));
            let resource = INTEGRATION.replacen("{\n", &format!("{{\n{app_line}"), 1);
            wd.config(&format!("provider \"conductorone\" {{}}\n\n{resource}"));
            sb.clear_requests();
            let out = wd.run(&["apply", "-auto-approve", "-no-color"]);
            let ignored = match given {
                true => format!("connector \"Segment\" ({planted}) in app {app}"),
                false => format!("app \"Segment\" ({app})"),
            };
            out.success()
                .contains("Ignored 1 ConductorOne object(s) marked as made by an interrupted apply of this configuration")
                .contains(&ignored);
            assert!(
                !out.all().contains("that an interrupted apply made"),
                "{}",
                out.all()
            );
            assert_eq!(
                (sb.apps().len(), sb.connectors().len()),
                (2 - usize::from(given), 2)
            );
            let theirs = sb
                .connectors()
                .into_iter()
                .find(|c| c["id"] == planted.as_str())
                .unwrap();
            assert_eq!(
                theirs["config"],
                Value::Null,
                "the token went to the planted connector"
            );
            let written: Vec<Value> = sb
                .requests()
                .into_iter()
                .filter(|r| r["method"] != "GET")
                .filter(|r| {
                    let path = r["path"].as_str().unwrap_or("");
                    path.contains(&planted) || (!given && path.contains(&app))
                })
                .collect();
            assert!(
                written.is_empty(),
                "writes to what was planted: {written:?}"
            );
            let state = wd.run(&["show", "-json"]);
            assert!(!state.stdout.contains(&planted));
            let plan = wd.run(&["plan", "-detailed-exitcode", "-no-color"]);
            assert_eq!(plan.code, 0, "{}", plan.all());
            wd.run(&["destroy", "-auto-approve", "-no-color"]).success();
            let left: Vec<Value> = sb.connectors();
            assert_eq!(left.len(), 1, "the planted connector stays: {left:?}");
            assert_eq!(left[0]["id"], planted.as_str());
        }
    });
}

/// A server echoing the Segment token wrapped at every column from 1 to 80
/// (in Segment's error shape and in a plain body): the token appears
/// nowhere in Terraform's output or its `TF_LOG=trace` log, in any form.
#[test]
fn a_token_echoed_broken_across_lines_never_shows() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&[]);
        let token = sb.var("SEGMENT_ACCESS_TOKEN").to_string();
        for col in 1..=80 {
            let body = if col % 2 == 0 {
                json!({"errors": [{"type": "bad", "message": "token {bearer_json} is not valid here"}]})
                    .to_string()
            } else {
                "<html>token {bearer} refused</html>".to_string()
            };
            sb.fault(
                &json!({"method": "GET", "path": "/segment/groups/*", "status": 400,
                "body": body, "wrap": col}),
            );
        }
        let mut wd = WorkDir::new(tf);
        sb.configure(&mut wd);
        wd.setenv("TF_LOG", "trace");
        wd.config(
            "provider \"conductorone\" {}\n\n\
             data \"conductorone_segment_group\" \"g\" {\n  for_each = toset([for i in range(80) : \"g${i}\"])\n  id = each.key\n}\n",
        );
        // Every read at once: Terraform starts no new one after an error.
        let out = wd.run(&["plan", "-json", "-parallelism=100"]);
        out.failure().contains("Segment answered HTTP 400");
        no_crash(&out);
        // 80 answers, each with the token wrapped at its own column; once
        // scrubbed they make two messages (Terraform 1.15 shows identical
        // diagnostics once): any trace of the token would make more.
        let groups = sb.requests().into_iter();
        let read = groups.filter(|r| {
            r["path"]
                .as_str()
                .unwrap_or("")
                .starts_with("/segment/groups/")
        });
        assert_eq!(read.count(), 80);
        let mut messages: Vec<String> = out
            .stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|j| j["type"] == "diagnostic")
            .filter_map(|j| j["diagnostic"]["detail"].as_str().map(str::to_string))
            .filter(|d| d.starts_with("Segment answered"))
            .collect();
        messages.sort_unstable();
        messages.dedup();
        assert_eq!(messages.len(), 2, "{messages:#?}");
        assert!(
            messages.iter().all(|m| m.contains("token REDACTED")),
            "{messages:#?}"
        );
        let squashed: String = out
            .all()
            .replace("\\n", "")
            .replace("\\t", "")
            .replace("\\r", "")
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .collect();
        for piece in token.as_bytes().chunks(16) {
            let piece = std::str::from_utf8(piece).unwrap();
            assert!(
                !squashed.contains(piece),
                "a piece of the token shows: {piece}"
            );
        }
    });
}

/// The first answer comes after a second (so that the elapsed time is not
/// zero), with a wait no clock can add.
fn rate_limited(path: &str, retry_after: &str) -> Value {
    json!({"method": "GET", "path": path, "status": 429, "hang_ms": 1100,
        "headers": {"retry-after": retry_after}})
}

/// Numbers from a server: `Retry-After` of 2^64-1, negative and not a
/// number; `expires_in` of 2^64-1, negative and not a number. Each gives a
/// plan or a diagnostic, never a crashed provider.
#[test]
fn numbers_from_a_server_never_crash_the_provider() {
    let data = "provider \"conductorone\" {}\n\ndata \"conductorone_segment_workspace\" \"w\" {}\n";
    each_terraform(|tf| {
        let sb = Sandbox::start(&[]);
        let mut wd = WorkDir::new(tf);
        sb.configure(&mut wd);
        wd.config(data);
        sb.fault(&rate_limited("/segment/", "18446744073709551615"));
        let out = wd.run(&["plan", "-no-color"]);
        out.failure().contains(
            "it asked to wait 18446744073709551615 s, longer than the provider waits in all",
        );
        no_crash(&out);
        for odd in ["-1", "soon"] {
            sb.fault(&rate_limited("/segment/", odd));
            let out = wd.run(&["plan", "-no-color"]);
            out.success();
            no_crash(&out);
        }
    });
    each_terraform(|tf| {
        for (expires_in, ok) in [
            ("18446744073709551615", true),
            ("-1", false),
            ("\"soon\"", false),
        ] {
            let sb = Sandbox::start(&[]);
            let token_answer = format!(
                r#"{{"access_token":"c1-token","token_type":"bearer","expires_in":{expires_in}}}"#
            );
            let mock = serve_fn(move |line, _| {
                match line.split(' ').nth(1).unwrap_or("") {
                "/auth/v1/token" => (200, String::new(), token_answer.clone()),
                "/api/v1/connectorcatalog" => (
                    200,
                    String::new(),
                    r#"{"schema":{"fields":[{"name":"token","secret":{}}]}}"#.into(),
                ),
                p if p.starts_with("/api/v1/users/") => (
                    200,
                    String::new(),
                    r#"{"userView":{"user":{"id":"u1","email":"u1@example.com","status":"ENABLED","roleIds":[]}}}"#.into(),
                ),
                _ => (200, String::new(), r#"{"list":[],"nextPageToken":""}"#.into()),
            }
            });
            let mut wd = WorkDir::new(tf);
            sb.configure(&mut wd);
            wd.setenv("CONDUCTORONE_SERVER_URL", &mock.url);
            wd.setenv("TF_VAR_token", sb.var("SEGMENT_ACCESS_TOKEN"));
            wd.config(&format!(
                "provider \"conductorone\" {{}}\n\n{}",
                INTEGRATION.replace(
                    "segment_access_token_wo_version = 1\n",
                    "segment_access_token_wo_version = 1\n  user_ids = [\"u1\"]\n"
                )
            ));
            let out = wd.run(&["plan", "-no-color"]);
            no_crash(&out);
            if ok {
                out.success();
            } else {
                out.failure()
                    .contains("expires_in is not a whole number of seconds");
            }
        }
    });
}

/// A Segment server handing out new cursors forever, with small pages and
/// with large ones: the read stops at its bound with an error, within 10 s
/// and under 100 MB resident in the provider.
#[test]
fn an_endless_segment_pager_stops_at_its_bound() {
    for (pad, bound) in [(0, "after 500 pages"), (1800, "and 32 MiB of one list")] {
        let mock = serve_fn(move |_, n| {
            let roles: Vec<Value> = (0..200)
                .map(|i| json!({"id": format!("r{n}-{i}"), "name": "Role", "description": "d".repeat(pad)}))
                .collect();
            let body = json!({"data": {"roles": roles, "pagination": {"next": format!("c{n}")}}});
            (200, String::new(), body.to_string())
        });
        each_terraform(|tf| {
            let mut wd = WorkDir::new(tf);
            wd.setenv("SEGMENT_API_URL", &mock.url)
                .setenv("SEGMENT_ACCESS_TOKEN", "sgp_endless")
                .setenv("TF_LOG_PROVIDER", "debug");
            wd.config(
                "provider \"conductorone\" {}\n\ndata \"conductorone_segment_roles\" \"all\" {}\n",
            );
            let out = wd.run(&["plan", "-no-color"]);
            out.failure()
                .contains("stopped reading Segment's /roles")
                .contains(bound);
            no_crash(&out);
            assert!(
                out.elapsed < Duration::from_secs(10),
                "took {:?}",
                out.elapsed
            );
            let peak = crate::harness::provider_peak_kib(&out);
            eprintln!(
                "endless pager ({bound}): {:?}, provider peak {} MiB",
                out.elapsed,
                peak / 1024
            );
            assert!(peak < 100 * 1024, "provider peak {peak} KiB");
        });
    }
}

/// Client IDs that name one tenant but send the credentials to another
/// host fail `terraform validate` on `client_id`; a password in a URL
/// never shows, from an attribute or the environment.
#[test]
fn hostile_addresses_are_refused_without_showing_passwords() {
    each_terraform(|tf| {
        let mut wd = WorkDir::new(tf);
        for id in [
            "name@evil.example?.conductor.one/spc",
            "name@evil.example#.conductor.one/spc",
            "name@evil.example\\\\.conductor.one/spc",
        ] {
            wd.config(&format!(
                "provider \"conductorone\" {{\n  client_id = \"{id}\"\n}}\n\ndata \"conductorone_segment_workspace\" \"w\" {{}}\n"
            ));
            wd.run(&["validate", "-no-color"])
                .failure()
                .contains("Invalid client ID")
                .contains("client_id = ");
        }
        for attr in ["server_url", "segment_api_url"] {
            wd.config(&format!(
                "provider \"conductorone\" {{\n  {attr} = \"http://user:pa55w0rd-x@segment.example.com\"\n}}\n\ndata \"conductorone_segment_workspace\" \"w\" {{}}\n"
            ));
            let out = wd.run(&["validate", "-json"]);
            out.failure().contains("carries a user or password");
            assert!(!said(&out).contains("pa55w0rd-x"), "{}", out.all());
        }
        wd.setenv(
            "SEGMENT_API_URL",
            "http://user:pa55w0rd-x@segment.example.com",
        );
        wd.setenv("SEGMENT_ACCESS_TOKEN", "sgp_x");
        wd.config(
            "provider \"conductorone\" {}\n\ndata \"conductorone_segment_workspace\" \"w\" {}\n",
        );
        let out = wd.run(&["plan", "-no-color"]);
        out.failure()
            .contains("environment variable SEGMENT_API_URL");
        assert!(!out.all().contains("pa55w0rd-x"), "{}", out.all());
        // A secret, a token or a query string in a URL variable by mistake:
        // one error that names the variable and the problem, never the value.
        for (var, reader) in [
            ("CONDUCTORONE_SERVER_URL", "data \"conductorone_segment_sync_status\" \"s\" {\n  app_id = \"a\"\n  connector_id = \"c\"\n}\n"),
            ("SEGMENT_API_URL", "data \"conductorone_segment_workspace\" \"w\" {}\n"),
        ] {
            wd.config(&format!("provider \"conductorone\" {{}}\n\n{reader}"));
            wd.setenv("CONDUCTORONE_ACCESS_TOKEN", "not-a-real-token");
            wd.setenv("CONDUCTORONE_SERVER_URL", "http://127.0.0.1:9");
            wd.setenv("SEGMENT_API_URL", "http://127.0.0.1:9");
            for (value, problem) in [
                ("secret-token:conductorone.com:v1:eyJrZXkiOiJTM0NSM1QifQ", "scheme is not https"),
                ("sgp_S3cr3tT0kenS3cr3tT0ken", "not a URL"),
                ("https://api.example.com/?token=S3cr3tT0ken", "query or fragment"),
            ] {
                wd.setenv(var, value);
                let out = wd.run(&["plan", "-no-color"]);
                out.failure()
                    .contains(&format!("environment variable {var}"))
                    .contains(problem);
                assert_eq!(out.all().matches("Invalid URL").count(), 1, "{}", out.all());
                for secret in ["S3CR3T", "eyJ", "S3cr3tT0ken"] {
                    assert!(!out.all().contains(secret), "{var}={value}: {}", out.all());
                }
            }
        }
    });
}

/// What the provider said in Terraform's `-json` output: each diagnostic's
/// summary and detail (not the configuration lines Terraform quotes).
fn said(out: &Output) -> String {
    out.stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|j| {
            if j["valid"].is_boolean() {
                j["diagnostics"].clone()
            } else {
                json!([j["diagnostic"]])
            }
        })
        .flat_map(|d| d.as_array().cloned().unwrap_or_default())
        .map(|d| {
            format!(
                "{} {}\n",
                d["summary"].as_str().unwrap_or(""),
                d["detail"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// With every proxy variable pointing at a trap, a plan against the sandbox
/// on loopback (by address and as `localhost`) goes to the sandbox directly,
/// as Go's and curl's defaults do: the trap hears nothing, so no plaintext
/// request with its bearer token ever reaches a proxy.
#[test]
fn loopback_never_goes_through_a_proxy() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&[]);
        let (proxy, hits) = trap();
        for host in ["127.0.0.1", "localhost"] {
            let mut wd = WorkDir::new(tf);
            sb.write_quickstart(&mut wd);
            for k in ["CONDUCTORONE_SERVER_URL", "SEGMENT_API_URL"] {
                wd.setenv(k, &sb.var(k).replace("127.0.0.1", host));
            }
            for k in [
                "HTTP_PROXY",
                "http_proxy",
                "HTTPS_PROXY",
                "https_proxy",
                "ALL_PROXY",
                "all_proxy",
            ] {
                wd.setenv(k, &proxy);
            }
            let out = wd.run(&["plan", "-no-color"]);
            no_crash(&out);
            out.success();
        }
        assert_eq!(
            hits.load(Ordering::SeqCst),
            0,
            "a request went to the proxy"
        );
    });
}

/// `.` and `..` as app, connector, owner or group IDs would change the path
/// of the request they go into: each fails the plan on its attribute before
/// anything is sent.
#[test]
fn dot_segments_as_ids_are_refused_at_plan() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&[]);
        let admin = sb.var("CONDUCTORONE_SANDBOX_ADMIN_USER_ID").to_string();
        for (bad, attr) in [
            ("..", "app_id"),
            (".", "app_id"),
            ("..", "user_ids"),
            ("..", "id"),
            ("..", "connector_id"),
        ] {
            let config = match attr {
                "app_id" => format!("resource \"conductorone_segment_integration\" \"s\" {{\n  app_id = \"{bad}\"\n}}\n"),
                "user_ids" => format!("resource \"conductorone_segment_integration\" \"s\" {{\n  user_ids = [\"{admin}\", \"{bad}\"]\n}}\n"),
                "id" => format!("data \"conductorone_segment_group\" \"g\" {{\n  id = \"{bad}\"\n}}\n"),
                _ => format!("data \"conductorone_segment_sync_status\" \"s\" {{\n  app_id = \"app\"\n  connector_id = \"{bad}\"\n}}\n"),
            };
            let mut wd = WorkDir::new(tf);
            sb.configure(&mut wd);
            wd.config(&config);
            let before = sb.requests().len();
            let out = wd.run(&["plan", "-no-color"]);
            no_crash(&out);
            out.failure()
                .contains("Invalid ID")
                .contains(&format!("{attr} must not be"));
            let sent: Vec<_> = sb.requests()[before..]
                .iter()
                .map(|r| r["path"].to_string())
                .collect();
            assert!(sent.is_empty(), "{attr} = {bad:?}: sent {sent:?}");
        }
    });
}

/// A hostile server's text in an owner's name and status (terminal escapes
/// that would clear the screen or set the window title, a bell, a line that
/// forges an error): Terraform's output shows each escaped, on its own line.
#[test]
fn control_characters_from_a_server_show_escaped() {
    each_terraform(|tf| {
        let sb = Sandbox::start(&[]);
        let admin = sb.var("CONDUCTORONE_SANDBOX_ADMIN_USER_ID").to_string();
        let user = json!({"userView": {"user": {
            "id": admin,
            "email": "ops\u{1b}]0;pwned\u{7}@example.com",
            "status": "DISABLED\u{1b}[2J\r\nError: forged",
        }}});
        sb.fault(&json!({
            "method": "GET", "path": format!("/api/v1/users/{admin}"), "count": 1000,
            "status": 200, "body": user.to_string(),
        }));
        let mut wd = WorkDir::new(tf);
        sb.configure(&mut wd);
        wd.config(&format!(
            "resource \"conductorone_segment_integration\" \"s\" {{\n  user_ids = [\"{admin}\"]\n}}\n"
        ));
        let out = wd.run(&["plan", "-no-color"]);
        no_crash(&out);
        out.failure()
            .contains("is not an enabled ConductorOne user")
            .contains("ops\\u{1b}]0;pwned\\u{7}@example.com")
            .contains("DISABLED\\u{1b}[2J\\u{d}\\u{a}Error: forged");
        let all = out.all();
        for raw in ['\u{1b}', '\u{7}', '\r'] {
            assert!(!all.contains(raw), "{raw:?} reached the output:\n{all}");
        }
    });
}

/// How a server may echo a secret: raw, in a JSON string (escapes, wrapped),
/// percent-encoded, in base64, as `\u` escapes, broken across lines.
const ECHOES: [(&str, Option<usize>); 6] = [
    ("", None),
    ("_json", Some(7)),
    ("_pct", None),
    ("_b64", None),
    ("_u", None),
    ("", Some(5)),
];

/// Each secret echoed in each form, in 2xx and error bodies of Segment's
/// reads, ConductorOne's token endpoint and its API: the Segment token, the
/// client secret and every access token appear nowhere in Terraform's
/// output or its `TF_LOG=trace` log, in any of those forms.
#[test]
fn secrets_echoed_in_any_form_never_show() {
    each_terraform(|tf| {
        // The access tokens the sandbox issued are in its saved state only.
        let saved =
            std::env::temp_dir().join(format!("echo-{}-{}.json", std::process::id(), tf.version));
        let sb = Sandbox::start(&["--state-file", saved.to_str().unwrap()]);
        let mut wd = WorkDir::new(tf);
        sb.configure(&mut wd);
        wd.setenv("TF_LOG", "trace");
        wd.config(
            "data \"conductorone_segment_workspace\" \"w\" {}\n\n\
             data \"conductorone_segment_group\" \"g\" {\n  id = \"group-id\"\n}\n\n\
             data \"conductorone_segment_sync_status\" \"s\" {\n  app_id = \"app-id\"\n  connector_id = \"connector-id\"\n}\n",
        );
        let mut said = String::new();
        // The client secret's key, after its public prefix.
        let client_secret = sb.var("CONDUCTORONE_CLIENT_SECRET");
        let key = client_secret.rsplit(':').next().unwrap();
        let mut secrets = vec![sb.var("SEGMENT_ACCESS_TOKEN").to_string(), key.to_string()];
        for (form, wrap) in ECHOES {
            let bearer = format!("{{bearer{form}}}");
            let client_secret = format!("{{client_secret{form}}}");
            let runs = [
                vec![
                    json!({"method": "GET", "path": "/segment/", "status": 400, "wrap": wrap,
                        "body": json!({"errors": [{"type": "bad", "message": format!("token {bearer} here")}]}).to_string()}),
                    json!({"method": "GET", "path": "/segment/groups/*", "status": 200, "wrap": wrap,
                        "body": format!("{{\"data\": {{\"userGroup\": \"{bearer}\"}}}}")}),
                    json!({"method": "POST", "path": "/auth/v1/token", "status": 400, "wrap": wrap,
                        "body": format!("{{\"error\": \"invalid_client\", \"error_description\": \"{client_secret}\"}}")}),
                ],
                vec![
                    json!({"method": "GET", "path": "/api/v1/apps/*", "status": 400, "wrap": wrap,
                    "body": json!({"code": 3, "message": format!("token {bearer} refused")}).to_string()}),
                ],
                vec![
                    json!({"method": "POST", "path": "/auth/v1/token", "status": 200, "wrap": wrap,
                    "body": format!("{{\"access_token\": \"tok\", \"expires_in\": \"{client_secret}\"}}")}),
                ],
            ];
            for faults in runs {
                sb.clear_faults();
                for f in &faults {
                    sb.fault(f);
                }
                let out = wd.run(&["plan", "-no-color"]);
                no_crash(&out);
                out.failure();
                let text = format!("echoed as {form:?} wrapped at {wrap:?}:\n{}", out.all());
                assert_nothing_of(&text, &secrets);
                said.push_str(&text);
            }
        }
        let state: Value = serde_json::from_slice(&std::fs::read(&saved).unwrap()).unwrap();
        let _ = std::fs::remove_file(&saved);
        secrets.extend(
            state["data"]["access_tokens"]
                .as_object()
                .unwrap()
                .keys()
                .cloned(),
        );
        assert!(secrets.len() > 2, "the provider got access tokens");
        assert_nothing_of(&said, &secrets);
    });
}

/// No secret shows in `text`, in any form [`ECHOES`] makes (pieces of 12
/// characters of it, or of its encoded forms, after whitespace is removed).
#[track_caller]
fn assert_nothing_of(text: &str, secrets: &[String]) {
    use base64::Engine as _;
    let squashed: String = text
        .replace("\\n", "")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    for s in secrets {
        let pct: String = s.bytes().map(|b| format!("%{b:02X}")).collect();
        let u: String = s.encode_utf16().map(|c| format!("\\u{c:04x}")).collect();
        let b64 = base64::engine::general_purpose::STANDARD.encode(s);
        for form in [s, &pct, &u, &b64] {
            let chars: Vec<char> = form.chars().collect();
            for piece in chars.chunks(12).filter(|p| p.len() == 12) {
                let piece: String = piece.iter().collect();
                if let Some(at) = squashed.find(&piece) {
                    let before: Vec<char> = squashed[..at].chars().rev().take(300).collect();
                    let before: String = before.into_iter().rev().collect();
                    let around: String =
                        before + &squashed[at..].chars().take(300).collect::<String>();
                    let head: String = squashed.chars().take(40).collect();
                    panic!("a piece of a secret shows: {piece} ({head}) in …{around}…");
                }
            }
        }
    }
}
