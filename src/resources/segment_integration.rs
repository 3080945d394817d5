//! `conductorone_segment_integration`: the Segment connector in ConductorOne,
//! its owners and its Segment token, checked against Segment before anything
//! is created.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use futures_util::future::join_all;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::framework::{
    ApplyRequest, ApplyResponse, Context, ImportedResource, PlanRequest, PlanResponse, ReadRequest,
    ReadResponse, Resource, ValidateRequest,
};
use tfplugin::plan;
use tfplugin::schema::Schema;
use tfplugin::validate;
use tfplugin::value::Value;

use crate::conductorone::{env_config, C1Client, C1Error, Connector, NewConnector};
use crate::data_sources::{cancellable, schema_of, segment_client, state_of};
use crate::provider::Shared;
use crate::secret::Secret;
use crate::segment::{SegmentClient, SegmentError, Workspace};

/// Segment's id in ConductorOne's connector catalog.
pub const SEGMENT_CATALOG_ID: &str = "2YuQMfugzij8vRI4FGkYNcMxgOe";
/// The connector config key that holds the Segment token.
pub const TOKEN_CONFIG_KEY: &str = "segment_access_token";
const DEFAULT_NAME: &str = "Segment";
const TYPE_NAME: &str = "conductorone_segment_integration";

/// Registers Segment as a connector in ConductorOne so that ConductorOne
/// syncs the workspace's users, groups and roles. Before anything is created
/// or a token is changed, the token is checked against Segment's Public API
/// (the workspace, and a read of its roles), during `terraform plan` when its
/// value is known, and again during apply.
///
/// Use `segment_access_token_wo` (Terraform 1.11 and later) to keep the token
/// out of the plan and the state; bump `segment_access_token_wo_version` to
/// send a new token. Import an existing connector with
/// `terraform import conductorone_segment_integration.NAME APP_ID/CONNECTOR_ID`.
///
/// ConductorOne never returns the token, so a token changed outside Terraform
/// cannot be detected; owners, name and status are refreshed, and a connector
/// deleted outside Terraform is planned again. The connector's description
/// records the Segment workspace its token was checked against (its slug and
/// ID), so that refreshes and imports can show it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SegmentIntegrationResource")]
pub struct SegmentIntegrationModel {
    /// The connector's ID.
    #[schemars(extend("x-tf-computed" = true))]
    pub id: Option<String>,
    /// The ID of the ConductorOne app the connector belongs to. When not set,
    /// the resource creates an app named `app_display_name` and deletes it on
    /// destroy. Changing it replaces the connector; removing it from the
    /// configuration keeps the connector where it is.
    #[schemars(extend("x-tf-optional" = true, "x-tf-computed" = true))]
    pub app_id: Option<String>,
    /// The name of the app this resource creates when `app_id` is not set.
    /// Defaults to `Segment`; null when the app is not the resource's own.
    #[schemars(extend("x-tf-optional" = true, "x-tf-computed" = true))]
    pub app_display_name: Option<String>,
    /// Whether this resource created the app (no `app_id` given) and so
    /// deletes it on destroy.
    #[schemars(extend("x-tf-computed" = true))]
    pub managed_app: Option<bool>,
    /// The connector's name in ConductorOne. Defaults to `Segment`.
    #[schemars(extend("x-tf-optional" = true, "x-tf-computed" = true))]
    pub display_name: Option<String>,
    /// The connector's owners: ConductorOne user IDs, each of an existing,
    /// enabled user (checked during plan). Defaults to the caller of the API,
    /// as ConductorOne reports it. A set: order never makes a difference.
    /// Removing it from the configuration keeps the current owners.
    #[schemars(extend("x-tf-optional" = true, "x-tf-computed" = true))]
    pub user_ids: Option<BTreeSet<String>>,
    /// A Segment Public API token with the Workspace Owner access level. Kept
    /// (marked sensitive) in the state; for Terraform older than 1.11. Prefer
    /// `segment_access_token_wo`. Conflicts with it. With neither, the
    /// connector waits for its owner to enter a token in ConductorOne.
    #[schemars(extend("x-tf-sensitive" = true))]
    pub segment_access_token: Option<String>,
    /// A Segment Public API token with the Workspace Owner access level,
    /// write-only: never in the plan or the state. Sent when the connector is
    /// created and whenever `segment_access_token_wo_version` changes.
    #[schemars(extend("x-tf-sensitive" = true, "x-tf-write-only" = true))]
    pub segment_access_token_wo: Option<String>,
    /// A number to change whenever `segment_access_token_wo` should be sent
    /// again (such as after rotating the token).
    pub segment_access_token_wo_version: Option<i64>,
    /// The ID of the Segment workspace the token belongs to.
    #[schemars(extend("x-tf-computed" = true))]
    pub segment_workspace_id: Option<String>,
    /// The slug of the Segment workspace the token belongs to.
    #[schemars(extend("x-tf-computed" = true))]
    pub segment_workspace_slug: Option<String>,
    /// The connector's sync status, such as `SYNC_STATUS_RUNNING` or
    /// `SYNC_STATUS_DONE`, as of the last refresh.
    #[schemars(extend("x-tf-computed" = true))]
    pub sync_status: Option<String>,
    /// When the connector was created (RFC 3339).
    #[schemars(extend("x-tf-computed" = true))]
    pub created_at: Option<String>,
    /// When the connector was last updated (RFC 3339), as of the last refresh.
    #[schemars(extend("x-tf-computed" = true))]
    pub updated_at: Option<String>,
}

