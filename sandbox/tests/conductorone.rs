//! The ConductorOne part, against the running sandbox.

mod common;

use common::{jwt, key_of_secret, now, start};
use serde_json::{json, Value};

const SEGMENT: &str = "2YuQMfugzij8vRI4FGkYNcMxgOe";

async fn assertion_token(sb: &common::Sandbox, claims: Value) -> reqwest::Response {
    let key = key_of_secret(sb.var("CONDUCTORONE_CLIENT_SECRET"));
    sb.http
        .post(format!("{}/auth/v1/token", sb.base()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", sb.var("CONDUCTORONE_CLIENT_ID")),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &jwt(&key, &claims)),
        ])
        .send()
        .await
        .unwrap()
}

fn claims(sb: &common::Sandbox) -> Value {
    let id = sb.var("CONDUCTORONE_CLIENT_ID");
    let t = now();
    json!({ "iss": id, "sub": id, "aud": ["127.0.0.1"], "exp": t + 120, "iat": t, "nbf": t - 120 })
}

#[tokio::test]
async fn jwt_assertion_checks_every_claim() {
    let sb = start(&["--seed", "5"]);
    let r = assertion_token(&sb, claims(&sb)).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 600);
    let token = body["access_token"].as_str().unwrap().to_string();
    let (s, intro) = sb.c1("GET", "/api/v1/auth/introspect", &token, None).await;
    assert_eq!(s, 200);
    assert_eq!(
        intro["userId"],
        sb.var("CONDUCTORONE_SANDBOX_ADMIN_USER_ID")
    );

    let t = now();
    let mut bad: Vec<(&str, Value)> = Vec::new();
    let mut c = claims(&sb);
    c["iss"] = json!("someone-else");
    bad.push(("iss", c));
    let mut c = claims(&sb);
    c["sub"] = json!("someone-else");
    bad.push(("sub", c));
    let mut c = claims(&sb);
    c["aud"] = json!(["evil.example.com"]);
    bad.push(("aud", c));
    let mut c = claims(&sb);
    c["exp"] = json!(t - 1);
    bad.push(("expired", c));
    let mut c = claims(&sb);
    c["exp"] = json!(t + 3600);
    bad.push(("five minutes", c));
    let mut c = claims(&sb);
    c["nbf"] = json!(t + 600);
    bad.push(("not valid yet", c));
    for (what, c) in bad {
        let r = assertion_token(&sb, c).await;
        assert_eq!(r.status(), 401, "{what}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], 16, "{what}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("invalid client assertion"),
            "{what}: {body}"
        );
    }

    // A signature by another key.
    let other = aws_lc_rs::signature::Ed25519KeyPair::from_seed_unchecked(&[9u8; 32]).unwrap();
    let r = sb
        .http
        .post(format!("{}/auth/v1/token", sb.base()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", sb.var("CONDUCTORONE_CLIENT_ID")),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &jwt(&other, &claims(&sb))),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("bad signature"));
}

#[tokio::test]
async fn secret_form_and_bad_credentials() {
    let sb = start(&[]);
    let token = sb.token_with_secret().await;
    assert!(token.starts_with("c1sbx_"));
    let r = sb
        .http
        .post(format!("{}/auth/v1/token", sb.base()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", sb.var("CONDUCTORONE_CLIENT_ID")),
            ("client_secret", "secret-token:conductorone.com:v1:wrong"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = sb
        .http
        .post(format!("{}/auth/v1/token", sb.base()))
        .form(&[("grant_type", "password"), ("client_id", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], 3);
}

fn subject_token(aud: &str, exp_in: i64) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims = json!({ "iss": "https://app.terraform.io", "aud": aud, "exp": now + exp_in });
    format!(
        "{}.{}.sig",
        b64.encode(r#"{"alg":"RS256"}"#),
        b64.encode(claims.to_string())
    )
}

#[tokio::test]
async fn workload_identity_token_exchange() {
    let sb = start(&[]);
    let exchange = |client_id: String, subject: String, kind: &'static str| {
        let url = format!("{}/auth/v1/token", sb.base());
        let http = sb.http.clone();
        async move {
            let r = http
                .post(url)
                .form(&[
                    (
                        "grant_type",
                        "urn:ietf:params:oauth:grant-type:token-exchange",
                    ),
                    ("client_id", client_id.as_str()),
                    ("subject_token", subject.as_str()),
                    ("subject_token_type", kind),
                ])
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap())
        }
    };
    let wfe = sb.var("CONDUCTORONE_SANDBOX_WFE_CLIENT_ID").to_string();
    assert!(wfe.ends_with("/wfe"), "{wfe}");
    let jwt = "urn:ietf:params:oauth:token-type:jwt";
    let (s, body) = exchange(wfe.clone(), subject_token("127.0.0.1", 600), jwt).await;
    assert_eq!(s, 200, "{body}");
    let token = body["access_token"].as_str().unwrap().to_string();
    let (s, _) = sb.c1("GET", "/api/v1/auth/introspect", &token, None).await;
    assert_eq!(s, 200);
    for (client, subject, kind, status) in [
        (wfe.clone(), subject_token("127.0.0.1", -10), jwt, 401),
        (
            wfe.clone(),
            subject_token("elsewhere.conductor.one", 600),
            jwt,
            401,
        ),
        (wfe.clone(), "not-a-jwt".to_string(), jwt, 401),
        (
            sb.var("CONDUCTORONE_CLIENT_ID").to_string(),
            subject_token("127.0.0.1", 600),
            jwt,
            401,
        ),
        (wfe.clone(), subject_token("127.0.0.1", 600), "urn:x", 400),
    ] {
        let (s, body) = exchange(client, subject, kind).await;
        assert_eq!(s, status, "{body}");
    }
}

#[tokio::test]
async fn access_tokens_expire_and_unknown_ones_are_refused() {
    let sb = start(&["--token-ttl", "1"]);
    let token = sb.token_with_secret().await;
    let (s, _) = sb.c1("GET", "/api/v1/apps", &token, None).await;
    assert_eq!(s, 200);
    let body = common::eventually("the token to expire", || async {
        let (s, body) = sb.c1("GET", "/api/v1/apps", &token, None).await;
        (s == 401).then_some(body)
    })
    .await;
    assert_eq!(body["code"], 16);
    let (s, _) = sb.c1("GET", "/api/v1/apps", "c1sbx_made_up", None).await;
    assert_eq!(s, 401);
    let r = sb
        .http
        .get(format!("{}/api/v1/apps", sb.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn apps_create_get_list_page_update_delete() {
    let sb = start(&[]);
    let t = sb.token_with_secret().await;
    let (s, body) = sb.c1_empty("POST", "/api/v1/apps", &t).await;
    assert_eq!(
        (s, body["code"].as_i64()),
        (400, Some(3)),
        "displayName is required: {body}"
    );
    let mut ids = Vec::new();
    for i in 0..27 {
        let (s, body) = sb
            .c1(
                "POST",
                "/api/v1/apps",
                &t,
                Some(json!({ "displayName": format!("App {i}") })),
            )
            .await;
        assert_eq!(s, 200);
        ids.push(body["app"]["id"].as_str().unwrap().to_string());
    }
    let (s, got) = sb
        .c1("GET", &format!("/api/v1/apps/{}", ids[3]), &t, None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(got["app"]["displayName"], "App 3");
    // Paging: page_size 10 gives 10, 10, 7, then an empty nextPageToken.
    let (mut seen, pages) = app_pages(&sb, &t, 10).await;
    assert_eq!(pages, 3);
    seen.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(seen, want);
    let (s, page) = sb.c1("GET", "/api/v1/apps", &t, None).await;
    assert_eq!(
        (s, page["list"].as_array().unwrap().len()),
        (200, 25),
        "default page size 25"
    );
    let (s, _) = sb
        .c1("GET", "/api/v1/apps?page_token=garbage", &t, None)
        .await;
    assert_eq!(s, 400);

    // Update with a mask: only the masked fields change.
    let path = format!("/api/v1/apps/{}", ids[1]);
    let (s, body) = sb
        .c1(
            "POST",
            &path,
            &t,
            Some(json!({ "app": { "displayName": "Renamed", "description": "ignored" }, "updateMask": "displayName" })),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["app"]["displayName"], "Renamed");
    assert_ne!(body["app"]["description"], "ignored");
    let (_, got) = sb.c1("GET", &path, &t, None).await;
    assert_eq!(got["app"]["displayName"], "Renamed");
    // The whole app with no mask (as ConductorOne's Terraform provider
    // sends it) takes its name and description.
    let (s, body) = sb
        .c1(
            "POST",
            &path,
            &t,
            Some(json!({ "app": { "displayName": "Whole", "description": "d" } })),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(
        (
            body["app"]["displayName"].as_str(),
            body["app"]["description"].as_str()
        ),
        (Some("Whole"), Some("d"))
    );
    for bad in [
        json!({ "app": { "description": "no name" } }),
        json!({ "app": { "id": "x" }, "updateMask": "id" }),
        json!({ "app": { "displayName": " " }, "updateMask": "displayName" }),
    ] {
        let (s, body) = sb.c1("POST", &path, &t, Some(bad)).await;
        assert_eq!((s, body["code"].as_i64()), (400, Some(3)), "{body}");
    }
    let (s, _) = sb
        .c1(
            "POST",
            "/api/v1/apps/nope",
            &t,
            Some(json!({ "app": { "displayName": "x" }, "updateMask": "displayName" })),
        )
        .await;
    assert_eq!(s, 404);

    let (s, _) = sb
        .c1_empty("DELETE", &format!("/api/v1/apps/{}", ids[0]), &t)
        .await;
    assert_eq!(s, 200);
    let (s, body) = sb
        .c1("GET", &format!("/api/v1/apps/{}", ids[0]), &t, None)
        .await;
    assert_eq!((s, body["code"].as_i64()), (404, Some(5)));
    assert!(body["message"].is_string());
}

/// A Segment connector config with `token` under the catalog's default
/// secret field (`token`).
fn env_config(token: &str) -> Value {
    env_config_as("token", token)
}

fn env_config_as(key: &str, token: &str) -> Value {
    json!({
        "@type": "type.googleapis.com/c1.api.app.v1.EnvConfig",
        "configuration": { key: { "stringValue": token } }
    })
}

/// Every app's ID through `GET /api/v1/apps` pages of `size`, each page
/// answered 200 with a `nextPageToken` (empty on the last); and how many pages.
async fn app_pages(sb: &common::Sandbox, t: &str, size: usize) -> (Vec<String>, usize) {
    let (mut ids, mut pages, mut token) = (Vec::new(), 0, String::new());
    loop {
        let path = format!("/api/v1/apps?page_size={size}&page_token={token}");
        let (s, page) = sb.c1("GET", &path, t, None).await;
        assert_eq!(s, 200);
        pages += 1;
        for a in page["list"].as_array().unwrap() {
            ids.push(a["id"].as_str().unwrap().to_string());
        }
        token = page["nextPageToken"].as_str().unwrap().to_string();
        if token.is_empty() {
            return (ids, pages);
        }
    }
}

/// The connector once its sync has ended (DONE or ERROR).
async fn sync_ended(sb: &common::Sandbox, app: &str, id: &str, t: &str) -> (u16, Value) {
    common::eventually("the sync to end", || async {
        let (s, got) = sb
            .c1(
                "GET",
                &format!("/api/v1/apps/{app}/connectors/{id}"),
                t,
                None,
            )
            .await;
        let status = got["connectorView"]["connector"]["status"]["status"].clone();
        (status != "SYNC_STATUS_RUNNING").then_some((s, got))
    })
    .await
}

async fn new_app(sb: &common::Sandbox, t: &str) -> String {
    let (_, body) = sb
        .c1(
            "POST",
            "/api/v1/apps",
            t,
            Some(json!({ "displayName": "Segment" })),
        )
        .await;
    body["app"]["id"].as_str().unwrap().to_string()
}

/// A Segment connector created in a new app with `token` in its config:
/// (app, connector id).
async fn configured_connector(sb: &common::Sandbox, t: &str, token: &str) -> (String, String) {
    let app = new_app(sb, t).await;
    let (s, created) = sb
        .c1(
            "POST",
            &format!("/api/v1/apps/{app}/connectors/create"),
            t,
            Some(json!({ "catalogId": SEGMENT, "config": env_config(token) })),
        )
        .await;
    assert_eq!(s, 200, "{created}");
    let id = created["connectorView"]["connector"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    (app, id)
}

#[tokio::test]
async fn connectors_lifecycle_sync_and_secrets() {
    let sb = start(&["--sync-delay", "300"]);
    let t = sb.token_with_secret().await;
    let app = new_app(&sb, &t).await;
    let owner = sb.var("SEGMENT_ACCESS_TOKEN").to_string();
    let (s, created) = sb
        .c1(
            "POST",
            &format!("/api/v1/apps/{app}/connectors/create"),
            &t,
            Some(json!({ "catalogId": SEGMENT, "config": env_config(&owner) })),
        )
        .await;
    assert_eq!(s, 200, "{created}");
    let c = &created["connectorView"]["connector"];
    let id = c["id"].as_str().unwrap().to_string();
    assert_eq!(c["catalogId"], SEGMENT);
    assert_eq!(c["appId"], app);
    assert_eq!(c["status"]["status"], "SYNC_STATUS_RUNNING");
    assert_eq!(
        c["userIds"],
        json!([sb.var("CONDUCTORONE_SANDBOX_ADMIN_USER_ID")]),
        "owner defaults to the caller"
    );
    assert!(
        !created.to_string().contains(&owner),
        "secret config values are never returned"
    );
    let (s, got) = sync_ended(&sb, &app, &id, &t).await;
    assert_eq!(s, 200);
    assert_eq!(
        got["connectorView"]["connector"]["status"]["status"],
        "SYNC_STATUS_DONE"
    );
    assert!(!got.to_string().contains(&owner));

    assert_eq!(
        c["displayName"], "Twilio Segment",
        "a create with config takes no name"
    );

    // Owners and name go through UpdateDelegated (the config stays); the
    // other fields stay.
    let (_, users) = sb.c1("GET", "/api/v1/users", &t, None).await;
    let member = users["list"][1]["user"]["id"].as_str().unwrap().to_string();
    let (s, upd) = sb
        .c1(
            "POST",
            &format!("/api/v1/apps/{app}/connectors/{id}/delegated"),
            &t,
            Some(json!({ "connector": { "displayName": "Segment prod", "userIds": [member], "description": "ignored", "config": {"@type": "type.googleapis.com/c1.api.app.v1.EnvConfig", "configuration": {}} }, "updateMask": "displayName,userIds" })),
        )
        .await;
    assert_eq!(s, 200, "{upd}");
    let c = &upd["connectorView"]["connector"];
    assert_eq!(c["displayName"], "Segment prod");
    assert_eq!(c["userIds"], json!([member]));
    assert_eq!(c["description"], "", "not in the mask");
    assert_ne!(c["config"], Value::Null, "the config is not in the mask");
    assert_eq!(
        c["status"]["status"], "SYNC_STATUS_DONE",
        "no config change, no new sync"
    );
    // By default, only the forms ConductorOne's own code sends: Update takes
    // config alone, UpdateDelegated displayName and userIds.
    for (suffix, mask) in [
        ("", "displayName"),
        ("", "config,userIds"),
        ("/delegated", "description"),
    ] {
        let (s, body) = sb
            .c1(
                "POST",
                &format!("/api/v1/apps/{app}/connectors/{id}{suffix}"),
                &t,
                Some(json!({ "connector": { "displayName": "x", "description": "x" }, "updateMask": mask })),
            )
            .await;
        assert_eq!(s, 400, "{suffix} {mask}: {body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("cannot be updated here"),
            "{body}"
        );
    }

    // A config update with the member token restarts the sync, which then fails.
    let member_token = sb.var("SEGMENT_MEMBER_TOKEN").to_string();
    let (s, upd) = sb
        .c1(
            "POST",
            &format!("/api/v1/apps/{app}/connectors/{id}"),
            &t,
            Some(json!({ "connector": { "config": env_config(&member_token) }, "updateMask": "config" })),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        upd["connectorView"]["connector"]["status"]["status"],
        "SYNC_STATUS_RUNNING"
    );
    let (_, got) = sync_ended(&sb, &app, &id, &t).await;
    let st = &got["connectorView"]["connector"]["status"];
    assert_eq!(st["status"], "SYNC_STATUS_ERROR");
    assert!(st["lastError"].as_str().unwrap().contains("403"));

    // force_sync restarts it.
    let (s, _) = sb
        .c1_empty(
            "POST",
            &format!("/api/v1/apps/{app}/connectors/{id}/force_sync"),
            &t,
        )
        .await;
    assert_eq!(s, 200);
    let (_, got) = sb
        .c1(
            "GET",
            &format!("/api/v1/apps/{app}/connectors/{id}"),
            &t,
            None,
        )
        .await;
    assert_eq!(
        got["connectorView"]["connector"]["status"]["status"],
        "SYNC_STATUS_RUNNING"
    );

    // Masks are checked.
    for (mask, why) in [("", "required"), ("catalogId", "cannot be updated")] {
        let (s, body) = sb
            .c1(
                "POST",
                &format!("/api/v1/apps/{app}/connectors/{id}"),
                &t,
                Some(json!({ "connector": {}, "updateMask": mask })),
            )
            .await;
        assert_eq!(s, 400, "{mask}");
        assert!(body["message"].as_str().unwrap().contains(why), "{body}");
    }
    let (s, _) = sb
        .c1(
            "POST",
            &format!("/api/v1/apps/{app}/connectors/{id}/delegated"),
            &t,
            Some(json!({ "connector": { "displayName": "x", "userIds": ["nobody"] }, "updateMask": "displayName,userIds" })),
        )
        .await;
    assert_eq!(s, 400, "unknown owners are refused");

    let (s, list) = sb
        .c1("GET", &format!("/api/v1/apps/{app}/connectors"), &t, None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(list["list"].as_array().unwrap().len(), 1);
    assert_eq!(list["nextPageToken"], "");

    let (s, _) = sb
        .c1_empty("DELETE", &format!("/api/v1/apps/{app}/connectors/{id}"), &t)
        .await;
    assert_eq!(s, 200);
    let (s, body) = sb
        .c1(
            "GET",
            &format!("/api/v1/apps/{app}/connectors/{id}"),
            &t,
            None,
        )
        .await;
    assert_eq!((s, body["code"].as_i64()), (404, Some(5)));
    let (s, _) = sb
        .c1_empty("DELETE", &format!("/api/v1/apps/{app}/connectors/{id}"), &t)
        .await;
    assert_eq!(s, 404);
    assert_eq!(sb.state().await["connectors"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn revoked_token_sync_errors_and_delegated_connectors() {
    let sb = start(&["--sync-delay", "100"]);
    let t = sb.token_with_secret().await;
    let revoked = sb.var("SEGMENT_REVOKED_TOKEN").to_string();
    let (app, id) = configured_connector(&sb, &t, &revoked).await;
    sync_ended(&sb, &app, &id, &t).await;
    let state = sb.state().await;
    let c = state["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(c["status"]["status"], "SYNC_STATUS_ERROR");
    assert!(c["status"]["lastError"].as_str().unwrap().contains("401"));
    assert!(!state.to_string().contains(&revoked));

    let (s, d) = sb
        .c1(
            "POST",
            &format!("/api/v1/apps/{app}/connectors"),
            &t,
            Some(json!({ "catalogId": SEGMENT, "displayName": "Segment" })),
        )
        .await;
    assert_eq!(s, 200);
    let did = d["connectorView"]["connector"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(d["connectorView"]["connector"]["config"], Value::Null);
    let (s, body) = sb
        .c1(
            "POST",
            &format!("/api/v1/apps/{app}/connectors/{did}/delegated"),
            &t,
            Some(json!({ "connector": { "config": env_config("x") }, "updateMask": "config" })),
        )
        .await;
    assert_eq!(s, 400, "delegated updates cannot set config: {body}");
    let (s, body) = sb
        .c1(
            "POST",
            &format!("/api/v1/apps/{app}/connectors/{did}/delegated"),
            &t,
            Some(json!({ "connector": { "displayName": "Renamed", "userIds": [sb.var("CONDUCTORONE_SANDBOX_ADMIN_USER_ID")] }, "updateMask": "displayName,userIds" })),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(body["connectorView"]["connector"]["displayName"], "Renamed");
    let (s, _) = sb
        .c1_empty(
            "POST",
            &format!("/api/v1/apps/{app}/connectors/{did}/force_sync"),
            &t,
        )
        .await;
    assert_eq!(s, 400, "nothing to sync without config");

    // Deleting the app removes its connectors.
    let (s, _) = sb
        .c1_empty("DELETE", &format!("/api/v1/apps/{app}"), &t)
        .await;
    assert_eq!(s, 200);
    let state = sb.state().await;
    assert!(state["connectors"].as_array().unwrap().is_empty());
    let (s, _) = sb
        .c1(
            "POST",
            "/api/v1/apps/nope/connectors/create",
            &t,
            Some(json!({ "catalogId": SEGMENT })),
        )
        .await;
    assert_eq!(s, 404);
    let (s, body) = sb
        .c1(
            "POST",
            &format!("/api/v1/apps/{app}/connectors/create"),
            &t,
            Some(json!({ "catalogId": 7 })),
        )
        .await;
    assert_eq!(
        (s, body["code"].as_i64()),
        (400, Some(3)),
        "a mistyped body is invalid: {body}"
    );
    assert!(body["message"].as_str().unwrap().contains("catalogId"));
}

#[tokio::test]
async fn users_list_get_search_and_introspect() {
    let sb = start(&[]);
    let t = sb.token_with_secret().await;
    let (s, users) = sb.c1("GET", "/api/v1/users", &t, None).await;
    assert_eq!(s, 200);
    let list = users["list"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    let statuses: Vec<&str> = list
        .iter()
        .map(|u| u["user"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["ENABLED", "ENABLED", "DISABLED"]);
    let admin = sb.var("CONDUCTORONE_SANDBOX_ADMIN_USER_ID");
    let (s, one) = sb
        .c1("GET", &format!("/api/v1/users/{admin}"), &t, None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        one["userView"]["user"]["email"],
        "admin@sandbox.example.com"
    );
    let (s, _) = sb.c1("GET", "/api/v1/users/nope", &t, None).await;
    assert_eq!(s, 404);
    let (s, found) = sb
        .c1(
            "POST",
            "/api/v1/search/users",
            &t,
            Some(json!({ "email": "member@sandbox.example.com" })),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(found["list"].as_array().unwrap().len(), 1);
    let (_, none) = sb
        .c1(
            "POST",
            "/api/v1/search/users",
            &t,
            Some(json!({ "email": "member@sandbox.example" })),
        )
        .await;
    assert_eq!(
        none["list"].as_array().unwrap().len(),
        0,
        "exact match only"
    );
    let (s, body) = sb
        .c1(
            "POST",
            "/api/v1/search/users",
            &t,
            Some(json!({ "email": 5 })),
        )
        .await;
    assert_eq!((s, body["code"].as_i64()), (400, Some(3)));
}

/// `--c1-apps 500 --c1-segment-connectors 37 --c1-other-connectors 20`: a
/// tenant at scale, listed as the API pages it (apps in pages of 100, then
/// each app's connectors); the seeded Segment connectors are synced and read
/// like any other.
#[tokio::test]
async fn a_seeded_tenant_at_scale_lists_page_by_page() {
    let sb = start(&[
        "--c1-apps",
        "500",
        "--c1-segment-connectors",
        "37",
        "--c1-other-connectors",
        "20",
    ]);
    let t = sb.token_with_secret().await;
    let (apps, pages) = app_pages(&sb, &t, 100).await;
    assert_eq!((apps.len(), pages), (500, 5));
    let (mut segment, mut other) = (0, 0);
    for app in &apps {
        let (s, page) = sb
            .c1(
                "GET",
                &format!("/api/v1/apps/{app}/connectors?page_size=100"),
                &t,
                None,
            )
            .await;
        assert_eq!(s, 200);
        for v in page["list"].as_array().unwrap() {
            let c = &v["connector"];
            if c["catalogId"] == SEGMENT {
                segment += 1;
                assert!(c["displayName"]
                    .as_str()
                    .unwrap()
                    .starts_with("Segment (env-"));
                assert_eq!(c["status"]["status"], "SYNC_STATUS_DONE");
                assert!(
                    !v.to_string().contains(sb.var("SEGMENT_ACCESS_TOKEN")),
                    "secret config returned"
                );
            } else {
                other += 1;
            }
        }
    }
    assert_eq!((segment, other), (37, 20));

    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_conductorone-sandbox"))
        .args(["--c1-segment-connectors", "3"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("set --c1-apps"));
}

/// `--c1-idp-segment-app`: the tenant holds the app an identity provider
/// made, named "Segment", with no connector; and users hold role IDs that
/// `GET /api/v1/iam/roles` lists.
#[tokio::test]
async fn an_identity_provider_segment_app_and_roles() {
    let sb = start(&["--c1-idp-segment-app"]);
    let t = sb.token_with_secret().await;
    let (s, apps) = sb.c1("GET", "/api/v1/apps", &t, None).await;
    assert_eq!(s, 200);
    let app = apps["list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["displayName"] == "Segment")
        .expect("the identity provider's app")
        .clone();
    let id = app["id"].as_str().unwrap();
    let (_, cs) = sb
        .c1("GET", &format!("/api/v1/apps/{id}/connectors"), &t, None)
        .await;
    assert!(cs["list"].as_array().unwrap().is_empty(), "{cs}");
    let (_, roles) = sb.c1("GET", "/api/v1/iam/roles", &t, None).await;
    let ids: Vec<&str> = roles["list"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    let admin = sb.var("CONDUCTORONE_SANDBOX_ADMIN_USER_ID");
    let (_, user) = sb
        .c1("GET", &format!("/api/v1/users/{admin}"), &t, None)
        .await;
    for rid in user["userView"]["user"]["roleIds"].as_array().unwrap() {
        assert!(
            ids.contains(&rid.as_str().unwrap()),
            "{rid} is not a listed role"
        );
    }
    assert!(!user["userView"]["user"]["roleIds"]
        .as_array()
        .unwrap()
        .is_empty());
}

/// `--c1-update-masks`: `ignore-others` takes any known path and applies only
/// the official ones, without a word; `any` applies every field through
/// either form.
#[tokio::test]
async fn update_masks_by_mode() {
    for (mode, renamed) in [("ignore-others", false), ("any", true)] {
        let sb = start(&["--c1-update-masks", mode]);
        let t = sb.token_with_secret().await;
        let app = new_app(&sb, &t).await;
        let (_, d) = sb
            .c1(
                "POST",
                &format!("/api/v1/apps/{app}/connectors"),
                &t,
                Some(json!({ "catalogId": SEGMENT, "displayName": "Segment", "description": "d" })),
            )
            .await;
        let id = d["connectorView"]["connector"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let (s, body) = sb
            .c1(
                "POST",
                &format!("/api/v1/apps/{app}/connectors/{id}"),
                &t,
                Some(json!({ "connector": { "displayName": "New", "description": "e", "config": env_config("x") }, "updateMask": "displayName,description,config" })),
            )
            .await;
        assert_eq!(s, 200, "{mode}: {body}");
        let c = &body["connectorView"]["connector"];
        assert_ne!(c["config"], Value::Null, "{mode}: config is taken");
        assert_eq!(c["displayName"] == "New", renamed, "{mode}: {c}");
        assert_eq!(c["description"] == "e", renamed, "{mode}: {c}");
    }
}

/// The catalog's configuration schema names the one secret field; a Segment
/// config under any other key is refused; introspection can name no user.
#[tokio::test]
async fn catalog_schema_token_field_and_no_user() {
    for field in ["token", "segment_access_token"] {
        let sb = start(&["--c1-catalog-token-field", field, "--c1-introspect-no-user"]);
        let t = sb.token_with_secret().await;
        let (s, schema) = sb
            .c1(
                "POST",
                "/api/v1/connectorcatalog",
                &t,
                Some(json!({ "catalogId": SEGMENT })),
            )
            .await;
        assert_eq!(s, 200, "{schema}");
        let fields = schema["schema"]["fields"].as_array().unwrap();
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0]["name"], field);
        assert!(fields[0]["secret"].is_object());
        let app = new_app(&sb, &t).await;
        let owner = sb.var("SEGMENT_ACCESS_TOKEN").to_string();
        let other = if field == "token" {
            "segment_access_token"
        } else {
            "token"
        };
        let (s, body) = sb
            .c1(
                "POST",
                &format!("/api/v1/apps/{app}/connectors/create"),
                &t,
                Some(json!({ "catalogId": SEGMENT, "config": env_config_as(other, &owner) })),
            )
            .await;
        assert_eq!(s, 400, "{body}");
        assert!(body["message"].as_str().unwrap().contains(field), "{body}");
        let (s, made) = sb
            .c1(
                "POST",
                &format!("/api/v1/apps/{app}/connectors/create"),
                &t,
                Some(json!({ "catalogId": SEGMENT, "config": env_config_as(field, &owner) })),
            )
            .await;
        assert_eq!(s, 200, "{made}");
        assert_eq!(
            made["connectorView"]["connector"]["userIds"],
            json!([]),
            "no owner"
        );
        let (_, me) = sb.c1("GET", "/api/v1/auth/introspect", &t, None).await;
        assert_eq!(me["userId"], "");
        let (s, _) = sb
            .c1(
                "POST",
                "/api/v1/connectorcatalog",
                &t,
                Some(json!({ "catalogId": "nope" })),
            )
            .await;
        assert_eq!(s, 404);
    }
}

/// `--c1-app-update-masks`: a masked app update refused or ignored; the
/// whole app with no mask is always taken.
#[tokio::test]
async fn masked_app_updates_by_mode() {
    for (mode, status, renamed) in [
        ("refuse", 400, false),
        ("ignore", 200, false),
        ("honour", 200, true),
    ] {
        let sb = start(&["--c1-app-update-masks", mode]);
        let t = sb.token_with_secret().await;
        let app = new_app(&sb, &t).await;
        let path = format!("/api/v1/apps/{app}");
        let (s, body) = sb
            .c1(
                "POST",
                &path,
                &t,
                Some(json!({ "app": { "description": "masked" }, "updateMask": "description" })),
            )
            .await;
        assert_eq!(s, status, "{mode}: {body}");
        let (_, got) = sb.c1("GET", &path, &t, None).await;
        assert_eq!(got["app"]["description"] == "masked", renamed, "{mode}");
        let (s, body) = sb
            .c1(
                "POST",
                &path,
                &t,
                Some(json!({ "app": { "displayName": "Segment", "description": "whole" } })),
            )
            .await;
        assert_eq!(
            (s, body["app"]["description"].as_str()),
            (200, Some("whole")),
            "{mode}"
        );
    }
}

/// POST a sandbox control; returns status and JSON.
async fn control(sb: &common::Sandbox, path: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", sb.base()))
        .json(&body)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn revoking_a_token_breaks_segment_and_the_next_sync() {
    let sb = start(&["--sync-delay", "100"]);
    let t = sb.token_with_secret().await;
    let owner = sb.var("SEGMENT_ACCESS_TOKEN").to_string();
    let (app, id) = configured_connector(&sb, &t, &owner).await;
    let (_, got) = sync_ended(&sb, &app, &id, &t).await;
    assert_eq!(
        got["connectorView"]["connector"]["status"]["status"],
        "SYNC_STATUS_DONE"
    );
    let updated_before = got["connectorView"]["connector"]["updatedAt"].clone();

    let (s, body) = control(
        &sb,
        "/__sandbox/segment/revoke",
        json!({ "token": "sgp_unknown" }),
    )
    .await;
    assert_eq!(s, 404, "{body}");
    let (s, body) = control(&sb, "/__sandbox/segment/revoke", json!({ "token": owner })).await;
    assert_eq!(s, 200, "{body}");
    assert!(
        !body.to_string().contains(&owner),
        "the token is never echoed"
    );
    let (s, _, body) = sb.seg_get("/", &owner).await;
    assert_eq!(s, 401, "{body}");

    sb.c1_empty(
        "POST",
        &format!("/api/v1/apps/{app}/connectors/{id}/force_sync"),
        &t,
    )
    .await;
    let (_, got) = sync_ended(&sb, &app, &id, &t).await;
    let c = &got["connectorView"]["connector"];
    assert_eq!(c["status"]["status"], "SYNC_STATUS_ERROR");
    let e = c["status"]["lastError"].as_str().unwrap();
    assert!(
        e.starts_with("failed to validate credentials:")
            && e.contains("code = Unauthenticated desc = 401 Unauthorized"),
        "{e}"
    );
    assert!(e.contains("invalid or has been revoked"), "{e}");
    assert_ne!(
        c["updatedAt"], updated_before,
        "the end of a sync changes the connector"
    );
}

#[tokio::test]
async fn a_second_workspace_has_its_own_owner_token_and_objects() {
    let sb = start(&[]);
    let other = sb.var("SEGMENT_OTHER_WORKSPACE_TOKEN").to_string();
    let (s, _, main) = sb.seg_get("/", sb.var("SEGMENT_ACCESS_TOKEN")).await;
    assert_eq!(s, 200);
    let (s, _, ws) = sb.seg_get("/", &other).await;
    assert_eq!(s, 200);
    assert_eq!(ws["data"]["workspace"]["slug"], "staging-workspace");
    assert_ne!(
        ws["data"]["workspace"]["id"],
        main["data"]["workspace"]["id"]
    );
    let (s, _, groups) = sb.seg_get("/groups", &other).await;
    assert_eq!(s, 200);
    assert_eq!(groups["data"]["userGroups"].as_array().unwrap().len(), 2);
    let gid = groups["data"]["userGroups"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, _, _) = sb.seg_get(&format!("/groups/{gid}"), &other).await;
    assert_eq!(s, 200);
    let (s, _, _) = sb
        .seg_get(&format!("/groups/{gid}"), sb.var("SEGMENT_ACCESS_TOKEN"))
        .await;
    assert_eq!(s, 404, "a workspace's groups are its own");
    let (s, _, roles) = sb.seg_get("/roles", &other).await;
    assert_eq!(s, 200);
    assert_eq!(roles["data"]["roles"].as_array().unwrap().len(), 8);
}

async fn paused_connector(mode: &str) {
    let sb = start(&["--sync-delay", "100", "--c1-paused-as", mode]);
    let t = sb.token_with_secret().await;
    let owner = sb.var("SEGMENT_ACCESS_TOKEN").to_string();
    let (app, id) = configured_connector(&sb, &t, &owner).await;
    sync_ended(&sb, &app, &id, &t).await;
    let (s, _) = sb
        .c1_empty(
            "POST",
            &format!("/api/v1/apps/{app}/connectors/{id}/pause"),
            &t,
        )
        .await;
    assert_eq!(s, 200);
    let path = format!("/api/v1/apps/{app}/connectors/{id}");
    let get = || sb.c1("GET", &path, &t, None);
    let (_, got) = get().await;
    let c = &got["connectorView"]["connector"];
    match mode {
        "status" => {
            assert_eq!(c["status"]["status"], "SYNC_STATUS_DISABLED");
            assert_eq!(c["syncDisabledAt"], Value::Null);
        }
        _ => {
            assert_eq!(c["status"]["status"], "SYNC_STATUS_DONE");
            assert!(c["syncDisabledAt"].is_string(), "{c}");
        }
    }
    // A forced sync is queued, and does not run while paused.
    sb.c1_empty(
        "POST",
        &format!("/api/v1/apps/{app}/connectors/{id}/force_sync"),
        &t,
    )
    .await;
    let (_, got) = get().await;
    assert_ne!(
        got["connectorView"]["connector"]["status"]["status"],
        "SYNC_STATUS_RUNNING"
    );
    let (s, _) = sb
        .c1_empty(
            "POST",
            &format!("/api/v1/apps/{app}/connectors/{id}/resume"),
            &t,
        )
        .await;
    assert_eq!(s, 200);
    let (_, got) = get().await;
    let c = &got["connectorView"]["connector"];
    assert_eq!(
        c["status"]["status"], "SYNC_STATUS_RUNNING",
        "resume triggers a new sync"
    );
    assert_eq!(c["syncDisabledAt"], Value::Null);
}

#[tokio::test]
async fn pause_and_resume_show_by_sync_disabled_at() {
    paused_connector("sync-disabled-at").await;
}

#[tokio::test]
async fn pause_and_resume_show_by_status() {
    paused_connector("status").await;
}
