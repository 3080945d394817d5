//! Update: starts from the prior state and moves each field forward only once
//! the call that changes it succeeded: the app's name (an app of the
//! resource's own); the token, checked against Segment first, through
//! `Update` (`updateMask: "config"`); the name and owners through
//! `UpdateDelegated` (`"displayName,userIds"`, both sent): the two forms
//! ConductorOne's own code sends.

use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::framework::Context;
use tfplugin::typed::Change;

use super::token::token_attribute;
use super::{c1_call, path, send_update, Model, SegmentIntegration, DEFAULT_NAME};
use crate::conductorone::{C1Client, ConnectorUpdate, EnvConfig};

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
        if planned.token_changes_from(Some(m)) {
            self.send_token(ctx, &c1, change, m).await?;
        }
        let name = planned.display_name.as_deref().unwrap_or(DEFAULT_NAME);
        let owners = planned.user_ids.as_ref().or(m.user_ids.as_ref());
        let update = ConnectorUpdate::NameAndOwners {
            display_name: name.to_string(),
            user_ids: owners
                .map(|o| o.iter().cloned().collect())
                .unwrap_or_default(),
        };
        let same_owners = planned.user_ids.is_none() || planned.user_ids == m.user_ids;
        if m.display_name.as_deref() == Some(name) && same_owners {
            return Ok(());
        }
        let summary = "Cannot set the connector's name and owners";
        update_connector(ctx, &c1, m, &update, summary, None).await
    }

    /// Sends the token again (or removes it), checked first, through
    /// `Update` with `updateMask: "config"` alone; the token's fields move
    /// forward once ConductorOne took it.
    async fn send_token(
        &self,
        ctx: &Context,
        c1: &C1Client,
        change: &Change<Model>,
        m: &mut Model,
    ) -> Result<(), Diagnostic> {
        let checked = self.checked_token(ctx, &change.config).await?;
        let config = match &checked {
            Some(c) => {
                let field = self.token_field(ctx, &change.config).await?;
                EnvConfig::with_secret(&field, Some(&c.token))
            }
            None => EnvConfig::default(),
        };
        let at = Some(token_attribute(&change.config));
        let summary = "Cannot set the token of the ConductorOne connector";
        let update = ConnectorUpdate::Config(config);
        update_connector(ctx, c1, m, &update, summary, at).await?;
        m.set_workspace(checked.as_ref().map(|c| &c.workspace));
        m.segment_access_token
            .clone_from(&change.planned.segment_access_token);
        m.segment_access_token_wo_version
            .clone_from(&change.planned.segment_access_token_wo_version);
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

/// One connector update of the connector as ConductorOne has it now. The
/// state moves forward to what ConductorOne answered.
async fn update_connector(
    ctx: &Context,
    c1: &C1Client,
    m: &mut Model,
    update: &ConnectorUpdate,
    summary: &str,
    at: Option<tfplugin::AttributePath>,
) -> Result<(), Diagnostic> {
    let (app_id, id) = (
        m.app_id.clone().unwrap_or_default(),
        m.id.clone().unwrap_or_default(),
    );
    let current = c1_call(ctx, summary, None, c1.connector(&app_id, &id))
        .await?
        .ok_or_else(|| {
            Diagnostic::error(summary, format!("Connector {id} in app {app_id} is gone."))
        })?;
    let updated = send_update(ctx, c1, &current, update, summary, at).await?;
    *m = m.refreshed(&updated);
    Ok(())
}