/// Attributes a user sets; a change in any of them is an update.
const SETTABLE: &[&str] = &[
    "app_id",
    "app_display_name",
    "display_name",
    "user_ids",
    "segment_access_token",
    "segment_access_token_wo_version",
];

pub struct SegmentIntegration {
    shared: Arc<Shared>,
}

impl SegmentIntegration {
    pub fn new(shared: Arc<Shared>) -> Self {
        SegmentIntegration { shared }
    }
}

/// The schema, derived once per process.
fn schema() -> &'static Schema {
    static SCHEMA: std::sync::OnceLock<Schema> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(schema_of::<SegmentIntegrationModel>)
}

fn model(v: &Value) -> Result<SegmentIntegrationModel, Diagnostic> {
    let json = v.to_plain_json().ok_or_else(|| {
        Diagnostic::error(
            "Value not yet known",
            "The provider was given a value that is not wholly known. This is a bug in the provider.",
        )
    })?;
    serde_json::from_value(json).map_err(|e| {
        Diagnostic::error(
            "Cannot read the resource's value",
            format!("{e}. This is a bug in the provider."),
        )
    })
}

fn text(v: &Value, attr: &str) -> Option<String> {
    v.attr(attr).as_str().map(str::to_string)
}

/// The token attribute the configuration uses, and its value (`Unknown` while
/// unknown), or `None` when neither is set.
fn configured_token(config: &Value) -> Option<(&'static str, &Value)> {
    ["segment_access_token_wo", "segment_access_token"]
        .into_iter()
        .map(|a| (a, config.attr(a)))
        .find(|(_, v)| !v.is_null())
}

/// True when this plan or apply sends a (new) token, or removes it.
fn token_changes(prior: &Value, planned: &Value) -> bool {
    prior.is_null()
        || !plan::changed(
            prior,
            planned,
            &["segment_access_token", "segment_access_token_wo_version"],
        )
        .is_empty()
}

/// The connector description that records the verified workspace, read back
/// into `segment_workspace_id` and `segment_workspace_slug` (also on import).
fn workspace_note(ws: &Workspace) -> String {
    format!(
        "Segment workspace {} ({}); token checked by Terraform.",
        ws.slug, ws.id
    )
}

fn workspace_from_note(description: &str) -> Option<(String, String)> {
    let rest = description.strip_prefix("Segment workspace ")?;
    let (slug, rest) = rest.split_once(" (")?;
    let (id, _) = rest.split_once(')')?;
    (!slug.is_empty() && !id.is_empty()).then(|| (id.to_string(), slug.to_string()))
}

/// The state of `c`, over `base` for what ConductorOne cannot tell.
fn state_from(c: &Connector, base: &SegmentIntegrationModel) -> SegmentIntegrationModel {
    let mut m = base.clone();
    m.id = Some(c.id.clone());
    m.app_id = Some(c.app_id.clone());
    m.display_name = Some(c.display_name.clone());
    m.user_ids = Some(c.user_ids.iter().cloned().collect());
    m.sync_status = c.status.as_ref().map(|s| s.status.clone());
    m.created_at = c.created_at.clone();
    m.updated_at = c.updated_at.clone();
    m.segment_access_token_wo = None;
    if let Some((id, slug)) = workspace_from_note(&c.description) {
        m.segment_workspace_id = Some(id);
        m.segment_workspace_slug = Some(slug);
    } else if c.description.is_empty() {
        m.segment_workspace_id = None;
        m.segment_workspace_slug = None;
    }
    m
}

