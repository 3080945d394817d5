//! Delete: the connector, then the app when it is the resource's own.
//! Deleting what is already gone succeeds.

use tfplugin::diag::Diagnostics;
use tfplugin::framework::Context;

use super::{c1_call, Model, SegmentIntegration};

impl SegmentIntegration {
    pub(super) async fn remove(&self, ctx: &Context, prior: &Model, diags: &mut Diagnostics) {
        tracing::debug!(id = ?prior.id, app_id = ?prior.app_id, "deleting the Segment connector");
        let c1 = match self.c1() {
            Ok(c) => c,
            Err(d) => return diags.push(d),
        };
        let app_id = prior.app_id.clone().unwrap_or_default();
        if let Some(id) = &prior.id {
            let deleted = c1.delete_connector(&app_id, id);
            if let Err(d) = c1_call(
                ctx,
                "Cannot delete the ConductorOne connector",
                None,
                deleted,
            )
            .await
            {
                return diags.push(d);
            }
        }
        if prior.managed_app == Some(true) && !app_id.is_empty() {
            let deleted = c1.delete_app(&app_id);
            if let Err(d) = c1_call(ctx, "Cannot delete the ConductorOne app", None, deleted).await
            {
                diags.push(d);
            }
        }
    }
}
