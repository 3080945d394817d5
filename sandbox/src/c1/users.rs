//! Users: list, get, and search by exact email.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{body, not_found, ok, page, page_of, paginate, ApiResult};
use crate::state::User;
use crate::Sandbox;

pub async fn list(
    State(sb): State<Arc<Sandbox>>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let (offset, size) = page(&q)?;
    let d = sb.data();
    let (items, next) = paginate(&d.users, offset, size);
    ok(
        json!({ "list": items.iter().map(User::view).collect::<Vec<Value>>(), "nextPageToken": next, "expanded": [] }),
    )
}

pub async fn get(State(sb): State<Arc<Sandbox>>, Path(id): Path<String>) -> ApiResult {
    let d = sb.data();
    let u = d
        .users
        .iter()
        .find(|u| u.id == id)
        .ok_or_else(|| not_found(&format!("user {id}")))?;
    ok(json!({ "userView": u.view(), "expanded": [] }))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Search {
    email: Option<String>,
    query: Option<String>,
    ids: Option<Vec<String>>,
    refs: Option<Vec<Ref>>,
    user_statuses: Option<Vec<String>>,
    page_size: Option<i64>,
    page_token: Option<String>,
}

#[derive(Deserialize)]
struct Ref {
    id: String,
}

pub async fn search(State(sb): State<Arc<Sandbox>>, bytes: axum::body::Bytes) -> ApiResult {
    let s: Search = body(&bytes)?;
    let size = s.page_size.map(|n| n.to_string());
    let (offset, size) = page_of(size.as_deref(), s.page_token.as_deref())?;
    let d = sb.data();
    let mut ids: Vec<String> = s.ids.unwrap_or_default();
    ids.extend(s.refs.unwrap_or_default().into_iter().map(|r| r.id));
    let matched: Vec<&User> = d
        .users
        .iter()
        .filter(|u| {
            s.email
                .as_deref()
                .is_none_or(|e| e.is_empty() || u.email == e)
        })
        .filter(|u| {
            s.query.as_deref().is_none_or(|q| {
                let q = q.to_lowercase();
                u.display_name.to_lowercase().contains(&q) || u.email.to_lowercase().contains(&q)
            })
        })
        .filter(|u| ids.is_empty() || ids.contains(&u.id))
        .filter(|u| {
            s.user_statuses
                .as_ref()
                .is_none_or(|st| st.is_empty() || st.iter().any(|x| x == &u.status))
        })
        .collect();
    let (items, next) = paginate(&matched, offset, size);
    ok(
        json!({ "list": items.iter().map(|u| u.view()).collect::<Vec<Value>>(), "nextPageToken": next, "expanded": [] }),
    )
}