fn c1_error(summary: &str, e: &C1Error, attr: Option<&str>) -> Diagnostic {
    let d = Diagnostic::error(summary, e.to_string());
    match attr {
        Some(a) => d.at(AttributePath::new(a)),
        None => d,
    }
}

/// Runs a ConductorOne call unless Terraform asks the provider to stop; a
/// failure becomes a diagnostic with `summary`, on `attr` when given.
async fn c1_call<T>(
    ctx: &Context,
    summary: &str,
    attr: Option<&str>,
    fut: impl std::future::Future<Output = Result<T, C1Error>>,
) -> Result<T, Diagnostic> {
    cancellable(ctx, fut)
        .await?
        .map_err(|e| c1_error(summary, &e, attr))
}

fn segment_error(attr: &str, e: &SegmentError) -> Diagnostic {
    let summary = if e.is_refused_token() {
        "Segment refused the token"
    } else {
        "Cannot check the token against Segment"
    };
    Diagnostic::error(summary, format!("{attr}: {e}")).at(AttributePath::new(attr))
}

impl SegmentIntegration {
    fn clients(&self) -> Result<(C1Client, SegmentClient), Diagnostic> {
        let configured = self.shared.configured()?;
        Ok((
            self.shared.conductorone()?,
            segment_client(&self.shared, &configured)?,
        ))
    }

    /// `GET /` and a one-item `GET /roles`: the token works and may read
    /// access management. Returns the workspace.
    async fn check_token(
        &self,
        ctx: &Context,
        segment: &SegmentClient,
        attr: &str,
        token: &Secret,
    ) -> Result<Workspace, Diagnostic> {
        let ws = cancellable(ctx, segment.workspace(token))
            .await?
            .map_err(|e| segment_error(attr, &e))?;
        cancellable(ctx, segment.check_iam_access(token))
            .await?
            .map_err(|e| segment_error(attr, &e))?;
        Ok(ws)
    }

    /// The token the configuration sets, checked against Segment, with its
    /// workspace; `None` when it sets none.
    async fn configured_token_checked(
        &self,
        ctx: &Context,
        segment: &SegmentClient,
        config: &Value,
    ) -> Result<Option<(Secret, Workspace)>, Diagnostic> {
        let Some((attr, Value::String(t))) = configured_token(config) else {
            return Ok(None);
        };
        let token = Secret::new(t.clone());
        let ws = self.check_token(ctx, segment, attr, &token).await?;
        Ok(Some((token, ws)))
    }

    /// Every owner must exist and be enabled; each problem is reported on
    /// `user_ids`, naming the element.
    async fn check_owners(
        &self,
        ctx: &Context,
        c1: &C1Client,
        ids: &[String],
        diags: &mut Diagnostics,
    ) {
        let lookups = join_all(ids.iter().map(|id| c1.user(id)));
        let results = match cancellable(ctx, lookups).await {
            Ok(r) => r,
            Err(d) => return diags.push(d),
        };
        for (id, r) in ids.iter().zip(results) {
            let path = AttributePath::new("user_ids");
            match r {
                Ok(Some(u)) if u.status == "ENABLED" && u.deleted_at.is_none() => {}
                Ok(Some(u)) => diags.push(
                    Diagnostic::error(
                        "Connector owner is not enabled",
                        format!(
                            "user_ids element {id:?} ({}) has status {}; connector owners must be enabled ConductorOne users.",
                            if u.email.is_empty() { &u.display_name } else { &u.email },
                            if u.status.is_empty() { "UNKNOWN" } else { &u.status }
                        ),
                    )
                    .at(path),
                ),
                Ok(None) => diags.push(
                    Diagnostic::error(
                        "Unknown connector owner",
                        format!("user_ids element {id:?} is not a ConductorOne user ID."),
                    )
                    .at(path),
                ),
                Err(e) => diags.push(c1_error("Cannot check a connector owner", &e, Some("user_ids"))),
            }
        }
    }

