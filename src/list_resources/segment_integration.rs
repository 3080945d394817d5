//! `list "conductorone_segment_integration"`: every Segment connector in the
//! tenant, across all apps, for `terraform query` and
//! `-generate-config-out`. Apps are read page by page and their connectors
//! listed with bounded concurrency (`conductorone::discover`).

use std::sync::Arc;

use async_trait::async_trait;
use regex::Regex;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::framework::Context;
use tfplugin::typed::{Listed, TypedListResource};

use crate::conductorone::{App, C1Client, ListedConnector};
use crate::glue::{c1_call, Shared};
use crate::resources::segment_integration::{
    held_by_a_create, marker_key, MarkerKey, SegmentIntegrationIdentity, SegmentIntegrationModel,
    SEGMENT_CATALOG_ID,
};

/// Finds the Segment connectors of the ConductorOne tenant, across every
/// app, so that `terraform query -generate-config-out=FILE` writes an
/// `import` block (by identity) and a `resource` block for each. Each result
/// is shown as the connector's name and its app's, such as
/// `Segment (production) in app "Segment"`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SegmentIntegrationList")]
pub struct SegmentIntegrationListModel {
    /// Only the connectors of this ConductorOne app.
    #[schemars(extend("x-tf-validate" = ["not_empty", "path_segment"]))]
    pub app_id: Option<String>,
    /// Only the connectors whose name matches this regular expression (Rust
    /// `regex` syntax, unanchored), such as `(?i)prod`.
    #[schemars(extend("x-tf-validate" = ["valid_regex"]))]
    pub display_name_regex: Option<String>,
}

pub struct SegmentIntegrationList {
    shared: Arc<Shared>,
}

impl SegmentIntegrationList {
    pub fn new(shared: Arc<Shared>) -> Self {
        SegmentIntegrationList { shared }
    }
}

type Out<'a> = Listed<'a, SegmentIntegrationIdentity, SegmentIntegrationModel>;

#[async_trait]
impl TypedListResource for SegmentIntegrationList {
    type Config = SegmentIntegrationListModel;
    type Identity = SegmentIntegrationIdentity;
    type Object = SegmentIntegrationModel;

    fn type_name(&self) -> &'static str {
        "conductorone_segment_integration"
    }

    async fn list(
        &self,
        ctx: &Context,
        config: SegmentIntegrationListModel,
        out: &mut Out<'_>,
        diags: &mut Diagnostics,
    ) {
        if let Err(d) = self.find(ctx, config, out, diags).await {
            diags.push(d);
        }
    }
}

impl SegmentIntegrationList {
    async fn find(
        &self,
        ctx: &Context,
        config: SegmentIntegrationListModel,
        out: &mut Out<'_>,
        diags: &mut Diagnostics,
    ) -> Result<(), Diagnostic> {
        let name_filter = config
            .display_name_regex
            .as_deref()
            .map(Regex::new)
            .transpose()
            .map_err(|e| {
                Diagnostic::error("Invalid display_name_regex", e.to_string())
                    .at(AttributePath::new("display_name_regex"))
            })?;
        let c1 = self.shared.conductorone()?;
        let key = marker_key(&self.shared)?;
        let apps = apps_to_search(ctx, &c1, config.app_id.as_deref()).await?;
        const SUMMARY: &str = "Cannot list the Segment connectors";
        let found = c1.connectors_of_catalog(SEGMENT_CATALOG_ID, Some(apps));
        let found = c1_call(ctx, SUMMARY, None, found).await?;
        send_all(out, found, name_filter.as_ref(), &key, diags).await
    }
}

/// Sends the connectors whose name `name_filter` matches, until Terraform
/// wants no more; those an interrupted create of this provider holds (a
/// marker `key` verifies) get a warning instead.
async fn send_all(
    out: &mut Out<'_>,
    found: Vec<(App, ListedConnector)>,
    name_filter: Option<&Regex>,
    key: &MarkerKey,
    diags: &mut Diagnostics,
) -> Result<(), Diagnostic> {
    for (app, c) in found {
        if name_filter.is_some_and(|r| !r.is_match(&c.display_name)) {
            continue;
        }
        if held_by_a_create(key, &app, &c) {
            diags.push(left_out(&app, &c));
            continue;
        }
        if !send(out, &app, &c).await? {
            break;
        }
    }
    Ok(())
}

/// The one app `app_id` names (an error on `app_id` when there is none),
/// or every app of the tenant.
async fn apps_to_search(
    ctx: &Context,
    c1: &C1Client,
    app_id: Option<&str>,
) -> Result<Vec<App>, Diagnostic> {
    let Some(id) = app_id else {
        return c1_call(
            ctx,
            "Cannot list the ConductorOne apps",
            None,
            c1.all_apps(),
        )
        .await;
    };
    let at = Some(AttributePath::new("app_id"));
    let app = c1_call(
        ctx,
        "Cannot read the ConductorOne app",
        at.clone(),
        c1.app(id),
    )
    .await?;
    let app = app.ok_or_else(|| {
        Diagnostic::error(
            "No such app",
            format!("ConductorOne has no app {id:?}: nothing to list."),
        )
        .at(AttributePath::new("app_id"))
    })?;
    Ok(vec![app])
}

/// A connector that an interrupted create left behind (it carries the
/// create's valid pending marker, or its app does) is not offered for
/// import: the next apply of that create adopts it, and importing it too
/// would make two resources of one connector. (A marker these credentials
/// did not make holds nothing: such a connector is listed.)
fn left_out(app: &App, c: &ListedConnector) -> Diagnostic {
    Diagnostic::warning(
        "Connector left out: an interrupted apply made it",
        format!(
            "Connector {} ({:?}) in app {} ({:?}) carries the marker of a Terraform apply that was \
             interrupted while making it; the next apply of that configuration adopts it. To adopt \
             it here instead, import it by ID.",
            c.id, c.display_name, app.id, app.display_name
        ),
    )
}

/// Sends one connector; false when Terraform wants no more.
async fn send(out: &mut Out<'_>, app: &App, c: &ListedConnector) -> Result<bool, Diagnostic> {
    let identity = SegmentIntegrationIdentity {
        app_id: c.app_id.clone(),
        connector_id: c.id.clone(),
    };
    let name = format!("{} in app {:?}", c.display_name, app.display_name);
    out.send(&identity, name, || SegmentIntegrationModel::imported(c))
        .await
}
