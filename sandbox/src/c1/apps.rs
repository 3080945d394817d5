//! Apps: list, create, get, update (`updateMask`), delete (deleting an app
//! deletes its connectors).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{body, invalid, mask_paths, not_found, ok, page, page_of, paginate, ApiResult};
use crate::config::AppUpdateMasks;
use crate::state::{rfc3339, App};
use crate::Sandbox;

pub async fn list(
    State(sb): State<Arc<Sandbox>>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let (offset, size) = page(&q)?;
    let d = sb.data();
    let apps: Vec<&App> = d.apps.values().collect();
    let (items, next) = paginate(&apps, offset, size);
    ok(
        json!({ "list": items.iter().map(|a| a.to_json()).collect::<Vec<Value>>(), "nextPageToken": next }),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateApp {
    display_name: Option<String>,
    #[serde(default)]
    description: String,
}

pub async fn create(State(sb): State<Arc<Sandbox>>, bytes: axum::body::Bytes) -> ApiResult {
    let req: CreateApp = body(&bytes)?;
    let name = req.display_name.unwrap_or_default();
    if name.trim().is_empty() {
        return Err(invalid("displayName is required"));
    }
    let now = rfc3339(SystemTime::now());
    let app = App {
        id: sb.ids.id(),
        display_name: name,
        description: req.description,
        created_at: now.clone(),
        updated_at: now,
    };
    let mut d = sb.data();
    d.apps.insert(app.id.clone(), app.clone());
    sb.save(&d);
    ok(json!({ "app": app.to_json() }))
}

pub async fn get(State(sb): State<Arc<Sandbox>>, Path(app_id): Path<String>) -> ApiResult {
    let d = sb.data();
    let app = d
        .apps
        .get(&app_id)
        .ok_or_else(|| not_found(&format!("app {app_id}")))?;
    ok(json!({ "app": app.to_json() }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateApp {
    app: Option<Value>,
    update_mask: Option<String>,
}

pub async fn update(
    State(sb): State<Arc<Sandbox>>,
    Path(app_id): Path<String>,
    bytes: axum::body::Bytes,
) -> ApiResult {
    let req: UpdateApp = body(&bytes)?;
    let patch = req.app.ok_or_else(|| invalid("app is required"))?;
    // No mask: the whole app, as ConductorOne's Terraform provider sends it.
    let masked = req
        .update_mask
        .as_deref()
        .is_some_and(|m| !m.trim().is_empty());
    let mask = match masked {
        true => req.update_mask.unwrap_or_default(),
        false => "displayName,description".to_string(),
    };
    let mut paths = mask_paths(&mask, &["displayName", "description"])?;
    if masked {
        match sb.config.c1_app_update_masks {
            AppUpdateMasks::Honour => {}
            AppUpdateMasks::Refuse => {
                return Err(invalid(
                    "updateMask is not supported for apps: send the whole app",
                ))
            }
            AppUpdateMasks::Ignore => paths.clear(),
        }
    }
    let field = |k: &str| {
        patch
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    if paths.contains(&"displayName") && field("displayName").trim().is_empty() {
        return Err(invalid("app.displayName cannot be empty"));
    }
    let mut d = sb.data();
    let app = d
        .apps
        .get_mut(&app_id)
        .ok_or_else(|| not_found(&format!("app {app_id}")))?;
    for p in &paths {
        match *p {
            "displayName" => app.display_name = field("displayName"),
            _ => app.description = field("description"),
        }
    }
    app.updated_at = rfc3339(SystemTime::now());
    let out = app.to_json();
    sb.save(&d);
    ok(json!({ "app": out }))
}

pub async fn delete(
    State(sb): State<Arc<Sandbox>>,
    Path(app_id): Path<String>,
    bytes: axum::body::Bytes,
) -> ApiResult {
    let _: Value = body(&bytes)?;
    let mut d = sb.data();
    if d.apps.remove(&app_id).is_none() {
        return Err(not_found(&format!("app {app_id}")));
    }
    d.connectors.retain(|_, c| c.app_id != app_id);
    sb.save(&d);
    ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Search {
    display_name: Option<String>,
    query: Option<String>,
    app_ids: Option<Vec<String>>,
    exclude_app_ids: Option<Vec<String>>,
    page_size: Option<i64>,
    page_token: Option<String>,
}

/// `POST /api/v1/search/apps`: `displayName` matches the whole name, case
/// insensitively; `query` is a case-insensitive substring of the name or the
/// description (the spec's "fuzzy search"); `appIds` / `excludeAppIds` narrow.
pub async fn search(State(sb): State<Arc<Sandbox>>, bytes: axum::body::Bytes) -> ApiResult {
    let s: Search = body(&bytes)?;
    let size = s.page_size.map(|n| n.to_string());
    let (offset, size) = page_of(size.as_deref(), s.page_token.as_deref())?;
    let d = sb.data();
    let ids = s.app_ids.unwrap_or_default();
    let excluded = s.exclude_app_ids.unwrap_or_default();
    let name = s
        .display_name
        .filter(|n| !n.is_empty())
        .map(|n| n.to_lowercase());
    let query = s.query.filter(|q| !q.is_empty()).map(|q| q.to_lowercase());
    let matched: Vec<&App> = d
        .apps
        .values()
        .filter(|a| {
            name.as_ref()
                .is_none_or(|n| a.display_name.to_lowercase() == *n)
        })
        .filter(|a| {
            query.as_ref().is_none_or(|q| {
                a.display_name.to_lowercase().contains(q)
                    || a.description.to_lowercase().contains(q)
            })
        })
        .filter(|a| ids.is_empty() || ids.contains(&a.id))
        .filter(|a| !excluded.contains(&a.id))
        .collect();
    let (items, next) = paginate(&matched, offset, size);
    ok(
        json!({ "list": items.iter().map(|a| a.to_json()).collect::<Vec<Value>>(), "nextPageToken": next }),
    )
}