    /// Plans the workspace attributes for a token that is being set: checked
    /// against Segment when known, unknown otherwise, null when removed.
    async fn plan_token(
        &self,
        ctx: &Context,
        config: &Value,
        planned: &mut Value,
        diags: &mut Diagnostics,
    ) {
        let (id, slug) = match configured_token(config) {
            None => (Value::Null, Value::Null),
            Some((_, Value::Unknown)) => (Value::Unknown, Value::Unknown),
            Some((attr, v)) => {
                let token = Secret::new(v.as_str().unwrap_or_default().to_string());
                let checked = match self.clients() {
                    Ok((_, segment)) => self.check_token(ctx, &segment, attr, &token).await,
                    Err(d) => Err(d),
                };
                match checked {
                    Ok(ws) => (Value::string(ws.id), Value::string(ws.slug)),
                    Err(d) => {
                        diags.push(d);
                        return;
                    }
                }
            }
        };
        planned.set_attr("segment_workspace_id", id);
        planned.set_attr("segment_workspace_slug", slug);
    }

    /// Creates the connector, and the app unless given. `existing` is the
    /// prior state of a resource whose connector vanished while its managed
    /// app remained: the connector is made again in that app.
    async fn create(
        &self,
        ctx: &Context,
        req: &ApplyRequest,
        existing: Option<&SegmentIntegrationModel>,
        diags: &mut Diagnostics,
    ) -> Option<SegmentIntegrationModel> {
        let (c1, segment) = match self.clients() {
            Ok(c) => c,
            Err(d) => {
                diags.push(d);
                return None;
            }
        };
        let planned = &req.planned_state;
        let mut m = SegmentIntegrationModel {
            segment_access_token: text(planned, "segment_access_token"),
            segment_access_token_wo_version: planned
                .attr("segment_access_token_wo_version")
                .as_number()
                .and_then(|n| n.as_i64()),
            ..Default::default()
        };
        // 1. The token, before anything exists.
        let (token, workspace) = match self
            .configured_token_checked(ctx, &segment, &req.config)
            .await
        {
            Ok(Some((t, ws))) => (Some(t), Some(ws)),
            Ok(None) => (None, None),
            Err(d) => {
                diags.push(d);
                return None;
            }
        };
        m.segment_workspace_id = workspace.as_ref().map(|w| w.id.clone());
        m.segment_workspace_slug = workspace.as_ref().map(|w| w.slug.clone());
        // 2. The owners: as configured, or the caller.
        let owners: Vec<String> = match planned.attr("user_ids") {
            Value::Set(ids) => ids
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => match c1_call(
                ctx,
                "Cannot find the calling ConductorOne user",
                None,
                c1.caller_user_id(),
            )
            .await
            {
                Ok(id) => vec![id],
                Err(d) => {
                    diags.push(d);
                    return None;
                }
            },
        };
        // 3. The app, unless given.
        let managed = match existing {
            Some(e) => e.managed_app == Some(true),
            None => !matches!(planned.attr("app_id"), Value::String(_)),
        };
        m.managed_app = Some(managed);
        let reused_app = existing.and_then(|e| e.app_id.clone());
        if let Some(e) = existing {
            m.app_display_name = e.app_display_name.clone();
        }
        let app_id = if let Some(app) = reused_app {
            app
        } else if managed {
            let name = text(planned, "app_display_name").unwrap_or_else(|| DEFAULT_NAME.into());
            let made = c1_call(
                ctx,
                "Cannot create the ConductorOne app",
                Some("app_display_name"),
                c1.create_app(&name, "Segment, managed by Terraform."),
            )
            .await;
            match made {
                Ok(app) => {
                    m.app_display_name = Some(name);
                    app.id
                }
                Err(d) => {
                    diags.push(d);
                    return None;
                }
            }
        } else {
            text(planned, "app_id").unwrap_or_default()
        };
        m.app_id = Some(app_id.clone());
        // From here on, what exists is returned even on failure, so that
        // Terraform tracks it (tainted) instead of leaving it orphaned.
        let display_name = text(planned, "display_name").unwrap_or_else(|| DEFAULT_NAME.into());
        let description = workspace.as_ref().map(workspace_note).unwrap_or_default();
        let new = NewConnector {
            app_id: &app_id,
            catalog_id: SEGMENT_CATALOG_ID,
            display_name: &display_name,
            description: &description,
            user_ids: &owners,
            secret: token.as_ref().map(|t| (TOKEN_CONFIG_KEY, t)),
        };
        // 4. The connector.
        tracing::debug!(
            app_id,
            managed,
            with_token = token.is_some(),
            owners = owners.len(),
            "creating the Segment connector"
        );
        let created = cancellable(ctx, c1.create_connector(&new))
            .await
            .and_then(|r| {
                r.map_err(|e| {
                    let attr = (e.is_not_found() && !managed).then_some("app_id");
                    c1_error("Cannot create the ConductorOne connector", &e, attr)
                })
            });
        let created = match created {
            Ok(c) => c,
            Err(d) => {
                diags.push(d);
                return Some(m);
            }
        };
        m = state_from(&created, &m);
        // 5. Display name and owners, where the create call could not set them.
        let mut have: Vec<String> = created.user_ids.clone();
        have.sort();
        let mut want = owners.clone();
        want.sort();
        let mut mask = Vec::new();
        if created.display_name != display_name {
            mask.push("displayName");
        }
        if have != want {
            mask.push("userIds");
        }
        if !mask.is_empty() {
            let patch = json!({
                "id": created.id, "appId": app_id, "catalogId": SEGMENT_CATALOG_ID,
                "displayName": display_name, "userIds": owners,
            });
            let delegated = token.is_none();
            let updated = c1_call(
                ctx,
                "Cannot set the connector's name and owners",
                Some("user_ids"),
                c1.update_connector(&app_id, &created.id, &patch, &mask, delegated, &[]),
            )
            .await;
            match updated {
                Ok(c) => m = state_from(&c, &m),
                Err(d) => {
                    diags.push(d);
                    return Some(m);
                }
            }
        }
        Some(m)
    }

