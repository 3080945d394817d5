//! Read: the connector as ConductorOne has it now. A connector that is gone
//! while the resource's own app remains (or a create that failed after making
//! the app) keeps the app in the state without a connector, so that it is
//! neither orphaned nor duplicated: the next plan makes the connector again.
//! The connector's health comes with the read, as warnings (`health`).

use tfplugin::diag::Diagnostics;
use tfplugin::framework::Context;

use super::{c1_call, health, Model, SegmentIntegration};

impl SegmentIntegration {
    pub(super) async fn refresh(
        &self,
        ctx: &Context,
        current: Model,
        diags: &mut Diagnostics,
    ) -> Option<Model> {
        let found = match self.connector_now(ctx, &current, diags).await {
            Ok(found) => found,
            Err(d) => {
                diags.push(d);
                return None;
            }
        };
        if found.is_none() {
            tracing::info!(id = ?current.id, app_id = ?current.app_id, "the connector is gone; removing it from the state");
        }
        found
    }

    async fn connector_now(
        &self,
        ctx: &Context,
        current: &Model,
        diags: &mut Diagnostics,
    ) -> Result<Option<Model>, tfplugin::Diagnostic> {
        let c1 = self.c1()?;
        let app_id = current.app_id.clone().unwrap_or_default();
        const SUMMARY: &str = "Cannot read the ConductorOne connector";
        if let Some(id) = &current.id {
            if let Some(c) = c1_call(ctx, SUMMARY, None, c1.connector(&app_id, id)).await? {
                for w in health::warnings(current, &c, c1.base()) {
                    diags.push(w);
                }
                return Ok(Some(current.refreshed(&c)));
            }
        }
        if current.managed_app != Some(true) || app_id.is_empty() {
            return Ok(None);
        }
        let app = c1_call(
            ctx,
            "Cannot read the ConductorOne app",
            None,
            c1.app(&app_id),
        )
        .await?;
        Ok(app.map(|_| current.without_connector()))
    }
}
