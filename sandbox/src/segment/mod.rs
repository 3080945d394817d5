//! Segment's Public API (the IAM and workspace reads), under `/segment`.
//!
//! As the spec and Segment's docs describe: `Authorization: Bearer` tokens
//! scoped to one workspace; `{"data": ...}` envelopes; `{"errors": [...]}`
//! bodies; `pagination[count]` (1-200, 200 when omitted, as today's API does)
//! and an opaque `pagination[cursor]`; rate-limit headers on every success and
//! 429 with `Retry-After` once a token's budget is spent.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use serde_json::{json, Value};

use crate::state::{Segment, SegmentGroup, Workspace};
use crate::Sandbox;

const MAX_COUNT: u64 = 200;

pub fn router() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/segment", get(workspace))
        .route("/segment/", get(workspace))
        .route("/segment/roles", get(roles))
        .route("/segment/groups", get(groups))
        .route("/segment/groups/{id}", get(group))
        .route("/segment/groups/{id}/users", get(group_users))
        .route("/segment/groups/{id}/invites", get(group_invites))
        .route("/segment/users", get(users))
}

/// A Segment error body with its status.
pub fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        Json(json!({ "errors": [{ "type": kind, "message": message }] })),
    )
        .into_response()
}

/// A 400 Segment error naming the field.
pub fn field_error(kind: &str, message: &str, field: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "errors": [{ "type": kind, "message": message, "field": field }] })),
    )
        .into_response()
}

#[derive(PartialEq)]
enum Access {
    /// `GET /` only.
    Workspace,
    /// Roles: Workspace Owner tokens only, unless `--segment-member-reads-roles`.
    Roles,
    /// Users and groups: Workspace Owner tokens only.
    Iam,
    /// Groups and what is under them: as `Iam`, and refused (400) when the
    /// workspace's plan has no user groups (`--segment-no-groups-plan`).
    Groups,
}

/// The message Segment answers a token it does not know (or revoked) with.
pub const REFUSED_TOKEN: &str = "The API token is invalid or has been revoked.";
/// The message Segment answers a token without the owner access level with.
pub const MEMBER_TOKEN: &str = "This token's access level cannot read access management. Use a token with the Workspace Owner access level.";

/// Checks the token and the rate limit; returns the headers to add and the
/// workspace the token reaches.
fn authorize(
    sb: &Sandbox,
    headers: &HeaderMap,
    access: Access,
) -> Result<(HeaderMap, Workspace), Response> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .unwrap_or("");
    let c = &sb.creds;
    if token.is_empty() {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Missing API token. Send Authorization: Bearer <token>.",
        ));
    }
    let revoked = sb.data().revoked_segment_tokens.contains(token);
    let Some(ws) = c.workspace_of(token).filter(|_| !revoked) else {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            REFUSED_TOKEN,
        ));
    };
    let member = token == c.segment_member_token;
    let owner = !member;
    let mut out = HeaderMap::new();
    match sb.segment_rate(token) {
        Ok((remaining, reset)) => {
            let reset = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(reset));
            if remaining != u32::MAX {
                out.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
            } else {
                out.insert("x-ratelimit-remaining", HeaderValue::from_static("1000000"));
            }
            if let Ok(v) = HeaderValue::from_str(&reset) {
                out.insert("x-ratelimit-reset", v);
            }
        }
        Err(retry_after) => {
            let mut r = too_many_requests(retry_after * 1000);
            if !sb.config.segment_429_body_only {
                r.headers_mut()
                    .insert("retry-after", HeaderValue::from(retry_after));
                r.headers_mut()
                    .insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
            }
            return Err(r);
        }
    }
    let member_may = access == Access::Workspace
        || (access == Access::Roles && sb.config.segment_member_reads_roles);
    if !owner && !member_may {
        return Err(error(StatusCode::FORBIDDEN, "forbidden", MEMBER_TOKEN));
    }
    if access == Access::Groups && sb.config.segment_no_groups_plan {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "Your plan does not include User Groups. Contact sales to upgrade to business tier.",
        ));
    }
    Ok((out, ws))
}

/// A 429 as Segment sends it: `msBeforeNext` in the body (headers apart).
pub fn too_many_requests(ms_before_next: u64) -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        Json(json!({ "errors": [{ "type": "RequestError", "message": "Too many requests",
            "data": { "remainingPoints": 0, "msBeforeNext": ms_before_next, "consumedPoints": 0 } }] })),
    )
        .into_response()
}

/// Segment's objects never change after seeding, so lists are served from
/// JSON serialized once: a page is a concatenation of ready-made elements.
pub struct Cache {
    roles: Vec<String>,
    groups: Vec<String>,
    users: Vec<String>,
}

impl Cache {
    pub fn new(s: &Segment) -> Cache {
        Cache {
            roles: s.roles.iter().map(|r| s.role_json(r).to_string()).collect(),
            groups: s
                .groups
                .iter()
                .map(|g| s.group_json(g).to_string())
                .collect(),
            users: s.users.iter().map(|u| s.user_json(u).to_string()).collect(),
        }
    }
}