    async fn update(
        &self,
        ctx: &Context,
        req: &ApplyRequest,
        diags: &mut Diagnostics,
    ) -> Option<SegmentIntegrationModel> {
        let prior = match model(&req.prior_state) {
            Ok(m) => m,
            Err(d) => {
                diags.push(d);
                return None;
            }
        };
        let (c1, segment) = match self.clients() {
            Ok(c) => c,
            Err(d) => {
                diags.push(d);
                return Some(prior);
            }
        };
        let planned = &req.planned_state;
        let mut m = prior.clone();
        m.segment_access_token = text(planned, "segment_access_token");
        m.segment_access_token_wo_version = planned
            .attr("segment_access_token_wo_version")
            .as_number()
            .and_then(|n| n.as_i64());
        let app_id = prior.app_id.clone().unwrap_or_default();
        let Some(id) = prior.id.clone() else {
            // The connector vanished and its managed app remained (see read).
            return match self.create(ctx, req, Some(&prior), diags).await {
                Some(m) => Some(m),
                None => Some(prior),
            };
        };
        // The app's name, for an app this resource made.
        let new_app_name = text(planned, "app_display_name");
        if prior.managed_app == Some(true) && new_app_name != prior.app_display_name {
            if let Some(name) = &new_app_name {
                let renamed = c1_call(
                    ctx,
                    "Cannot rename the ConductorOne app",
                    Some("app_display_name"),
                    c1.rename_app(&app_id, name),
                )
                .await;
                match renamed {
                    Ok(_) => m.app_display_name = new_app_name.clone(),
                    Err(d) => {
                        diags.push(d);
                        return Some(prior);
                    }
                }
            }
        }
        let mut mask: Vec<&str> = Vec::new();
        let mut patch = json!({ "id": id, "appId": app_id, "catalogId": SEGMENT_CATALOG_ID });
        let display_name = text(planned, "display_name").unwrap_or_else(|| DEFAULT_NAME.into());
        if Some(&display_name) != prior.display_name.as_ref() {
            mask.push("displayName");
            patch["displayName"] = json!(display_name);
        }
        if let Value::Set(ids) = planned.attr("user_ids") {
            let ids: BTreeSet<String> = ids
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            if Some(&ids) != prior.user_ids.as_ref() {
                mask.push("userIds");
                patch["userIds"] = json!(ids);
            }
        }
        let mut secrets = Vec::new();
        if token_changes(&req.prior_state, planned) {
            let (token, workspace) = match self
                .configured_token_checked(ctx, &segment, &req.config)
                .await
            {
                Ok(Some((t, ws))) => (Some(t), Some(ws)),
                Ok(None) => (None, None),
                Err(d) => {
                    diags.push(d);
                    return Some(m);
                }
            };
            mask.push("config");
            mask.push("description");
            patch["config"] = env_config(TOKEN_CONFIG_KEY, token.as_ref());
            patch["description"] =
                json!(workspace.as_ref().map(workspace_note).unwrap_or_default());
            if let Some(t) = &token {
                secrets.push(t.expose().to_string());
            }
            m.segment_workspace_id = workspace.as_ref().map(|w| w.id.clone());
            m.segment_workspace_slug = workspace.as_ref().map(|w| w.slug.clone());
        }
        tracing::debug!(app_id, id, mask = %mask.join(","), "updating the Segment connector");
        let updated = if mask.is_empty() {
            cancellable(ctx, c1.connector(&app_id, &id)).await.map(|r| {
                r.and_then(|c| c.ok_or_else(|| C1Error::Decode("the connector is gone".into())))
            })
        } else {
            let delegated = !mask.contains(&"config") && prior.segment_workspace_id.is_none();
            let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
            cancellable(
                ctx,
                c1.update_connector(&app_id, &id, &patch, &mask, delegated, &secrets),
            )
            .await
        };
        match updated {
            Ok(Ok(c)) => {
                // As planned: the next refresh brings the new values.
                let mut new = state_from(&c, &m);
                new.sync_status = prior.sync_status.clone();
                new.updated_at = prior.updated_at.clone();
                Some(new)
            }
            Ok(Err(e)) => {
                let attr = if mask.contains(&"userIds") {
                    Some("user_ids")
                } else {
                    None
                };
                diags.push(c1_error(
                    "Cannot update the ConductorOne connector",
                    &e,
                    attr,
                ));
                Some(prior)
            }
            Err(d) => {
                diags.push(d);
                Some(prior)
            }
        }
    }

