//! Every endpoint the sandbox serves answers as the vendor's spec says: each
//! response (successes and errors) is validated against the spec's schema
//! for that operation and status.

mod common;

use std::collections::BTreeSet;

use common::{spec_dir, start};
use conductorone_sandbox::spec::Specs;
use serde_json::{json, Value};

const SEGMENT: &str = "2YuQMfugzij8vRI4FGkYNcMxgOe";

struct Checker {
    specs: Specs,
    checked: BTreeSet<String>,
    failures: Vec<String>,
}

impl Checker {
    /// Records a response and validates it against the spec.
    fn check(&mut self, method: &str, path: &str, status: u16, body: &Value) {
        let path_only = path.split('?').next().unwrap_or(path);
        let (spec, spec_path) = self.specs.for_path(path_only);
        if let Err(e) = spec.check_response(method, spec_path, status, body) {
            self.failures
                .push(format!("{method} {path} -> {status}: {e}\n  body: {body}"));
        }
        self.checked
            .insert(format!("{method} {status} {}", template(path_only)));
    }
}

/// Replaces ids in a path with placeholders, for the coverage list.
fn template(path: &str) -> String {
    path.split('/')
        .map(|s| {
            if s.len() >= 20 || s == "nope" {
                "{id}"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn call(
    sb: &common::Sandbox,
    c: &mut Checker,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Value {
    let url = format!("{}{path}", sb.base());
    let mut req = match method {
        "GET" => sb.http.get(url),
        "POST" => sb.http.post(url),
        "DELETE" => sb.http.delete(url),
        m => panic!("{m}"),
    };
    req = req.bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    c.check(method, path, status, &v);
    v
}

#[tokio::test]
async fn every_endpoint_answers_as_the_spec_says() {
    let sb = start(&[
        "--sync-delay",
        "50",
        "--segment-groups",
        "5",
        "--segment-rate-limit",
        "1000",
    ]);
    let mut c = Checker {
        specs: Specs::load(&spec_dir()).expect("specs"),
        checked: BTreeSet::new(),
        failures: Vec::new(),
    };
    let owner = sb.var("SEGMENT_ACCESS_TOKEN").to_string();
    let member = sb.var("SEGMENT_MEMBER_TOKEN").to_string();
    let revoked = sb.var("SEGMENT_REVOKED_TOKEN").to_string();

    // Segment.
    let ws = call(&sb, &mut c, "GET", "/segment/", &owner, None).await;
    assert!(ws["data"]["workspace"]["id"].is_string());
    call(&sb, &mut c, "GET", "/segment/", &revoked, None).await;
    call(
        &sb,
        &mut c,
        "GET",
        "/segment/roles?pagination[count]=3",
        &owner,
        None,
    )
    .await;
    call(&sb, &mut c, "GET", "/segment/roles", &member, None).await;
    let groups = call(
        &sb,
        &mut c,
        "GET",
        "/segment/groups?pagination[count]=2",
        &owner,
        None,
    )
    .await;
    call(
        &sb,
        &mut c,
        "GET",
        "/segment/groups?pagination[count]=500",
        &owner,
        None,
    )
    .await;
    let gid = groups["data"]["userGroups"][1]["id"]
        .as_str()
        .unwrap()
        .to_string();
    call(
        &sb,
        &mut c,
        "GET",
        &format!("/segment/groups/{gid}"),
        &owner,
        None,
    )
    .await;
    call(&sb, &mut c, "GET", "/segment/groups/nope", &owner, None).await;
    call(
        &sb,
        &mut c,
        "GET",
        &format!("/segment/groups/{gid}/users?pagination[count]=1"),
        &owner,
        None,
    )
    .await;
    call(
        &sb,
        &mut c,
        "GET",
        "/segment/groups/nope/users",
        &owner,
        None,
    )
    .await;
    call(
        &sb,
        &mut c,
        "GET",
        &format!("/segment/groups/{gid}/invites?pagination[count]=1"),
        &owner,
        None,
    )
    .await;
    call(
        &sb,
        &mut c,
        "GET",
        "/segment/users?pagination[count]=5",
        &owner,
        None,
    )
    .await;
    call(&sb, &mut c, "GET", "/segment/users", &revoked, None).await;

    // ConductorOne.
    let t = sb.token_with_secret().await;
    call(&sb, &mut c, "GET", "/api/v1/auth/introspect", &t, None).await;
    call(&sb, &mut c, "GET", "/api/v1/apps", "bad-token", None).await;
    let app = call(
        &sb,
        &mut c,
        "POST",
        "/api/v1/apps",
        &t,
        Some(json!({ "displayName": "Segment" })),
    )
    .await;
    let app_id = app["app"]["id"].as_str().unwrap().to_string();
    call(
        &sb,
        &mut c,
        "POST",
        "/api/v1/apps",
        &t,
        Some(json!({ "description": "no name" })),
    )
    .await;
    call(&sb, &mut c, "GET", "/api/v1/apps?page_size=10", &t, None).await;
    call(
        &sb,
        &mut c,
        "GET",
        &format!("/api/v1/apps/{app_id}"),
        &t,
        None,
    )
    .await;
    call(&sb, &mut c, "GET", "/api/v1/apps/nope", &t, None).await;
    call(
        &sb,
        &mut c,
        "POST",
        &format!("/api/v1/apps/{app_id}"),
        &t,
        Some(json!({ "app": { "displayName": "Segment (renamed)" }, "updateMask": "displayName" })),
    )
    .await;
    call(
        &sb,
        &mut c,
        "POST",
        &format!("/api/v1/apps/{app_id}"),
        &t,
        Some(json!({ "app": { "displayName": "x" } })),
    )
    .await;
    let cfg = json!({ "@type": "type.googleapis.com/c1.api.app.v1.EnvConfig",
        "configuration": { "token": { "stringValue": owner } } });
    let cfg_again = cfg.clone();
    let created = call(
        &sb,
        &mut c,
        "POST",
        &format!("/api/v1/apps/{app_id}/connectors/create"),
        &t,
        Some(json!({ "catalogId": SEGMENT, "config": cfg, "userIds": [sb.var("CONDUCTORONE_SANDBOX_ADMIN_USER_ID")] })),
    )
    .await;
    let cid = created["connectorView"]["connector"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let delegated = call(
        &sb,
        &mut c,
        "POST",
        &format!("/api/v1/apps/{app_id}/connectors"),
        &t,
        Some(json!({ "catalogId": SEGMENT, "displayName": "Segment" })),
    )
    .await;
    let did = delegated["connectorView"]["connector"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    common::eventually("the sync to end", || async {
        let (_, got) = sb
            .c1(
                "GET",
                &format!("/api/v1/apps/{app_id}/connectors/{cid}"),
                &t,
                None,
            )
            .await;
        (got["connectorView"]["connector"]["status"]["status"] != "SYNC_STATUS_RUNNING")
            .then_some(())
    })
    .await;
    call(
        &sb,
        &mut c,
        "GET",
        &format!("/api/v1/apps/{app_id}/connectors/{cid}"),
        &t,
        None,
    )
    .await;
    call(
        &sb,
        &mut c,
        "GET",
        &format!("/api/v1/apps/{app_id}/connectors/nope"),
        &t,
        None,
    )
    .await;
    call(
        &sb,
        &mut c,
        "GET",
        &format!("/api/v1/apps/{app_id}/connectors?page_size=10"),
        &t,
        None,
    )
    .await;
    call(
        &sb,
        &mut c,
        "POST",
        &format!("/api/v1/apps/{app_id}/connectors/{cid}"),
        &t,
        Some(
            json!({ "connector": { "displayName": "Segment prod" }, "updateMask": "displayName" }),
        ),
    )
    .await;
    call(
        &sb,
        &mut c,
        "POST",
        &format!("/api/v1/apps/{app_id}/connectors/{cid}"),
        &t,
        Some(json!({ "connector": {}, "updateMask": "catalogId" })),
    )
    .await;
    call(
        &sb,
        &mut c,
        "POST",
        &format!("/api/v1/apps/{app_id}/connectors/{did}/delegated"),
        &t,
        Some(json!({ "connector": { "userIds": [sb.var("CONDUCTORONE_SANDBOX_ADMIN_USER_ID")] }, "updateMask": "userIds" })),
    )
    .await;
    // The two forms ConductorOne's own code sends, and the catalog schema.
    call(
        &sb,
        &mut c,
        "POST",
        &format!("/api/v1/apps/{app_id}/connectors/{cid}/delegated"),
        &t,
        Some(json!({ "connector": { "displayName": "Segment", "userIds": [sb.var("CONDUCTORONE_SANDBOX_ADMIN_USER_ID")] }, "updateMask": "displayName,userIds" })),
    )
    .await;
    call(
        &sb,
        &mut c,
        "POST",
        &format!("/api/v1/apps/{app_id}/connectors/{cid}"),
        &t,
        Some(json!({ "connector": { "config": cfg_again }, "updateMask": "config" })),
    )
    .await;
    call(
        &sb,
        &mut c,
        "POST",
        "/api/v1/connectorcatalog",
        &t,
        Some(json!({ "catalogId": SEGMENT })),
    )
    .await;
    call(
        &sb,
        &mut c,
        "POST",
        "/api/v1/connectorcatalog",
        &t,
        Some(json!({ "catalogId": "nope" })),
    )
    .await;
    // The connector operations that take an empty body, on a connector that
    // exists (or, for force_sync, one without config) and on one that does not.
    let ops = [
        (cid.as_str(), "force_sync"),
        (did.as_str(), "force_sync"),
        (cid.as_str(), "pause"),
        ("nope", "pause"),
        (cid.as_str(), "resume"),
        ("nope", "resume"),
    ];
    for (id, op) in ops {
        let path = format!("/api/v1/apps/{app_id}/connectors/{id}/{op}");
        call(&sb, &mut c, "POST", &path, &t, Some(json!({}))).await;
    }
    call(&sb, &mut c, "GET", "/api/v1/users", &t, None).await;
    let admin = sb.var("CONDUCTORONE_SANDBOX_ADMIN_USER_ID").to_string();
    call(
        &sb,
        &mut c,
        "GET",
        &format!("/api/v1/users/{admin}"),
        &t,
        None,
    )
    .await;
    call(&sb, &mut c, "GET", "/api/v1/users/nope", &t, None).await;
    call(
        &sb,
        &mut c,
        "POST",
        "/api/v1/search/users",
        &t,
        Some(json!({ "email": "admin@sandbox.example.com" })),
    )
    .await;
    call(
        &sb,
        &mut c,
        "POST",
        "/api/v1/search/apps",
        &t,
        Some(json!({ "displayName": "Segment", "pageSize": 10 })),
    )
    .await;
    call(
        &sb,
        &mut c,
        "POST",
        "/api/v1/search/apps",
        &t,
        Some(json!({ "query": "segment", "pageToken": "not-a-token" })),
    )
    .await;
    // IAM roles: the seeded users' roleIds are among them.
    let roles = call(
        &sb,
        &mut c,
        "GET",
        "/api/v1/iam/roles?page_size=10",
        &t,
        None,
    )
    .await;
    let names: Vec<&str> = roles["list"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["displayName"].as_str())
        .collect();
    assert!(
        names.contains(&"Connector Administrator") && names.contains(&"Super Administrator"),
        "{names:?}"
    );
    let role = call(
        &sb,
        &mut c,
        "GET",
        "/api/v1/iam/roles/connector-administrator",
        &t,
        None,
    )
    .await;
    assert_eq!(role["role"]["displayName"], "Connector Administrator");
    call(&sb, &mut c, "GET", "/api/v1/iam/roles/nope", &t, None).await;
    // The read-only client reads (searches included) and is refused writes.
    let ro = sb.readonly_token().await;
    let apps = call(&sb, &mut c, "GET", "/api/v1/apps", &ro, None).await;
    assert!(apps["list"].is_array(), "{apps}");
    let found = call(
        &sb,
        &mut c,
        "POST",
        "/api/v1/search/apps",
        &ro,
        Some(json!({})),
    )
    .await;
    assert!(found["list"].is_array(), "{found}");
    let refused = call(
        &sb,
        &mut c,
        "POST",
        "/api/v1/apps",
        &ro,
        Some(json!({ "displayName": "Not allowed" })),
    )
    .await;
    assert_eq!(refused["code"], 7, "PERMISSION_DENIED: {refused}");
    assert!(refused["message"]
        .as_str()
        .unwrap()
        .contains("may not call POST /api/v1/apps"));
    call(
        &sb,
        &mut c,
        "DELETE",
        &format!("/api/v1/apps/{app_id}/connectors/{cid}"),
        &t,
        Some(json!({})),
    )
    .await;
    call(
        &sb,
        &mut c,
        "DELETE",
        &format!("/api/v1/apps/{app_id}/connectors/{cid}"),
        &t,
        Some(json!({})),
    )
    .await;
    call(
        &sb,
        &mut c,
        "DELETE",
        &format!("/api/v1/apps/{app_id}"),
        &t,
        Some(json!({})),
    )
    .await;

    assert!(
        c.failures.is_empty(),
        "responses that do not conform:\n{}",
        c.failures.join("\n")
    );

    // Every operation the sandbox serves was checked, with a success and an error.
    let served = [
        "GET /segment/",
        "GET /segment/roles",
        "GET /segment/groups",
        "GET /segment/groups/{id}",
        "GET /segment/groups/{id}/users",
        "GET /segment/users",
        "GET /api/v1/auth/introspect",
        "GET /api/v1/apps",
        "POST /api/v1/apps",
        "GET /api/v1/apps/{id}",
        "POST /api/v1/apps/{id}",
        "DELETE /api/v1/apps/{id}",
        "POST /api/v1/apps/{id}/connectors/create",
        "POST /api/v1/apps/{id}/connectors",
        "GET /api/v1/apps/{id}/connectors",
        "GET /api/v1/apps/{id}/connectors/{id}",
        "POST /api/v1/apps/{id}/connectors/{id}",
        "POST /api/v1/apps/{id}/connectors/{id}/delegated",
        "POST /api/v1/apps/{id}/connectors/{id}/force_sync",
        "POST /api/v1/apps/{id}/connectors/{id}/pause",
        "POST /api/v1/apps/{id}/connectors/{id}/resume",
        "DELETE /api/v1/apps/{id}/connectors/{id}",
        "GET /api/v1/users",
        "GET /api/v1/users/{id}",
        "POST /api/v1/search/users",
        "POST /api/v1/search/apps",
        "GET /api/v1/iam/roles",
        "GET /api/v1/iam/roles/{id}",
    ];
    for op in served {
        let (m, p) = op.split_once(' ').unwrap();
        let statuses: Vec<&String> = c
            .checked
            .iter()
            .filter(|k| k.starts_with(m) && k.ends_with(&format!(" {p}")))
            .collect();
        assert!(
            statuses.iter().any(|k| k.contains(" 200 ")),
            "{op}: no success checked ({statuses:?})"
        );
    }
    let errors = c.checked.iter().filter(|k| !k.contains(" 200 ")).count();
    assert!(errors >= 12, "error responses checked: {errors}");
}

#[test]
fn the_checker_catches_nonconforming_bodies() {
    let specs = Specs::load(&spec_dir()).expect("specs");
    let (seg, p) = specs.for_path("/segment/groups");
    assert!(seg
        .check_response("GET", p, 200, &json!({ "data": { "userGroups": "nope" } }))
        .is_err());
    assert!(
        seg.check_response("GET", p, 200, &json!({ "data": { "userGroups": [] } }))
            .is_err(),
        "pagination is required"
    );
    assert!(seg
        .check_response("GET", p, 200, &json!({ "data": { "userGroups": [{ "id": "g", "name": "n" }], "pagination": { "current": "MA==" } } }))
        .is_err(), "memberCount is required");
    assert!(
        seg.check_response("GET", p, 404, &json!({ "message": "x" }))
            .is_err(),
        "errors envelope required"
    );
    let (c1, p) = specs.for_path("/api/v1/apps/x/connectors/y");
    assert!(c1
        .check_response("GET", p, 200, &json!({ "connectorView": { "connector": { "status": { "status": "SYNC_STATUS_BOGUS" } } } }))
        .is_err(), "status enum");
    assert!(
        c1.check_response("GET", p, 404, &json!({ "code": "five" }))
            .is_err(),
        "google.rpc.Status code is an integer"
    );
    assert!(c1
        .check_request("POST", "/api/v1/apps", &[], br#"{"displayName": 5}"#)
        .is_err());
    assert!(c1
        .check_request("POST", "/api/v1/apps", &[], br#"{"displayName": "ok"}"#)
        .is_ok());
}
