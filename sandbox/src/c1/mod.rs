//! The ConductorOne API: OAuth2 token endpoint, apps, connectors, users.
//!
//! JSON is proto3-style camelCase; lists page with `page_size` (10-100,
//! default 25) and an opaque `page_token`, answering `nextPageToken` (empty on
//! the last page); errors are `google.rpc.Status` bodies with the matching
//! HTTP status.

mod apps;
mod auth;
mod connectors;
mod roles;
mod users;

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::Sandbox;

pub use auth::verify_assertion;
pub use connectors::refresh_syncs;

/// gRPC status codes used here.
pub mod code {
    pub const INVALID_ARGUMENT: i32 = 3;
    pub const NOT_FOUND: i32 = 5;
    pub const PERMISSION_DENIED: i32 = 7;
    pub const RESOURCE_EXHAUSTED: i32 = 8;
    pub const FAILED_PRECONDITION: i32 = 9;
    pub const INTERNAL: i32 = 13;
    pub const UNAVAILABLE: i32 = 14;
    pub const UNAUTHENTICATED: i32 = 16;
}

fn http_status(c: i32) -> StatusCode {
    match c {
        code::INVALID_ARGUMENT | code::FAILED_PRECONDITION => StatusCode::BAD_REQUEST,
        code::NOT_FOUND => StatusCode::NOT_FOUND,
        code::PERMISSION_DENIED => StatusCode::FORBIDDEN,
        code::RESOURCE_EXHAUSTED => StatusCode::TOO_MANY_REQUESTS,
        code::UNAVAILABLE => StatusCode::SERVICE_UNAVAILABLE,
        code::UNAUTHENTICATED => StatusCode::UNAUTHORIZED,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The gRPC code for an HTTP status (for injected faults).
pub fn grpc_code_for(s: StatusCode) -> i32 {
    match s.as_u16() {
        400 => code::INVALID_ARGUMENT,
        401 => code::UNAUTHENTICATED,
        403 => code::PERMISSION_DENIED,
        404 => code::NOT_FOUND,
        429 => code::RESOURCE_EXHAUSTED,
        503 => code::UNAVAILABLE,
        _ => code::INTERNAL,
    }
}

/// A `google.rpc.Status` error response.
pub fn status_error(c: i32, message: &str) -> Response {
    (
        http_status(c),
        Json(json!({ "code": c, "message": message, "details": [] })),
    )
        .into_response()
}

pub(crate) type ApiResult = Result<Response, Response>;

pub(crate) fn ok(v: Value) -> ApiResult {
    Ok(Json(v).into_response())
}

pub(crate) fn invalid(message: &str) -> Response {
    status_error(code::INVALID_ARGUMENT, message)
}

pub(crate) fn not_found(what: &str) -> Response {
    status_error(code::NOT_FOUND, &format!("{what} not found"))
}

/// Parses a JSON body; an empty body is `{}`.
pub(crate) fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Response> {
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        bytes
    };
    serde_json::from_slice(bytes).map_err(|e| invalid(&format!("invalid request body: {e}")))
}

/// `page_size` / `page_token` as ConductorOne treats them.
pub(crate) fn page(q: &HashMap<String, String>) -> Result<(usize, usize), Response> {
    page_of(
        q.get("page_size").map(String::as_str),
        q.get("page_token").map(String::as_str),
    )
}

pub(crate) fn page_of(size: Option<&str>, token: Option<&str>) -> Result<(usize, usize), Response> {
    let size = match size.map(str::trim).filter(|s| !s.is_empty()) {
        None => 25,
        Some(s) => match s.parse::<i64>() {
            Ok(0) => 25,
            Ok(n) if n < 0 => return Err(invalid("page_size must not be negative")),
            Ok(n) => n.clamp(10, 100) as usize,
            Err(_) => return Err(invalid(&format!("page_size {s:?} is not a number"))),
        },
    };
    let offset = match token.map(str::trim).filter(|t| !t.is_empty()) {
        None => 0,
        Some(t) => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.strip_prefix("offset:").and_then(|n| n.parse().ok()))
            .ok_or_else(|| invalid("page_token is not a token this API returned"))?,
    };
    Ok((offset, size))
}

/// A page of `items` and the next page token ("" on the last page).
pub(crate) fn paginate<T>(items: &[T], offset: usize, size: usize) -> (&[T], String) {
    let start = offset.min(items.len());
    let end = (start + size).min(items.len());
    let next = if end < items.len() {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("offset:{end}"))
    } else {
        String::new()
    };
    (&items[start..end], next)
}

/// The fields of an `updateMask` (comma-separated camelCase paths), each
/// one of `allowed`.
pub fn mask_paths<'a>(mask: &'a str, allowed: &[&str]) -> Result<Vec<&'a str>, Response> {
    let paths: Vec<&str> = mask
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if paths.is_empty() {
        return Err(invalid(&format!(
            "updateMask is required: a comma-separated list of the fields to change ({})",
            allowed.join(", ")
        )));
    }
    if let Some(bad) = paths.iter().find(|p| !allowed.contains(p)) {
        return Err(invalid(&format!(
            "updateMask: field {bad:?} cannot be updated here (allowed: {})",
            allowed.join(", ")
        )));
    }
    Ok(paths)
}

pub fn router(sb: Arc<Sandbox>) -> Router<Arc<Sandbox>> {
    let api = Router::new()
        .route("/api/v1/auth/introspect", get(auth::introspect))
        .route("/api/v1/apps", get(apps::list).post(apps::create))
        .route(
            "/api/v1/apps/{app_id}",
            get(apps::get).post(apps::update).delete(apps::delete),
        )
        .route(
            "/api/v1/apps/{app_id}/connectors",
            get(connectors::list).post(connectors::create_delegated),
        )
        .route(
            "/api/v1/apps/{app_id}/connectors/create",
            post(connectors::create),
        )
        .route(
            "/api/v1/apps/{app_id}/connectors/{id}",
            get(connectors::get)
                .post(connectors::update)
                .delete(connectors::delete),
        )
        .route(
            "/api/v1/apps/{app_id}/connectors/{id}/delegated",
            post(connectors::update_delegated),
        )
        .route(
            "/api/v1/apps/{app_id}/connectors/{id}/force_sync",
            post(connectors::force_sync),
        )
        .route(
            "/api/v1/apps/{app_id}/connectors/{id}/pause",
            post(connectors::pause),
        )
        .route(
            "/api/v1/apps/{app_id}/connectors/{id}/resume",
            post(connectors::resume),
        )
        .route("/api/v1/iam/roles", get(roles::list))
        .route("/api/v1/iam/roles/{role_id}", get(roles::get))
        .route("/api/v1/users", get(users::list))
        .route("/api/v1/users/{id}", get(users::get))
        .route("/api/v1/search/users", post(users::search))
        .route("/api/v1/search/apps", post(apps::search))
        .route(
            "/api/v1/connectorcatalog",
            post(connectors::configuration_schema),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            sb,
            auth::require_bearer,
        ));
    Router::new()
        .route("/auth/v1/token", post(auth::token))
        .merge(api)
}