/// `{"data": {"<key>": [items...], "pagination": {...}}}` from serialized items.
fn ok_list(headers: HeaderMap, key: &str, items: &[String], pagination: &Value) -> Response {
    let mut body = String::with_capacity(items.iter().map(|i| i.len() + 1).sum::<usize>() + 128);
    body.push_str("{\"data\":{\"");
    body.push_str(key);
    body.push_str("\":[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(item);
    }
    body.push_str("],\"pagination\":");
    body.push_str(&pagination.to_string());
    body.push_str("}}");
    let mut r = (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response();
    r.headers_mut().extend(headers);
    r
}

fn ok(headers: HeaderMap, data: Value) -> Response {
    let mut r = Json(json!({ "data": data })).into_response();
    r.headers_mut().extend(headers);
    r
}

fn cursor_of(offset: usize) -> String {
    base64::engine::general_purpose::STANDARD.encode(offset.to_string())
}

/// `pagination[count]` / `pagination[cursor]` (or the dotted form).
fn page(q: &HashMap<String, String>) -> Result<(usize, usize), Response> {
    let get = |k: &str| {
        q.get(&format!("pagination[{k}]"))
            .or_else(|| q.get(&format!("pagination.{k}")))
    };
    let count = match get("count") {
        None => MAX_COUNT,
        Some(raw) => match raw.trim().parse::<f64>() {
            Ok(n) if n.fract() == 0.0 && (1.0..=MAX_COUNT as f64).contains(&n) => n as u64,
            _ => {
                return Err(field_error(
                    "bad-request",
                    &format!("pagination.count must be a whole number between 1 and {MAX_COUNT}, got {raw:?}"),
                    "pagination.count",
                ))
            }
        },
    };
    let offset = match get("cursor").map(|c| c.trim()).filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => base64::engine::general_purpose::STANDARD
            .decode(c)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.parse::<usize>().ok())
            .ok_or_else(|| {
                field_error(
                    "bad-request",
                    "pagination.cursor is not a cursor this API returned",
                    "pagination.cursor",
                )
            })?,
    };
    Ok((offset, count as usize))
}

fn paginate<T>(items: &[T], offset: usize, count: usize) -> (&[T], Value) {
    let total = items.len();
    let start = offset.min(total);
    let end = (start + count).min(total);
    let mut p = json!({ "current": cursor_of(start), "totalEntries": total });
    if end < total {
        p["next"] = json!(cursor_of(end));
    }
    if start > 0 {
        p["previous"] = json!(cursor_of(start.saturating_sub(count)));
    }
    (&items[start..end], p)
}

async fn workspace(State(sb): State<Arc<Sandbox>>, headers: HeaderMap) -> Response {
    let (h, ws) = match authorize(&sb, &headers, Access::Workspace) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let d = sb.data();
    let s = d.workspace(ws);
    ok(
        h,
        json!({ "workspace": { "id": s.workspace_id, "name": s.workspace_name, "slug": s.workspace_slug } }),
    )
}

/// A whole-workspace list served from the cache: auth, paging, envelope.
fn cached_list(
    sb: &Sandbox,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    items: fn(&Cache) -> &[String],
    key: &str,
    access: Access,
) -> Response {
    let (h, ws) = match authorize(sb, headers, access) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let (offset, count) = match page(q) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (page_items, p) = paginate(items(sb.segment_cache(ws)), offset, count);
    ok_list(h, key, page_items, &p)
}

async fn roles(
    State(sb): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    cached_list(&sb, &headers, &q, |c| &c.roles, "roles", Access::Roles)
}

async fn groups(
    State(sb): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    cached_list(
        &sb,
        &headers,
        &q,
        |c| &c.groups,
        "userGroups",
        Access::Groups,
    )
}

async fn group(
    State(sb): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (h, ws) = match authorize(&sb, &headers, Access::Groups) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let d = sb.data();
    let s = d.workspace(ws);
    match s.groups.iter().find(|g| g.id == id) {
        Some(g) => ok(h, json!({ "userGroup": s.group_json(g) })),
        None => error(
            StatusCode::NOT_FOUND,
            "not-found",
            &format!("User group with id '{id}' not found."),
        ),
    }
}

/// A page of a list under one group (`GET /groups/{id}/...`): the token
/// checked, the group found, and `list` making the page's data from the
/// group, the offset and the count.
fn group_page(
    sb: &Sandbox,
    headers: &HeaderMap,
    id: &str,
    q: &HashMap<String, String>,
    list: impl FnOnce(&Segment, &SegmentGroup, usize, usize) -> Value,
) -> Response {
    let (h, ws) = match authorize(sb, headers, Access::Groups) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let (offset, count) = match page(q) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let d = sb.data();
    let s = d.workspace(ws);
    match s.groups.iter().find(|g| g.id == id) {
        Some(g) => ok(h, list(s, g, offset, count)),
        None => error(
            StatusCode::NOT_FOUND,
            "not-found",
            &format!("User group with id '{id}' not found."),
        ),
    }
}

async fn group_users(
    State(sb): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    group_page(&sb, &headers, &id, &q, |s, g, offset, count| {
        let (items, p) = paginate(&g.members, offset, count);
        let users: Vec<Value> = items
            .iter()
            .filter_map(|i| s.users.get(*i))
            .map(|u| s.user_json(u))
            .collect();
        json!({ "users": users, "pagination": p })
    })
}

/// `GET /groups/{id}/invites`: the emails invited to the group who have not
/// joined the workspace yet.
async fn group_invites(
    State(sb): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    group_page(&sb, &headers, &id, &q, |_, g, offset, count| {
        let (items, p) = paginate(&g.invites, offset, count);
        json!({ "emails": items, "pagination": p })
    })
}

async fn users(
    State(sb): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    cached_list(&sb, &headers, &q, |c| &c.users, "users", Access::Iam)
}
