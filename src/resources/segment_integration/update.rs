//! Update: starts from the prior state and moves each field forward only once
//! the call that changes it succeeded: the app's name (an app of the
//! resource's own), then one connector update whose mask holds what changes,
//! with the token checked against Segment first when it is sent again.

use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::framework::Context;
use tfplugin::typed::Change;

use super::model::workspace_note;
use super::token::Checked;
use super::{c1_call, path, Model, SegmentIntegration, DEFAULT_NAME, TOKEN_CONFIG_KEY};
use crate::conductorone::{C1Client, ConnectorPatch, EnvConfig};

impl SegmentIntegration {
    pub(super) async fn update_steps(
        &self,
        ctx: &Context,
        change: Change<Model>,
        diags: &mut Diagnostics,
    ) -> Model {
        let prior = change.prior.clone().unwrap_or_default();
        if prior.id.is_none() {
            // The connector vanished and its own app remained (see read).
            return self
                .create_steps(ctx, &change, Some(&prior), diags)
                .await
                .unwrap_or(prior);
        }
        let mut m = prior;
        if let Err(d) = self.update_steps_in(ctx, &change, &mut m).await {
            diags.push(d);
        }
        m
    }

    async fn update_steps_in(
        &self,
        ctx: &Context,
        change: &Change<Model>,
        m: &mut Model,
    ) -> Result<(), Diagnostic> {
        let c1 = self.c1()?;
        rename_own_app(ctx, &c1, &change.planned, m).await?;
        let planned = &change.planned;
        let token = if planned.token_changes_from(Some(m)) {
            Some(self.checked_token(ctx, &change.config).await?)
        } else {
            None
        };
        let patch = connector_patch(m, planned, token.as_ref());
        if patch.is_empty() {
            return Ok(());
        }
        update_connector(ctx, &c1, m, &patch).await?;
        if let Some(checked) = token {
            m.set_workspace(checked.as_ref().map(|c| &c.workspace));
            m.segment_access_token
                .clone_from(&planned.segment_access_token);
            m.segment_access_token_wo_version
                .clone_from(&planned.segment_access_token_wo_version);
        }
        Ok(())
    }
}

/// Renames the app when it is the resource's own and its name changes.
async fn rename_own_app(
    ctx: &Context,
    c1: &C1Client,
    planned: &Model,
    m: &mut Model,
) -> Result<(), Diagnostic> {
    let Some(name) = &planned.app_display_name else {
        return Ok(());
    };
    if m.managed_app != Some(true) || m.app_display_name.as_ref() == Some(name) {
        return Ok(());
    }
    let app_id = m.app_id.clone().unwrap_or_default();
    let at = Some(path(|m| &mut m.app_display_name));
    c1_call(
        ctx,
        "Cannot rename the ConductorOne app",
        at,
        c1.rename_app(&app_id, name),
    )
    .await?;
    m.app_display_name = Some(name.clone());
    Ok(())
}

/// What changes on the connector: `token` is `Some` when the token is sent
/// again (`Some(None)`: removed).
fn connector_patch(
    prior: &Model,
    planned: &Model,
    token: Option<&Option<Checked>>,
) -> ConnectorPatch {
    let mut patch = ConnectorPatch::default();
    let name = planned.display_name.as_deref().unwrap_or(DEFAULT_NAME);
    if prior.display_name.as_deref() != Some(name) {
        patch.display_name = Some(name.to_string());
    }
    if let Some(ids) = planned
        .user_ids
        .as_ref()
        .filter(|ids| Some(*ids) != prior.user_ids.as_ref())
    {
        patch.user_ids = Some(ids.iter().cloned().collect());
    }
    if let Some(checked) = token {
        let secret = checked.as_ref().map(|c| &c.token);
        patch.config = Some(EnvConfig::with_secret(TOKEN_CONFIG_KEY, secret));
        patch.description = Some(workspace_note(checked.as_ref().map(|c| &c.workspace)));
    }
    patch
}

/// One connector update, at the endpoint the connector as ConductorOne has
/// it calls for. The state moves forward to what ConductorOne answered, but
/// for sync status and update time, which stay as of the last refresh (as
/// planned).
async fn update_connector(
    ctx: &Context,
    c1: &C1Client,
    m: &mut Model,
    patch: &ConnectorPatch,
) -> Result<(), Diagnostic> {
    const SUMMARY: &str = "Cannot update the ConductorOne connector";
    let (app_id, id) = (
        m.app_id.clone().unwrap_or_default(),
        m.id.clone().unwrap_or_default(),
    );
    let current = c1_call(ctx, SUMMARY, None, c1.connector(&app_id, &id))
        .await?
        .ok_or_else(|| {
            Diagnostic::error(SUMMARY, format!("Connector {id} in app {app_id} is gone."))
        })?;
    tracing::debug!(app_id, id, mask = %patch.mask().join(","), "updating the Segment connector");
    let at = patch.user_ids.is_some().then(|| path(|m| &mut m.user_ids));
    let updated = c1_call(ctx, SUMMARY, at, c1.update_connector(&current, patch)).await?;
    let (sync_status, updated_at) = (m.sync_status.take(), m.updated_at.take());
    *m = m.refreshed(&updated);
    m.sync_status = sync_status;
    m.updated_at = updated_at;
    Ok(())
}
