//! Connectors: create with config, create delegated (config pending), get,
//! list per app, update with `updateMask` (by `--c1-update-masks`: by
//! default only the forms ConductorOne's own code sends), delegated update,
//! delete, `force_sync`, and the catalog's configuration schema. A sync runs for `--sync-delay-ms`, then is DONE, or ERROR
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
use crate::config::{PausedAs, UpdateMasks};
use crate::state::{rfc3339, unix_ms, Connector, Data, Paused, SyncStatus, SEGMENT_CATALOG_ID};
use crate::Sandbox;

/// The name ConductorOne gives a connector created with no name.
fn catalog_name(sb: &Sandbox, catalog_id: &str) -> String {
    if catalog_id == SEGMENT_CATALOG_ID {
        sb.config.c1_connector_default_name.clone()
    } else {
        "Connector".into()
    }
}

/// The owners of a new connector: those asked for, else the caller (none
/// when introspection names no user).
fn new_owners(sb: &Sandbox, asked: Option<Vec<String>>) -> Vec<String> {
    match asked.filter(|u| !u.is_empty()) {
        Some(ids) => ids,
        None if sb.config.c1_introspect_no_user => Vec::new(),
        None => vec![sb.creds.admin_user_id.clone()],
    }
}

/// Finishes syncs whose time is up (a paused connector's sync too: a pause
/// stops new syncs). The end of a sync changes the connector's `updatedAt`,
/// as a change of its status is a change of the connector.
pub fn refresh_syncs(sb: &Sandbox, d: &mut Data) {
    let now = SystemTime::now();
    let now_ms = unix_ms(now);
    let revoked = d.revoked_segment_tokens.clone();
    for c in d.connectors.values_mut() {
        let Some(done_at) = c.sync_done_at_ms else {
            continue;
        };
        if now_ms < done_at {
            continue;
        }
        c.sync_done_at_ms = None;
        let ts = rfc3339(now);
        let token = c.segment_token(&sb.config.c1_catalog_token_field);
        let last_error = match token {
            Some(t) => sync_error(sb, &t, revoked.contains(&t)),
            None if c.catalog_id == SEGMENT_CATALOG_ID => {
                Some("The connector has no Segment access token configured.".to_string())
            }
            None => None,
        };
        c.status = SyncStatus {
            status: match last_error {
                Some(_) => "SYNC_STATUS_ERROR",
                None => "SYNC_STATUS_DONE",
            }
            .into(),
            last_error: last_error.unwrap_or_default(),
            started_at: c.status.started_at.clone(),
            completed_at: Some(ts.clone()),
            updated_at: Some(ts.clone()),
        };
        c.updated_at = ts;
    }
}

