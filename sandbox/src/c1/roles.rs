//! ConductorOne's IAM roles: `GET /api/v1/iam/roles` (paged) and
//! `GET /api/v1/iam/roles/{role_id}`. A fixed set of system roles, whose IDs
//! are the ones the seeded users hold in `roleIds`.

use std::collections::HashMap;

use axum::extract::{Path, Query};
use serde_json::{json, Value};

use super::{not_found, ok, page, paginate, ApiResult};

/// (id, internal name, display name, permissions).
const ROLES: &[(&str, &str, &str, &[&str])] = &[
    (
        "super-administrator",
        "super-admin",
        "Super Administrator",
        &["*"],
    ),
    (
        "connector-administrator",
        "connector-admin",
        "Connector Administrator",
        &["app:read", "app:write", "connector:read", "connector:write"],
    ),
    (
        "read-only-administrator",
        "read-only-admin",
        "Read-Only Administrator",
        &["app:read", "connector:read", "user:read"],
    ),
    ("basic-user", "user", "Basic User", &["request:write"]),
];

fn view(r: &(&str, &str, &str, &[&str]), at: &str) -> Value {
    let (id, name, display, permissions) = r;
    json!({
        "id": id,
        "name": name,
        "displayName": display,
        "permissions": permissions,
        "serviceRoles": [],
        "systemBuiltin": true,
        "systemApiOnly": false,
        "createdAt": at,
        "updatedAt": at,
    })
}

/// When the system roles were made (they never change).
const CREATED: &str = "2024-01-01T00:00:00Z";

pub async fn list(Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let (offset, size) = page(&q)?;
    let (items, next) = paginate(ROLES, offset, size);
    let list: Vec<Value> = items.iter().map(|r| view(r, CREATED)).collect();
    ok(json!({ "list": list, "nextPageToken": next }))
}

pub async fn get(Path(id): Path<String>) -> ApiResult {
    let r = ROLES
        .iter()
        .find(|r| r.0 == id)
        .ok_or_else(|| not_found(&format!("role {id}")))?;
    ok(json!({ "role": view(r, CREATED) }))
}
