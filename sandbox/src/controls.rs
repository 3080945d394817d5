//! Test and benchmark controls under `/__sandbox/`: the state, the request
//! log, and injected faults. Not subject to latency, faults or the log.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::{json_response, Sandbox};

/// After `skip` of them pass, the next `count` requests matching `method` and
/// `path` fail with `status`, hang for `hang_ms` (then answer normally, unless
/// `status` is set too), or have their connection `reset` with no answer.
///
/// With `commit`, the request is carried out first and only then is its answer
/// lost (hung, replaced by `status`, or reset): what a client sees when a
/// server acted but the response never arrived.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Fault {
    /// HTTP method, or `*` for any.
    #[serde(default = "any")]
    pub method: String,
    /// Path pattern; `*` matches any run of characters. The query is not matched.
    pub path: String,
    #[serde(default = "one")]
    pub count: u32,
    /// Matching requests to let through before the fault starts.
    #[serde(default)]
    pub skip: u32,
    pub status: Option<u16>,
    pub hang_ms: Option<u64>,
    /// `Retry-After` seconds to send with the failure.
    pub retry_after: Option<u64>,
    /// Close the connection instead of answering.
    #[serde(default)]
    pub reset: bool,
    /// Carry the request out before losing its answer.
    #[serde(default)]
    pub commit: bool,
    /// Fail each matching request with this probability (0 to 1) instead of
    /// the next `count`; the fault stays until the faults are cleared.
    pub rate: Option<f64>,
    /// Answer with this text (as `text/html`, as a proxy would) instead of
    /// the API's error shape; `{bearer}` stands for the request's bearer
    /// token and `{client_secret}` for the sandbox's client secret, as a
    /// misbehaving server might echo them (also `{bearer_pct}`,
    /// `{bearer_b64}`, `{bearer_u}`: percent-encoded, base64, `\u` escapes).
    pub body: Option<String>,
    /// With `{bearer}`: a line break after every `wrap` characters of the
    /// token, as a server wrapping its text would echo it (`{bearer_json}`:
    /// the same, with the JSON escape `\n`, for a body in JSON).
    pub wrap: Option<usize>,
    /// Headers to send with the failure, as given (`Location` for a
    /// redirect, a `Retry-After` of any text).
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
    /// With a Segment 429: Segment's body with this `msBeforeNext`, and no
    /// `Retry-After` unless `retry_after` (or `headers`) asks for one.
    pub ms_before_next: Option<u64>,
}

fn any() -> String {
    "*".into()
}
fn one() -> u32 {
    1
}

impl Fault {
    pub fn matches(&self, method: &str, path: &str) -> bool {
        (self.method == "*" || self.method.eq_ignore_ascii_case(method)) && glob(&self.path, path)
    }
}

/// `*` matches any run of characters.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(p) => rest = &rest[p + part.len()..],
                None => return false,
            }
        }
    }
    true
}

pub fn router() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/__sandbox/state", get(state))
        .route("/__sandbox/requests", get(requests).delete(clear_requests))
        .route(
            "/__sandbox/faults",
            axum::routing::post(add_fault).delete(clear_faults),
        )
        .route("/__sandbox/segment/revoke", axum::routing::post(revoke))
}

#[derive(Deserialize)]
struct Revoke {
    token: String,
}

/// `POST /__sandbox/segment/revoke {"token": "..."}`: Segment refuses the
/// token from now on (401), and the next sync of a connector holding it ends
/// in error. The token is never echoed.
async fn revoke(State(sb): State<Arc<Sandbox>>, body: axum::body::Bytes) -> Response {
    let r: Revoke = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(_) => {
            return json_response(
                StatusCode::BAD_REQUEST,
                json!({ "error": "expected {\"token\": \"...\"}" }),
            )
        }
    };
    if sb.creds.workspace_of(&r.token).is_none() {
        return json_response(
            StatusCode::NOT_FOUND,
            json!({ "error": "no Segment token of this sandbox is that token" }),
        );
    }
    let mut d = sb.data();
    d.revoked_segment_tokens.insert(r.token);
    sb.save(&d);
    json_response(
        StatusCode::OK,
        json!({ "revoked": d.revoked_segment_tokens.len() }),
    )
}

#[derive(Deserialize)]
struct StateQuery {
    /// `full`: list Segment's roles and groups, not just count them.
    segment: Option<String>,
}