/// What a sync with `token` ends with: nothing for a Workspace Owner token,
/// else the error ConductorOne's Segment connector (baton-segment, on
/// baton-sdk's HTTP client) reports when its credential check (`GET /roles`)
/// is refused.
fn sync_error(sb: &Sandbox, token: &str, revoked: bool) -> Option<String> {
    let c = &sb.creds;
    let (code, status, kind, message) = if revoked || c.workspace_of(token).is_none() {
        (
            "Unauthenticated",
            "401 Unauthorized",
            "unauthorized",
            crate::segment::REFUSED_TOKEN,
        )
    } else if token == c.segment_member_token {
        (
            "PermissionDenied",
            "403 Forbidden",
            "forbidden",
            crate::segment::MEMBER_TOKEN,
        )
    } else {
        return None;
    };
    let n = &status[..3];
    Some(format!(
        "failed to validate credentials: failed to validate credentials: failed to list roles: request failed: \
         rpc error: code = {code} desc = {status}\nrpc error: code = Unknown desc = Request failed with status {n}: \
         type: {kind}, message: {message}"
    ))
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

/// A config as ConductorOne takes it: an `@type`, and `configuration`
/// values typed (`{"stringValue": ...}`); a Segment connector's configuration
/// holds only the catalog's fields.
fn check_config(sb: &Sandbox, catalog_id: &str, cfg: &Value) -> Result<(), Response> {
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
        let field = &sb.config.c1_catalog_token_field;
        for (k, v) in conf {
            if !v.is_object() {
                return Err(invalid(&format!("config.configuration.{k} must be a typed value such as {{\"stringValue\": ...}}")));
            }
            if catalog_id == SEGMENT_CATALOG_ID && k != field {
                return Err(invalid(&format!(
                    "config.configuration.{k}: the Segment connector's configuration has no field {k:?} (its fields: {field})"
                )));
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
        check_config(&sb, &catalog_id, cfg)?;
    }
    let mut d = sb.data();
    app_exists(&d, &app_id)?;
    let owners = new_owners(&sb, req.user_ids);
    check_owners(&d, &owners)?;
    let now = rfc3339(SystemTime::now());
    let mut c = Connector {
        id: sb.ids.id(),
        app_id,
        display_name: catalog_name(&sb, &catalog_id),
        catalog_id,
        description: req.description.unwrap_or_default(),
        user_ids: owners,
        config: req.config,
        created_at: now.clone(),
        updated_at: now,
        status: idle_status(),
        sync_done_at_ms: None,
        paused: None,
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
    let owners = new_owners(&sb, req.user_ids);
    check_owners(&d, &owners)?;
    let now = rfc3339(SystemTime::now());
    let c = Connector {
        id: sb.ids.id(),
        app_id,
        display_name: req
            .display_name
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| catalog_name(&sb, &catalog_id)),
        catalog_id,
        description: req.description.unwrap_or_default(),
        user_ids: owners,
        config: None,
        created_at: now.clone(),
        updated_at: now,
        status: idle_status(),
        sync_done_at_ms: None,
        paused: None,
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

/// The fields an update may change, by `--c1-update-masks`: ConductorOne's
/// own code sends `config` alone through `Update`, and `displayName` with
/// `userIds` through `UpdateDelegated`.
fn updatable(sb: &Sandbox, delegated: bool) -> &'static [&'static str] {
    match (sb.config.c1_update_masks, delegated) {
        (UpdateMasks::Any, true) => &["displayName", "description", "userIds"],
        (UpdateMasks::Any, false) => &["displayName", "description", "userIds", "config"],
        (_, true) => &["displayName", "userIds"],
        (_, false) => &["config"],
    }
}

/// The mask's paths this sandbox applies: with `ignore-others`, those it
/// does not take are dropped without a word, as a lenient server would.
fn mask_of<'a>(sb: &Sandbox, mask: &'a str, delegated: bool) -> Result<Vec<&'a str>, Response> {
    let allowed = updatable(sb, delegated);
    if sb.config.c1_update_masks != UpdateMasks::IgnoreOthers {
        return mask_paths(mask, allowed);
    }
    const KNOWN: [&str; 4] = ["displayName", "description", "userIds", "config"];
    let paths = mask_paths(mask, &KNOWN)?;
    Ok(paths.into_iter().filter(|p| allowed.contains(p)).collect())
}

fn apply_update(sb: &Sandbox, app_id: &str, id: &str, bytes: &[u8], delegated: bool) -> ApiResult {
    let req: Update = body(bytes)?;
    let patch = req
        .connector
        .ok_or_else(|| invalid("connector is required"))?;
    let mask = req.update_mask.unwrap_or_default();
    let paths = mask_of(sb, &mask, delegated)?;
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
    let c = connector_mut(&mut d, app_id, id)?;
    if paths.contains(&"config") {
        check_config(
            sb,
            &c.catalog_id,
            patch.get("config").unwrap_or(&Value::Null),
        )?;
    }
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
    // "Puts the sync on the queue": a paused connector's queue does not
    // run until it is resumed.
    if c.paused.is_none() {
        start_sync(&sb, c);
    }
    sb.save(&d);
    ok(json!({}))
}

/// A connector operation with an empty body and answer (`POST .../pause`,
/// `.../resume`): `act` changes the connector, and the change is saved.
fn connector_op(
    sb: &Sandbox,
    (app_id, id): (&str, &str),
    bytes: &[u8],
    act: impl FnOnce(&Sandbox, &mut Connector),
) -> ApiResult {
    let _: Value = body(bytes)?;
    let mut d = sb.data();
    refresh_syncs(sb, &mut d);
    act(sb, connector_mut(&mut d, app_id, id)?);
    sb.save(&d);
    ok(json!({}))
}

/// `POST .../pause`: no new syncs until resumed; shown by `syncDisabledAt`
/// (or, with `--c1-paused-as status`, by `SYNC_STATUS_DISABLED`).
pub async fn pause(
    State(sb): State<Arc<Sandbox>>,
    Path((app_id, id)): Path<(String, String)>,
    bytes: axum::body::Bytes,
) -> ApiResult {
    connector_op(&sb, (&app_id, &id), &bytes, |sb, c| {
        if c.paused.is_none() {
            c.paused = Some(Paused {
                at: rfc3339(SystemTime::now()),
                as_status: sb.config.c1_paused_as == PausedAs::Status,
            });
        }
    })
}

/// `POST .../resume`: "clears the paused state and triggers a new sync".
pub async fn resume(
    State(sb): State<Arc<Sandbox>>,
    Path((app_id, id)): Path<(String, String)>,
    bytes: axum::body::Bytes,
) -> ApiResult {
    connector_op(&sb, (&app_id, &id), &bytes, |sb, c| {
        c.paused = None;
        if c.config.is_some() {
            start_sync(sb, c);
        }
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SchemaRequest {
    catalog_id: Option<String>,
    #[allow(dead_code)]
    app_id: Option<String>,
    #[allow(dead_code)]
    connector_id: Option<String>,
}

/// `POST /api/v1/connectorcatalog` (`ConfigurationSchema`): the fields of a
/// catalog entry's configuration; Segment's one field is the secret token,
/// named by `--c1-catalog-token-field`.
pub async fn configuration_schema(
    State(sb): State<Arc<Sandbox>>,
    bytes: axum::body::Bytes,
) -> ApiResult {
    let req: SchemaRequest = body(&bytes)?;
    let catalog_id = req
        .catalog_id
        .filter(|c| !c.is_empty())
        .ok_or_else(|| invalid("catalogId is required"))?;
    if catalog_id != SEGMENT_CATALOG_ID {
        return Err(not_found(&format!("catalog entry {catalog_id}")));
    }
    ok(json!({
        "schema": {
            "displayName": sb.config.c1_connector_default_name,
            "helpUrl": "https://www.conductorone.com/docs/baton/segment/",
            "fields": [{
                "name": sb.config.c1_catalog_token_field,
                "displayName": "Access Token",
                "placeholder": "",
                "secret": {},
            }],
            "fieldGroups": [],
            "isOauth2": false,
            "requiresExternalConnector": false,
            "supportsExternalResources": false,
        },
        "formSchema": null,
    }))
}
