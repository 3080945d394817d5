//! Connectors: create with config, create delegated (config pending), get,
//! list per app, update with `updateMask`, delegated update, delete, and
//! `force_sync`. A sync runs for `--sync-delay-ms`, then is DONE, or ERROR
//! when the Segment part refuses the connector's token.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    body, code, invalid, mask_paths, not_found, ok, page, paginate, status_error, ApiResult,
};
use crate::state::{rfc3339, unix_ms, Connector, Data, SyncStatus, SEGMENT_CATALOG_ID};
use crate::Sandbox;

fn catalog_name(catalog_id: &str) -> &'static str {
    if catalog_id == SEGMENT_CATALOG_ID {
        "Segment"
    } else {
        "Connector"
    }
}

/// Finishes syncs whose time is up.
pub fn refresh_syncs(sb: &Sandbox, d: &mut Data) {
    let now = SystemTime::now();
    let now_ms = unix_ms(now);
    for c in d.connectors.values_mut() {
        let Some(done_at) = c.sync_done_at_ms else {
            continue;
        };
        if now_ms < done_at {
            continue;
        }
        c.sync_done_at_ms = None;
        let ts = rfc3339(now);
        let (status, last_error) = match c.segment_token() {
            Some(t) if sb.creds.is_owner_token(&t) => ("SYNC_STATUS_DONE", String::new()),
            Some(t) if t == sb.creds.segment_member_token => (
                "SYNC_STATUS_ERROR",
                "Segment refused the token: its access level cannot read access management (HTTP 403).".to_string(),
            ),
            Some(_) => ("SYNC_STATUS_ERROR", "Segment refused the token: invalid or revoked (HTTP 401).".to_string()),
            None if c.catalog_id == SEGMENT_CATALOG_ID => {
                ("SYNC_STATUS_ERROR", "The connector has no Segment access token configured.".to_string())
            }
            None => ("SYNC_STATUS_DONE", String::new()),
        };
        c.status = SyncStatus {
            status: status.into(),
            last_error,
            started_at: c.status.started_at.clone(),
            completed_at: Some(ts.clone()),
            updated_at: Some(ts),
        };
    }
}

fn start_sync(sb: &Sandbox, c: &mut Connector) {
    let now = SystemTime::now();
    let ts = rfc3339(now);
    c.status = SyncStatus {
        status: "SYNC_STATUS_RUNNING".into(),
        last_error: String::new(),
        started_at: Some(ts.clone()),
        completed_at: None,
        updated_at: Some(ts),
    };
    c.sync_done_at_ms = Some(unix_ms(
        now + Duration::from_millis(sb.config.sync_delay_ms),
    ));
}

fn idle_status() -> SyncStatus {
    SyncStatus {
        status: "SYNC_STATUS_UNSPECIFIED".into(),
        last_error: String::new(),
        started_at: None,
        completed_at: None,
        updated_at: None,
    }
}

fn check_owners(d: &Data, ids: &[String]) -> Result<(), Response> {
    for id in ids {
        if !d.users.iter().any(|u| &u.id == id) {
            return Err(invalid(&format!("userIds: user {id:?} does not exist")));
        }
    }
    Ok(())
}

fn check_config(cfg: &Value) -> Result<(), Response> {
    let Some(obj) = cfg.as_object() else {
        return Err(invalid("config must be an object"));
    };
    match obj.get("@type").and_then(Value::as_str) {
        Some(t) if !t.is_empty() => {}
        _ => return Err(invalid("config needs an \"@type\"")),
    }
    if let Some(conf) = obj.get("configuration") {
        let Some(conf) = conf.as_object() else {
            return Err(invalid("config.configuration must be an object"));
        };
        for (k, v) in conf {
            if !v.is_object() {
                return Err(invalid(&format!("config.configuration.{k} must be a typed value such as {{\"stringValue\": ...}}")));
            }
        }
    }
    Ok(())
}