async fn state(State(sb): State<Arc<Sandbox>>, Query(q): Query<StateQuery>) -> Json<Value> {
    let mut d = sb.data();
    crate::c1::refresh_syncs(&sb, &mut d);
    let full = q.segment.as_deref() == Some("full");
    Json(json!({
        "apps": d.apps.values().map(crate::state::App::to_json).collect::<Vec<_>>(),
        "connectors": d.connectors.values().map(|c| {
            // For tests: which config keys hold values (never the values).
            let mut j = c.to_json();
            j["configKeys"] = json!(c.config_keys());
            j
        }).collect::<Vec<_>>(),
        "users": d.users.iter().map(crate::state::User::to_json).collect::<Vec<_>>(),
        "segment": {
            "workspace": { "id": d.segment.workspace_id, "name": d.segment.workspace_name, "slug": d.segment.workspace_slug },
            "otherWorkspace": d.segment_other.as_ref().map(|o| json!({ "id": o.workspace_id, "name": o.workspace_name, "slug": o.workspace_slug })),
            "groups": d.segment.groups.len(),
            "roles": d.segment.roles.len(),
            "users": d.segment.users.len(),
            "roleList": if full { d.segment.roles.iter().map(|r| d.segment.role_json(r)).collect::<Vec<_>>() } else { Vec::new() },
            "groupList": if full {
                d.segment.groups.iter().map(|g| {
                    let mut j = d.segment.group_json(g);
                    j["memberEmails"] = json!(g.members.iter().filter_map(|i| d.segment.users.get(*i)).map(|u| u.email.clone()).collect::<Vec<_>>());
                    j
                }).collect::<Vec<_>>()
            } else { Vec::new() },
        },
    }))
}

async fn requests(State(sb): State<Arc<Sandbox>>) -> Json<Value> {
    Json(json!({ "requests": sb.requests() }))
}

async fn clear_requests(State(sb): State<Arc<Sandbox>>) -> StatusCode {
    sb.clear_requests();
    StatusCode::NO_CONTENT
}

async fn add_fault(State(sb): State<Arc<Sandbox>>, body: axum::body::Bytes) -> Response {
    let f: Fault = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => {
            return json_response(
                StatusCode::BAD_REQUEST,
                json!({ "error": format!("bad fault: {e}") }),
            )
        }
    };
    if f.status.is_none() && f.hang_ms.is_none() && !f.reset {
        return json_response(
            StatusCode::BAD_REQUEST,
            json!({ "error": "a fault needs status, hang_ms or reset" }),
        );
    }
    if f.rate.is_some_and(|r| !(0.0..=1.0).contains(&r)) {
        return json_response(
            StatusCode::BAD_REQUEST,
            json!({ "error": "rate must be between 0 and 1" }),
        );
    }
    if (f.body.is_some() || !f.headers.is_empty()) && f.status.is_none() {
        return json_response(
            StatusCode::BAD_REQUEST,
            json!({ "error": "a fault with a body or headers needs a status" }),
        );
    }
    if f.reset && f.status.is_some() {
        return json_response(
            StatusCode::BAD_REQUEST,
            json!({ "error": "a fault resets the connection or answers with a status, not both" }),
        );
    }
    if f.wrap == Some(0) {
        return json_response(
            StatusCode::BAD_REQUEST,
            json!({ "error": "wrap must be at least 1" }),
        );
    }
    let bad_header = f.headers.iter().find(|(k, v)| {
        axum::http::HeaderName::from_bytes(k.as_bytes()).is_err()
            || axum::http::HeaderValue::from_str(v).is_err()
    });
    if let Some((k, _)) = bad_header {
        return json_response(
            StatusCode::BAD_REQUEST,
            json!({ "error": format!("header {k:?} is not a valid HTTP header") }),
        );
    }
    if f.status.is_some_and(|s| !(100..=599).contains(&s)) {
        return json_response(
            StatusCode::BAD_REQUEST,
            json!({ "error": "status must be an HTTP status code" }),
        );
    }
    sb.add_faults(f.clone());
    json_response(StatusCode::CREATED, json!({ "fault": f }))
}

/// `DELETE /__sandbox/faults`: drops every fault not yet used up, and ends
/// the hangs in progress (those requests then answer as their fault says).
async fn clear_faults(State(sb): State<Arc<Sandbox>>) -> Response {
    let dropped = sb.clear_faults();
    json_response(StatusCode::OK, json!({ "cleared": dropped }))
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs() {
        assert!(glob("/segment/groups", "/segment/groups"));
        assert!(glob("/segment/*", "/segment/groups/x"));
        assert!(glob(
            "*/connectors/create",
            "/api/v1/apps/a/connectors/create"
        ));
        assert!(glob("/api/*/connectors/*", "/api/v1/apps/a/connectors/b"));
        assert!(!glob("/segment/roles", "/segment/groups"));
        assert!(!glob("/a/*/c", "/a/b/d"));
    }
}