    async fn delete(&self, ctx: &Context, prior: &Value, diags: &mut Diagnostics) {
        tracing::debug!(id = ?text(prior, "id"), app_id = ?text(prior, "app_id"), "deleting the Segment connector");
        let c1 = match self.shared.conductorone() {
            Ok(c) => c,
            Err(d) => return diags.push(d),
        };
        let app_id = text(prior, "app_id").unwrap_or_default();
        if let Some(id) = text(prior, "id") {
            let deleted = c1_call(
                ctx,
                "Cannot delete the ConductorOne connector",
                None,
                c1.delete_connector(&app_id, &id),
            )
            .await;
            if let Err(d) = deleted {
                return diags.push(d);
            }
        }
        if prior.attr("managed_app").as_bool() == Some(true) && !app_id.is_empty() {
            let deleted = c1_call(
                ctx,
                "Cannot delete the ConductorOne app",
                None,
                c1.delete_app(&app_id),
            )
            .await;
            if let Err(d) = deleted {
                diags.push(d);
            }
        }
    }
}

#[async_trait]
impl Resource for SegmentIntegration {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema().clone()
    }

    async fn validate(&self, _ctx: &Context, req: ValidateRequest, diags: &mut Diagnostics) {
        let c = &req.config;
        validate::conflicting(
            c,
            &["segment_access_token", "segment_access_token_wo"],
            diags,
        );
        validate::conflicting(c, &["app_id", "app_display_name"], diags);
        for attr in [
            "app_id",
            "app_display_name",
            "display_name",
            "segment_access_token",
            "segment_access_token_wo",
        ] {
            validate::not_empty(c.attr(attr), &AttributePath::new(attr), diags);
        }
        if !c.attr("segment_access_token_wo_version").is_null()
            && c.attr("segment_access_token_wo").is_null()
        {
            diags.error_at(
                AttributePath::new("segment_access_token_wo_version"),
                "Version without a token",
                "segment_access_token_wo_version only applies with segment_access_token_wo.",
            );
        }
        if let Value::Set(ids) = c.attr("user_ids") {
            if ids.is_empty() {
                diags.error_at(
                    AttributePath::new("user_ids"),
                    "No connector owners",
                    "user_ids cannot be empty: list at least one owner, or leave it out to make the caller the owner.",
                );
            }
            if ids.iter().any(|v| v.as_str() == Some("")) {
                diags.error_at(
                    AttributePath::new("user_ids"),
                    "Empty user ID",
                    "user_ids holds an empty string; each element must be a ConductorOne user ID.",
                );
            }
        }
    }

    async fn plan(&self, ctx: &Context, req: PlanRequest, diags: &mut Diagnostics) -> PlanResponse {
        if req.config.is_null() {
            return PlanResponse::default();
        }
        let (prior, config) = (&req.prior_state, &req.config);
        let schema = schema();
        let mut planned = req.proposed_new_state.clone();
        planned.set_attr("segment_access_token_wo", Value::Null);
        plan::default_if_null(
            &mut planned,
            config,
            "display_name",
            Value::string(DEFAULT_NAME),
        );
        let managed = if prior.is_null() {
            config.attr("app_id").is_null()
        } else {
            prior.attr("managed_app").as_bool() == Some(true)
        };
        let app_name = if managed {
            Value::string(DEFAULT_NAME)
        } else {
            Value::Null
        };
        plan::default_if_null(&mut planned, config, "app_display_name", app_name);
        // A resource whose connector vanished (its app remained) is updated
        // by making the connector again.
        let recreate = !prior.is_null() && prior.attr("id").is_null();
        let changes = if prior.is_null() || recreate {
            SETTABLE.to_vec()
        } else {
            plan::changed(prior, &planned, SETTABLE)
        };
        if changes.is_empty() {
            return PlanResponse {
                planned_state: planned,
                ..Default::default()
            };
        }
        let before = planned.clone();
        plan::mark_computed_unknown(schema, config, &mut planned);
        for a in ["display_name", "app_display_name"] {
            planned.set_attr(a, before.attr(a).clone());
        }
        let fixed: &[&str] = if recreate {
            &["app_id", "managed_app", "user_ids"]
        } else {
            &[
                "id",
                "app_id",
                "managed_app",
                "created_at",
                "user_ids",
                "segment_workspace_id",
                "segment_workspace_slug",
                // Status and update time are as of the last refresh: an
                // update does not plan them unknown, so a plan shows only
                // what the configuration changes.
                "sync_status",
                "updated_at",
            ]
        };
        for a in fixed {
            plan::use_state_for_unknown(&mut planned, prior, a);
        }
        if prior.is_null() {
            planned.set_attr("managed_app", Value::Bool(managed));
        }
        // Owners that are set and new must exist and be enabled.
        if changes.contains(&"user_ids") {
            if let Value::Set(ids) = config.attr("user_ids") {
                let known: Vec<String> = ids
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect();
                if !known.is_empty() {
                    match self.shared.conductorone() {
                        Ok(c1) => self.check_owners(ctx, &c1, &known, diags).await,
                        Err(d) => diags.push(d),
                    }
                }
            }
        }
        // A token that is being set is checked now, so a CI plan catches it.
        if recreate || token_changes(prior, &planned) {
            self.plan_token(ctx, config, &mut planned, diags).await;
        }
        let requires_replace = plan::requires_replace(prior, &planned, "app_id")
            .into_iter()
            .collect();
        PlanResponse {
            planned_state: planned,
            requires_replace,
            ..Default::default()
        }
    }

    async fn apply(
        &self,
        ctx: &Context,
        req: ApplyRequest,
        diags: &mut Diagnostics,
    ) -> ApplyResponse {
        let schema = schema();
        let result = if req.planned_state.is_null() {
            self.delete(ctx, &req.prior_state, diags).await;
            if diags.has_errors() {
                Some(model(&req.prior_state).unwrap_or_default())
            } else {
                None
            }
        } else if req.prior_state.is_null() {
            self.create(ctx, &req, None, diags).await
        } else {
            self.update(ctx, &req, diags).await
        };
        let new_state = match result {
            Some(m) => match state_of(&m, schema) {
                Ok(v) => v,
                Err(d) => {
                    diags.push(d);
                    Value::Null
                }
            },
            None => Value::Null,
        };
        ApplyResponse {
            new_state,
            private: Vec::new(),
        }
    }

    async fn read(&self, ctx: &Context, req: ReadRequest, diags: &mut Diagnostics) -> ReadResponse {
        let current = match model(&req.current_state) {
            Ok(m) => m,
            Err(d) => {
                diags.push(d);
                return ReadResponse::default();
            }
        };
        let c1 = match self.shared.conductorone() {
            Ok(c) => c,
            Err(d) => {
                diags.push(d);
                return ReadResponse {
                    new_state: req.current_state,
                    private: req.private,
                };
            }
        };
        let app_id = current.app_id.clone().unwrap_or_default();
        let found = match &current.id {
            Some(id) => cancellable(ctx, c1.connector(&app_id, id))
                .await
                .map(|r| r.map(|c| c.map(|c| state_from(&c, &current)))),
            None => Ok(Ok(None)),
        };
        // A connector that is gone while the resource's own app remains (or
        // a create that failed after making the app): keep the app in the
        // state, without a connector, so that it is neither orphaned nor
        // duplicated; the next plan makes the connector again in it.
        let found = match found {
            Ok(Ok(None)) if current.managed_app == Some(true) && !app_id.is_empty() => {
                cancellable(ctx, c1.app(&app_id)).await.map(|r| {
                    r.map(|a| {
                        a.map(|_| SegmentIntegrationModel {
                            id: None,
                            sync_status: None,
                            created_at: None,
                            updated_at: None,
                            ..current.clone()
                        })
                    })
                })
            }
            other => other,
        };
        let m = match found {
            Ok(Ok(Some(m))) => m,
            Ok(Ok(None)) => {
                tracing::info!(id = ?current.id, app_id, "the connector is gone; removing it from the state");
                return ReadResponse::default();
            }
            Ok(Err(e)) => {
                diags.push(c1_error("Cannot read the ConductorOne connector", &e, None));
                return ReadResponse {
                    new_state: req.current_state,
                    private: req.private,
                };
            }
            Err(d) => {
                diags.push(d);
                return ReadResponse {
                    new_state: req.current_state,
                    private: req.private,
                };
            }
        };
        match state_of(&m, schema()) {
            Ok(v) => ReadResponse {
                new_state: v,
                private: req.private,
            },
            Err(d) => {
                diags.push(d);
                ReadResponse {
                    new_state: req.current_state,
                    private: req.private,
                }
            }
        }
    }

    async fn import(
        &self,
        ctx: &Context,
        id: &str,
        diags: &mut Diagnostics,
    ) -> Vec<ImportedResource> {
        let Some((app_id, connector_id)) = id
            .split_once('/')
            .filter(|(a, c)| !a.is_empty() && !c.is_empty() && !c.contains('/'))
        else {
            diags.error(
                "Invalid import ID",
                format!("Expected APP_ID/CONNECTOR_ID (the ConductorOne app and connector IDs), got {id:?}."),
            );
            return Vec::new();
        };
        let c1 = match self.shared.conductorone() {
            Ok(c) => c,
            Err(d) => {
                diags.push(d);
                return Vec::new();
            }
        };
        let c = match cancellable(ctx, c1.connector(app_id, connector_id)).await {
            Ok(Ok(Some(c))) => c,
            Ok(Ok(None)) => {
                diags.error(
                    "Cannot import: no such connector",
                    format!("ConductorOne has no connector {connector_id} in app {app_id}."),
                );
                return Vec::new();
            }
            Ok(Err(e)) => {
                diags.push(c1_error("Cannot read the ConductorOne connector", &e, None));
                return Vec::new();
            }
            Err(d) => {
                diags.push(d);
                return Vec::new();
            }
        };
        if c.catalog_id != SEGMENT_CATALOG_ID {
            diags.error(
                "Cannot import: not a Segment connector",
                format!(
                    "Connector {connector_id} ({:?}) is of connector catalog {}, not Segment ({SEGMENT_CATALOG_ID}). Import it with the resource for its own type.",
                    c.display_name, c.catalog_id
                ),
            );
            return Vec::new();
        }
        let base = SegmentIntegrationModel {
            managed_app: Some(false),
            ..Default::default()
        };
        match state_of(&state_from(&c, &base), schema()) {
            Ok(state) => vec![ImportedResource {
                state,
                private: Vec::new(),
            }],
            Err(d) => {
                diags.push(d);
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_derived_from_the_model() {
        let s = schema();
        s.validate().unwrap();
        let wo = s.attribute("segment_access_token_wo").unwrap();
        assert!(wo.write_only && wo.sensitive && wo.optional && !wo.computed);
        let t = s.attribute("segment_access_token").unwrap();
        assert!(t.sensitive && !t.write_only);
        let app = s.attribute("app_id").unwrap();
        assert!(app.optional && app.computed);
        assert!(s.attribute("id").unwrap().computed);
        assert!(!s.attribute("id").unwrap().optional);
    }

    #[test]
    fn workspace_note_round_trips() {
        let ws = Workspace {
            id: "ws_1".into(),
            name: "n".into(),
            slug: "acme".into(),
        };
        assert_eq!(
            workspace_from_note(&workspace_note(&ws)),
            Some(("ws_1".into(), "acme".into()))
        );
        assert_eq!(workspace_from_note("hand-written"), None);
    }
}
