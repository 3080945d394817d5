//! `conductorone_segment_integration`: the Segment connector in ConductorOne,
//! its owners and its Segment token, checked against Segment before anything
//! is created.
//!
//! `model` declares the attributes and their behaviour; `plan` holds the
//! plan-time checks; `create`, `read`, `update`, `delete` and `import` are
//! the operations; `token` is the Segment check they share.

mod create;
mod delete;
mod guide;
mod health;
mod import;
mod model;
mod pending;
mod plan;
mod read;
mod token;
mod update;

use std::sync::Arc;

use async_trait::async_trait;
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::framework::Context;
use tfplugin::schema::IdentitySchema;
use tfplugin::typed::{path_of, Change, Plan, TypedResource};
use tfplugin::value::Value;

pub use import::check_import_id;
pub use model::{SegmentIntegrationIdentity, SegmentIntegrationModel};
pub use pending::{Kind, Marker, MarkerKey};

use crate::conductorone::{App, C1Client, Connector, ConnectorOf, ConnectorUpdate};
use crate::glue::{c1_call, c1_error, Shared};

/// Segment's id in ConductorOne's connector catalog.
pub const SEGMENT_CATALOG_ID: &str = "2YuQMfugzij8vRI4FGkYNcMxgOe";
/// The name of the connector, and of the app the resource makes, by default.
const DEFAULT_NAME: &str = "Segment";
/// The description of the app the resource makes.
const APP_DESCRIPTION: &str = "Segment, managed by Terraform.";

type Model = SegmentIntegrationModel;

pub struct SegmentIntegration {
    shared: Arc<Shared>,
}

impl SegmentIntegration {
    pub fn new(shared: Arc<Shared>) -> Self {
        SegmentIntegration { shared }
    }

    fn c1(&self) -> Result<C1Client, Diagnostic> {
        self.shared.conductorone()
    }

    /// The key that makes and checks pending markers (`pending.rs`).
    fn marker_key(&self) -> Result<MarkerKey, Diagnostic> {
        marker_key(&self.shared)
    }
}

/// The key that makes and checks pending markers, from the provider's
/// ConductorOne credentials.
pub fn marker_key(shared: &Shared) -> Result<MarkerKey, Diagnostic> {
    let configured = shared.configured()?;
    Ok(MarkerKey::for_credentials(
        &configured.conductorone.clone()?,
    ))
}

/// Whether an interrupted create of this provider holds the connector `c`
/// in the app `app` (a valid marker on either): its next apply adopts it.
pub fn held_by_a_create<C>(key: &MarkerKey, app: &App, c: &ConnectorOf<C>) -> bool {
    key.valid(Kind::Connector, &c.display_name).is_some()
        || key.valid(Kind::App, &app.description).is_some()
}

/// One connector update, in a form ConductorOne's own code sends, and a
/// check that ConductorOne took it: a field it kept is an error on its
/// attribute (`config_at`: the token's), never an inconsistent result.
async fn send_update(
    ctx: &Context,
    c1: &C1Client,
    current: &Connector,
    update: &ConnectorUpdate,
    summary: &str,
    config_at: Option<tfplugin::AttributePath>,
) -> Result<Connector, Diagnostic> {
    let at_of = |field: &str| match field {
        "displayName" => Some(path(|m| &mut m.display_name)),
        "userIds" => Some(path(|m| &mut m.user_ids)),
        _ => config_at.clone(),
    };
    let at = match update {
        ConnectorUpdate::Config(_) => config_at.clone(),
        ConnectorUpdate::NameAndOwners { .. } => None,
    };
    tracing::debug!(app_id = %current.app_id, id = %current.id, mask = update.mask(), "updating the Segment connector");
    let answer = c1_call(ctx, summary, at, c1.update_connector(current, update)).await?;
    let Some((field, kept)) = update.not_taken(&answer) else {
        return Ok(answer);
    };
    let d = Diagnostic::error(
        summary,
        format!(
            "ConductorOne answered the update of connector {} but did not take its {field}: it kept \
             {kept}. The state keeps what ConductorOne has; the next plan shows the change again.",
            current.id
        ),
    );
    Err(match at_of(field) {
        Some(p) => d.at(p),
        None => d,
    })
}

/// The attribute path of a field of the model.
fn path<T: Default>(field: impl Fn(&mut Model) -> &mut Option<T>) -> tfplugin::AttributePath {
    path_of(field)
}

#[async_trait]
impl TypedResource for SegmentIntegration {
    type Model = Model;

    fn type_name(&self) -> &'static str {
        "conductorone_segment_integration"
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        IdentitySchema::derive::<SegmentIntegrationIdentity>(0).ok()
    }

    fn identity_of(&self, state: &Model) -> Option<Value> {
        let identity = SegmentIntegrationIdentity {
            app_id: state.app_id.clone()?,
            connector_id: state.id.clone()?,
        };
        let ty = self.identity_schema()?.value_type();
        Value::from_model(&identity, &ty).ok()
    }

    fn import_id_of(&self, identity: &Value, diags: &mut Diagnostics) -> Option<String> {
        match identity.to_model::<SegmentIntegrationIdentity>() {
            Ok(i) => Some(format!("{}/{}", i.app_id, i.connector_id)),
            Err(e) => {
                diags.error("Invalid identity", e.to_string());
                None
            }
        }
    }

    async fn modify_plan(&self, ctx: &Context, plan: &mut Plan<Model>, diags: &mut Diagnostics) {
        self.finish_plan(ctx, plan, diags).await;
    }

    async fn create(
        &self,
        ctx: &Context,
        change: Change<Model>,
        diags: &mut Diagnostics,
    ) -> Option<Model> {
        self.create_steps(ctx, &change, None, diags).await
    }

    async fn read(&self, ctx: &Context, state: Model, diags: &mut Diagnostics) -> Option<Model> {
        self.refresh(ctx, state, diags).await
    }

    async fn update(&self, ctx: &Context, change: Change<Model>, diags: &mut Diagnostics) -> Model {
        self.update_steps(ctx, change, diags).await
    }

    async fn delete(&self, ctx: &Context, state: Model, diags: &mut Diagnostics) {
        self.remove(ctx, &state, diags).await;
    }

    async fn import(&self, ctx: &Context, id: &str, diags: &mut Diagnostics) -> Option<Model> {
        self.adopt(ctx, id, diags).await
    }
}