fn app_exists(d: &Data, app_id: &str) -> Result<(), Response> {
    if d.apps.contains_key(app_id) {
        Ok(())
    } else {
        Err(not_found(&format!("app {app_id}")))
    }
}

fn connector_mut<'a>(
    d: &'a mut Data,
    app_id: &str,
    id: &str,
) -> Result<&'a mut Connector, Response> {
    match d.connectors.get_mut(id) {
        Some(c) if c.app_id == app_id => Ok(c),
        _ => Err(not_found(&format!("connector {id}"))),
    }
}

fn view_response(c: &Connector) -> ApiResult {
    ok(json!({ "connectorView": c.view(), "expanded": [] }))
}

pub async fn list(
    State(sb): State<Arc<Sandbox>>,
    Path(app_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let (offset, size) = page(&q)?;
    let mut d = sb.data();
    app_exists(&d, &app_id)?;
    refresh_syncs(&sb, &mut d);
    let list: Vec<&Connector> = d
        .connectors
        .values()
        .filter(|c| c.app_id == app_id)
        .collect();
    let (items, next) = paginate(&list, offset, size);
    ok(
        json!({ "list": items.iter().map(|c| c.view()).collect::<Vec<Value>>(), "nextPageToken": next, "expanded": [] }),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Create {
    catalog_id: Option<String>,
    config: Option<Value>,
    description: Option<String>,
    user_ids: Option<Vec<String>>,
    #[allow(dead_code)]
    expand_mask: Option<Value>,
}

pub async fn create(
    State(sb): State<Arc<Sandbox>>,
    Path(app_id): Path<String>,
    bytes: axum::body::Bytes,
) -> ApiResult {
    let req: Create = body(&bytes)?;
    let catalog_id = req
        .catalog_id
        .filter(|c| !c.is_empty())
        .ok_or_else(|| invalid("catalogId is required"))?;
    if let Some(cfg) = &req.config {
        check_config(cfg)?;
    }
    let mut d = sb.data();
    app_exists(&d, &app_id)?;
    let owners = req
        .user_ids
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| vec![sb.creds.admin_user_id.clone()]);
    check_owners(&d, &owners)?;
    let now = rfc3339(SystemTime::now());
    let mut c = Connector {
        id: sb.ids.id(),
        app_id,
        display_name: catalog_name(&catalog_id).into(),
        catalog_id,
        description: req.description.unwrap_or_default(),
        user_ids: owners,
        config: req.config,
        created_at: now.clone(),
        updated_at: now,
        status: idle_status(),
        sync_done_at_ms: None,
    };
    if c.config.is_some() {
        start_sync(&sb, &mut c);
    }
    d.connectors.insert(c.id.clone(), c.clone());
    sb.save(&d);
    view_response(&c)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateDelegated {
    catalog_id: Option<String>,
    display_name: Option<String>,
    description: Option<String>,
    user_ids: Option<Vec<String>>,
}

pub async fn create_delegated(
    State(sb): State<Arc<Sandbox>>,
    Path(app_id): Path<String>,
    bytes: axum::body::Bytes,
) -> ApiResult {
    let req: CreateDelegated = body(&bytes)?;
    let catalog_id = req
        .catalog_id
        .filter(|c| !c.is_empty())
        .ok_or_else(|| invalid("catalogId is required"))?;
    let mut d = sb.data();
    app_exists(&d, &app_id)?;
    let owners = req
        .user_ids
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| vec![sb.creds.admin_user_id.clone()]);
    check_owners(&d, &owners)?;
    let now = rfc3339(SystemTime::now());
    let c = Connector {
        id: sb.ids.id(),
        app_id,
        display_name: req
            .display_name
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| catalog_name(&catalog_id).into()),
        catalog_id,
        description: req.description.unwrap_or_default(),
        user_ids: owners,
        config: None,
        created_at: now.clone(),
        updated_at: now,
        status: idle_status(),
        sync_done_at_ms: None,
    };
    d.connectors.insert(c.id.clone(), c.clone());
    sb.save(&d);
    view_response(&c)
}

pub async fn get(
    State(sb): State<Arc<Sandbox>>,
    Path((app_id, id)): Path<(String, String)>,
) -> ApiResult {
    let mut d = sb.data();
    refresh_syncs(&sb, &mut d);
    let c = connector_mut(&mut d, &app_id, &id)?;
    view_response(c)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Update {
    connector: Option<Value>,
    update_mask: Option<String>,
    #[allow(dead_code)]
    expand_mask: Option<Value>,
}

fn apply_update(sb: &Sandbox, app_id: &str, id: &str, bytes: &[u8], delegated: bool) -> ApiResult {
    let req: Update = body(bytes)?;
    let patch = req
        .connector
        .ok_or_else(|| invalid("connector is required"))?;
    let mask = req.update_mask.unwrap_or_default();
    let allowed: &[&str] = if delegated {
        &["displayName", "description", "userIds"]
    } else {
        &["displayName", "description", "userIds", "config"]
    };
    let paths = mask_paths(&mask, allowed)?;
    let mut d = sb.data();
    refresh_syncs(sb, &mut d);
    let owners: Option<Vec<String>> = if paths.contains(&"userIds") {
        let ids = patch
            .get("userIds")
            .cloned()
            .unwrap_or(Value::Array(Vec::new()));
        let ids: Vec<String> = serde_json::from_value(ids)
            .map_err(|_| invalid("connector.userIds must be a list of user ids"))?;
        check_owners(&d, &ids)?;
        Some(ids)
    } else {
        None
    };
    if paths.contains(&"config") {
        check_config(patch.get("config").unwrap_or(&Value::Null))?;
    }
    let c = connector_mut(&mut d, app_id, id)?;
    for p in &paths {
        match *p {
            "displayName" => {
                c.display_name = patch
                    .get("displayName")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            }
            "description" => {
                c.description = patch
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            }
            "userIds" => c.user_ids = owners.clone().unwrap_or_default(),
            "config" => c.config = patch.get("config").cloned(),
            _ => {}
        }
    }
    if paths.contains(&"config") {
        start_sync(sb, c);
    }
    c.updated_at = rfc3339(SystemTime::now());
    let out = c.clone();
    sb.save(&d);
    view_response(&out)
}

pub async fn update(
    State(sb): State<Arc<Sandbox>>,
    Path((app_id, id)): Path<(String, String)>,
    bytes: axum::body::Bytes,
) -> ApiResult {
    apply_update(&sb, &app_id, &id, &bytes, false)
}

pub async fn update_delegated(
    State(sb): State<Arc<Sandbox>>,
    Path((app_id, id)): Path<(String, String)>,
    bytes: axum::body::Bytes,
) -> ApiResult {
    apply_update(&sb, &app_id, &id, &bytes, true)
}

pub async fn delete(
    State(sb): State<Arc<Sandbox>>,
    Path((app_id, id)): Path<(String, String)>,
    bytes: axum::body::Bytes,
) -> ApiResult {
    let _: Value = body(&bytes)?;
    let mut d = sb.data();
    connector_mut(&mut d, &app_id, &id)?;
    d.connectors.remove(&id);
    sb.save(&d);
    ok(json!({}))
}

pub async fn force_sync(
    State(sb): State<Arc<Sandbox>>,
    Path((app_id, id)): Path<(String, String)>,
    bytes: axum::body::Bytes,
) -> ApiResult {
    let _: Value = body(&bytes)?;
    let mut d = sb.data();
    let c = connector_mut(&mut d, &app_id, &id)?;
    if c.config.is_none() {
        return Err(status_error(
            code::FAILED_PRECONDITION,
            "the connector has no config yet; nothing to sync",
        ));
    }
    start_sync(&sb, c);
    sb.save(&d);
    ok(json!({}))
}
